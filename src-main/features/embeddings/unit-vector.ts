/**
 * Scaling an embedding row to unit length, shared by the engine's embedder and the
 * in-process one (benches, scripts), so both give the same vectors and refuse the same
 * degenerate rows: a zero or non-finite row has no direction, and a cosine index fed one
 * would rank it arbitrarily.
 */
export function normalizeRow(row: Float32Array, what: string): void {
  let s = 0;
  for (let i = 0; i < row.length; i++) s += row[i]! * row[i]!;
  if (!(s > 0) || !Number.isFinite(s)) throw new Error(`${what}: the embedding is ${Number.isFinite(s) ? 'zero' : 'not finite'}`);
  const k = 1 / Math.sqrt(s);
  for (let i = 0; i < row.length; i++) row[i]! *= k;
}
