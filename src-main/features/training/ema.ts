import * as tf from '@tensorflow/tfjs';

/**
 * Exponential moving average of the weights, updated after every optimiser step:
 * shadow ← d·shadow + (1 − d)·weight. The shadow weights are the ones evaluated, exported
 * and saved; they start equal to the initial weights.
 */
export class WeightEma {
  readonly shadow = new Map<string, tf.Variable>();

  constructor(
    params: ReadonlyMap<string, tf.Variable>,
    private readonly decay: number,
  ) {
    for (const [name, p] of params) this.shadow.set(name, tf.variable(tf.clone(p), false));
  }

  update(params: ReadonlyMap<string, tf.Tensor>): void {
    const d = this.decay;
    tf.tidy(() => {
      for (const [name, s] of this.shadow) {
        const p = params.get(name);
        if (p) s.assign(tf.add(tf.mul(s, d), tf.mul(p, 1 - d)));
      }
    });
  }

  values(): Map<string, Float32Array> {
    return new Map([...this.shadow].map(([k, t]) => [k, Float32Array.from(t.dataSync())]));
  }

  restore(values: ReadonlyMap<string, Float32Array>): void {
    for (const [name, t] of this.shadow) {
      const v = values.get(name);
      if (!v || v.length !== t.size) throw new Error(`checkpoint EMA weights for ${name} are missing or the wrong size`);
      t.assign(tf.tensor(v, t.shape));
    }
  }

  dispose(): void {
    tf.dispose([...this.shadow.values()]);
  }
}
