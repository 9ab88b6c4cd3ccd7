import * as tf from '@tensorflow/tfjs';
import { setThreadsCount } from '@tensorflow/tfjs-backend-wasm';

export type TfBackendName = 'wasm' | 'cpu';

interface BackendWithDisposal {
  disposeData(dataId: object): void;
}

let shimInstalled = false;
let originalMatMul: tf.KernelConfig | null = null;

/**
 * The wasm backend's BatchMatMul is ~15× slower when asked to transpose an operand than
 * when given an already transposed one (measured 408 ms vs 26 ms for a 2440×64 · 64×512
 * product); autodiff asks for exactly those transposes (dW = xᵀ·dy). This shim keeps
 * TF.js's own gradients and only reorders the work: it runs the wasm Transpose kernel
 * first and then the fast, non-transposed product.
 */
function installWasmMatMulTransposeShim(): void {
  if (shimInstalled) return;
  const original = tf.getKernel('BatchMatMul', 'wasm');
  originalMatMul = original;
  const transpose = tf.getKernel('Transpose', 'wasm');
  if (!original || !transpose) throw new Error('the TF.js wasm backend has no BatchMatMul/Transpose kernel to wrap');
  const swapLastTwo = (info: tf.TensorInfo, backend: object): tf.TensorInfo => {
    const rank = info.shape.length;
    const perm = [...Array(rank).keys()];
    [perm[rank - 2], perm[rank - 1]] = [perm[rank - 1]!, perm[rank - 2]!];
    return transpose.kernelFunc({ inputs: { x: info }, backend, attrs: { perm } }) as tf.TensorInfo;
  };
  tf.unregisterKernel('BatchMatMul', 'wasm');
  tf.registerKernel({
    ...original,
    kernelFunc: ({ inputs, backend, attrs }) => {
      const transposeA = Boolean(attrs?.transposeA);
      const transposeB = Boolean(attrs?.transposeB);
      if (!transposeA && !transposeB) return original.kernelFunc({ inputs, backend, attrs });
      const temps: tf.TensorInfo[] = [];
      const a = transposeA ? swapLastTwo(inputs.a!, backend) : inputs.a!;
      const b = transposeB ? swapLastTwo(inputs.b!, backend) : inputs.b!;
      if (transposeA) temps.push(a);
      if (transposeB) temps.push(b);
      try {
        return original.kernelFunc({ inputs: { a, b }, backend, attrs: { ...attrs, transposeA: false, transposeB: false } });
      } finally {
        for (const t of temps) (backend as BackendWithDisposal).disposeData(t.dataId);
      }
    },
  });
  shimInstalled = true;
}

/** Puts the wasm backend's own BatchMatMul back (benches measure the shim's effect with it). */
export function removeWasmMatMulTransposeShim(): void {
  if (!shimInstalled || !originalMatMul) return;
  tf.unregisterKernel('BatchMatMul', 'wasm');
  tf.registerKernel(originalMatMul);
  shimInstalled = false;
}

/**
 * Selects the TF.js backend for training. `wasm` (XNNPACK, SIMD, one thread: the
 * training thread must not take the other cores from the engine) is the default, being
 * ~4.4× faster than `cpu` on this workload before the shim and far more after it
 * (bench/train.ts measures both).
 */
export async function useTfBackend(name: TfBackendName): Promise<void> {
  if (name === 'wasm') {
    if (tf.getBackend() !== 'wasm') setThreadsCount(1);
    installWasmMatMulTransposeShim();
  }
  if (tf.getBackend() !== name) {
    const ok = await tf.setBackend(name);
    if (!ok) throw new Error(`the TF.js ${name} backend did not initialise`);
  }
  await tf.ready();
}
