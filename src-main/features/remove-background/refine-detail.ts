/**
 * Thin detail the model drew faintly (a pepper's stem, a leaf, a carton's cap seen
 * edge-on): pixels of middling confidence that form a structure too narrow to hold a
 * square of side 2r+1, attached to the subject. Refinement keeps their soft alpha,
 * where a wide patch of the same confidence (a "ghost" of a neighbouring fruit) is
 * cleared: the opening of the faint region tells the two apart.
 */
import { boxCount, windowArea } from './refine-box.js';

/**
 * For each pixel of `levelled` (0–255) at or above `minLevel` but below 128 that is
 * connected to the subject (≥ 128) through the region ≥ minLevel and lies outside the
 * opening (by a square of side 2r+1) of the faint region 0 < levelled < 128: 0–255,
 * 255 away from the opening, fading to 0 within about r/3 px of it (so thin detail
 * does not stop at a step where it joins a wide faint patch). 0 elsewhere.
 */
export function thinDetail(levelled: Uint8Array, width: number, height: number, r: number, minLevel: number): Uint8Array {
  const n = width * height;
  const detail = new Uint8Array(n);
  const faint = new Uint8Array(n);
  const faintAtAll = new Uint8Array(n);
  let anyFaint = false;
  for (let i = 0; i < n; i++) {
    const v = levelled[i]!;
    faint[i] = v >= minLevel ? 1 : 0;
    faintAtAll[i] = v > 0 && v < 128 ? 1 : 0;
    if (v >= minLevel && v < 128) anyFaint = true;
  }
  if (!anyFaint) return detail;
  // Opening of everything the model saw at all but not as subject (so the bright rim of
  // a ghost, with its fainter inside, is part of one wide patch, while a stem is not
  // widened by the subject it hangs from): erode (the whole window is in it), then
  // dilate the eroded core back.
  const inRegion = boxCount(faintAtAll, width, height, r);
  const core = new Uint8Array(n);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) core[y * width + x] = inRegion[y * width + x] === windowArea(x, y, width, height, r) ? 1 : 0;
  const nearCore = boxCount(core, width, height, r);
  const wide = new Uint8Array(n);
  for (let i = 0; i < n; i++) wide[i] = nearCore[i]! > 0 ? 1 : 0;
  // Thin pixels beside a wide patch fade out over a short distance instead of stopping at a step.
  const fade = Math.max(1, Math.round(r / 3));
  const nearWide = boxCount(wide, width, height, fade);

  // Flood from the subject through the faint region (seeded by the faint pixels that
  // touch the subject, so the cost follows the faint region, not the subject's area).
  const seen = new Uint8Array(n);
  const queue = new Int32Array(n);
  let tail = 0;
  const visit = (j: number) => {
    seen[j] = 1;
    queue[tail++] = j;
    if (wide[j]) return;
    const share = nearWide[j]! / windowArea(j % width, Math.floor(j / width), width, height, fade);
    detail[j] = Math.round(255 * Math.max(0, 1 - 2 * share));
  };
  const isFaint = (j: number) => faint[j] === 1 && levelled[j]! < 128;
  forNeighbours: for (let i = 0; i < n; i++) {
    if (!isFaint(i)) continue;
    const x = i % width;
    const y = (i - x) / width;
    for (let yy = Math.max(0, y - 1); yy <= Math.min(height - 1, y + 1); yy++) {
      for (let xx = Math.max(0, x - 1); xx <= Math.min(width - 1, x + 1); xx++) {
        if (levelled[yy * width + xx]! >= 128) {
          visit(i);
          continue forNeighbours;
        }
      }
    }
  }
  for (let head = 0; head < tail; head++) {
    const i = queue[head]!;
    const x = i % width;
    const y = (i - x) / width;
    for (let yy = Math.max(0, y - 1); yy <= Math.min(height - 1, y + 1); yy++) {
      for (let xx = Math.max(0, x - 1); xx <= Math.min(width - 1, x + 1); xx++) {
        const j = yy * width + xx;
        if (!seen[j] && isFaint(j)) visit(j);
      }
    }
  }
  return detail;
}
