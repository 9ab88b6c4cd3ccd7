/**
 * AdamW (Loshchilov & Hutter; the update of torch.optim.AdamW) over named TF.js
 * variables. Written here because TF.js ships Adam without decoupled weight decay and
 * without per-parameter decay groups, and because its state must go into checkpoints.
 * The gradients it applies come from TF.js's autodiff.
 */
import * as tf from '@tensorflow/tfjs';
import type { TrainingConfig } from './config.js';

/** Biases and normalisation weights are not decayed (the usual parameter-group split). */
export function decays(paramName: string): boolean {
  return !/(^|\/)(bias|beta|gamma)$/.test(paramName) && !/(^|\/)norm\//.test(paramName);
}

export interface AdamWState {
  step: number;
  m: Map<string, Float32Array>;
  v: Map<string, Float32Array>;
}

export class AdamW {
  private readonly m = new Map<string, tf.Variable>();
  private readonly v = new Map<string, tf.Variable>();
  step = 0;

  constructor(
    private readonly params: ReadonlyMap<string, tf.Variable>,
    private readonly cfg: TrainingConfig['optimizer'],
  ) {
    for (const [name, p] of params) {
      this.m.set(name, tf.variable(tf.zerosLike(p), false));
      this.v.set(name, tf.variable(tf.zerosLike(p), false));
    }
  }

  /** One update with learning rate `lr`, or `lr(name)` per parameter (fine-tuned backbone layers have their own). */
  apply(grads: ReadonlyMap<string, tf.Tensor>, lrOf: number | ((paramName: string) => number)): void {
    const { beta1, beta2, epsilon, weightDecay } = this.cfg;
    this.step += 1;
    const c1 = 1 - beta1 ** this.step;
    const c2 = 1 - beta2 ** this.step;
    for (const [name, p] of this.params) {
      const g = grads.get(name);
      if (!g) continue;
      const m = this.m.get(name)!;
      const v = this.v.get(name)!;
      const lr = typeof lrOf === 'number' ? lrOf : lrOf(name);
      tf.tidy(() => {
        const decayed = decays(name) && weightDecay > 0 ? tf.mul(p, 1 - lr * weightDecay) : p;
        const m1 = tf.add(tf.mul(m, beta1), tf.mul(g, 1 - beta1));
        const v1 = tf.add(tf.mul(v, beta2), tf.mul(tf.square(g), 1 - beta2));
        const update = tf.div(tf.div(m1, c1), tf.add(tf.sqrt(tf.div(v1, c2)), epsilon));
        m.assign(m1);
        v.assign(v1);
        p.assign(tf.sub(decayed, tf.mul(update, lr)));
      });
    }
  }

  state(): AdamWState {
    const read = (vars: Map<string, tf.Variable>) => new Map([...vars].map(([k, t]) => [k, Float32Array.from(t.dataSync())]));
    return { step: this.step, m: read(this.m), v: read(this.v) };
  }

  restore(state: AdamWState): void {
    this.step = state.step;
    for (const [vars, saved] of [
      [this.m, state.m],
      [this.v, state.v],
    ] as const) {
      for (const [name, t] of vars) {
        const values = saved.get(name);
        if (!values || values.length !== t.size) throw new Error(`checkpoint optimiser state for ${name} is missing or the wrong size`);
        t.assign(tf.tensor(values, t.shape));
      }
    }
  }

  dispose(): void {
    tf.dispose([...this.m.values(), ...this.v.values()]);
  }
}
