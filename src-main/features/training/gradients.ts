import * as tf from '@tensorflow/tfjs';

/**
 * Scales all gradients together so their global L2 norm is at most `maxNorm`, as
 * torch.nn.utils.clip_grad_norm_ does (coefficient maxNorm / (norm + 1e-6), capped at 1).
 * TF.js has no clip-by-global-norm op, hence these few lines. Returns the norm before
 * clipping (NaN when a gradient is not finite: the trainer's guard looks at it).
 */
export function clipByGlobalNorm(grads: ReadonlyMap<string, tf.Tensor>, maxNorm: number): { grads: Map<string, tf.Tensor>; norm: number } {
  const squares = [...grads.values()].map((g) => tf.sum(tf.square(g)));
  const total = tf.addN(squares);
  const norm = Math.sqrt(total.dataSync()[0]!);
  tf.dispose([...squares, total]);
  const coef = Math.min(1, maxNorm / (norm + 1e-6));
  const out = new Map<string, tf.Tensor>();
  for (const [name, g] of grads) out.set(name, coef < 1 ? tf.mul(g, coef) : tf.clone(g));
  return { grads: out, norm };
}
