import { createHash } from 'node:crypto';

/**
 * The key that makes enqueueing the same work twice return the first job:
 * operation + hash of the input + hash of the parameters. Objects are hashed with
 * sorted keys so `{a, b}` and `{b, a}` are the same parameters.
 */
export function dedupeKey(operation: string, input: unknown, params: unknown = null): string {
  return `${operation}:${hash(input)}:${hash(params)}`;
}

function hash(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex').slice(0, 32);
}

export function canonicalJson(value: unknown): string {
  if (value === undefined) return 'null';
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}
