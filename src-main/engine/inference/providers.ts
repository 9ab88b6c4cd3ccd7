import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { ExecutionProvider } from '../../../src-shared/contract/index.js';

/** The onnxruntime-node name of each provider we try. */
export const ortName: Record<ExecutionProvider, string> = { cuda: 'cuda', dml: 'dml', coreml: 'coreml', cpu: 'cpu' };

/** Providers worth trying on this platform, best first: CUDA, then the platform's own, then CPU. */
export function candidateProviders(platform: NodeJS.Platform = process.platform, arch: string = process.arch): ExecutionProvider[] {
  const list: ExecutionProvider[] = [];
  // onnxruntime-node ships CUDA support for Linux x64 and Windows x64 only.
  if ((platform === 'linux' || platform === 'win32') && arch === 'x64') list.push('cuda');
  if (platform === 'win32') list.push('dml');
  if (platform === 'darwin') list.push('coreml');
  list.push('cpu');
  return list;
}

/** Where onnxruntime-node keeps its native libraries for this platform. */
export function ortBinaryDir(): string {
  const require = createRequire(import.meta.url);
  const entry = require.resolve('onnxruntime-node'); // …/onnxruntime-node/dist/index.js
  return path.join(path.dirname(entry), '..', 'bin', 'napi-v6', process.platform, process.arch);
}

/**
 * A cheap check before any session is made: CUDA needs the provider libraries that
 * onnxruntime-node's install step downloads (skipped here by .npmrc, see docs/cuda.md).
 * Returns why a provider cannot work, or null when it is worth trying.
 */
export function missingLibraryReason(provider: ExecutionProvider): string | null {
  if (provider !== 'cuda') return null;
  const lib = process.platform === 'win32' ? 'onnxruntime_providers_cuda.dll' : 'libonnxruntime_providers_cuda.so';
  let dir: string;
  try {
    dir = ortBinaryDir();
  } catch {
    return 'onnxruntime-node is not installed';
  }
  return existsSync(path.join(dir, lib)) ? null : `${lib} is not installed next to onnxruntime-node (see docs/cuda.md)`;
}

/** Providers from an env override such as `ATOLYE_EP=cpu` or `ATOLYE_EP=cuda,cpu`. */
export function providersFromEnv(value: string | undefined): ExecutionProvider[] | null {
  if (!value) return null;
  const names = value.split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
  const valid = names.filter((n): n is ExecutionProvider => n in ortName);
  if (valid.length !== names.length) throw new Error(`ATOLYE_EP: unknown provider in "${value}" (use cuda, dml, coreml, cpu)`);
  return valid;
}
