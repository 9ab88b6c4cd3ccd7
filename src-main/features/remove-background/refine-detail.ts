/**
 * Thin detail the model drew faintly (a pepper's stem, a leaf, a carton's cap seen
 * edge-on): pixels of middling confidence that form a structure too narrow to hold a
 * square of side 2r+1, attached to the subject. Refinement keeps their soft alpha,
 * where a wide patch of the same confidence (a "ghost" of a neighbouring fruit) is
 * cleared: the opening of the faint region tells the two apart.
 *
 * Width is a coarse property, so the opening runs on blocks of about r/4 px (a 12 MP
 * photo's is a few hundred blocks across); only the flood that follows the detail out
 * from the subject runs on pixels, and only on the faint ones.
 */
import { blockIndex, boxCount, sampleAt, Upsampler, windowArea } from './refine-box.js';

/**
 * For each pixel of `levelled` (0–255) at or above `minLevel` but below 128 that is
 * connected to the subject (≥ 128) through such pixels: 0–255, 255 away from the
 * opening (by a square of side 2r+1) of the faint region 0 < levelled < 128, fading
 * to 0 within about r/3 px of it (so thin detail does not stop at a step where it
 * joins a wide faint patch). 0 elsewhere.
 */
export function thinDetail(levelled: Uint8Array, width: number, height: number, r: number, minLevel: number): Uint8Array {
  const n = width * height;
  const detail = new Uint8Array(n);
  const block = Math.max(1, Math.floor(r / 4));
  const gw = Math.ceil(width / block);
  const gh = Math.ceil(height / block);
  const faintCount = new Float32Array(gw * gh);
  const blockOf = blockIndex(width, block);
  const candidates: number[] = [];
  for (let y = 0; y < height; y++) {
    const row = Math.floor(y / block) * gw;
    for (let x = 0, i = y * width; x < width; x++, i++) {
      const v = levelled[i]!;
      if (v === 0 || v >= 128) continue;
      faintCount[row + blockOf[x]!]!++;
      if (v >= minLevel) candidates.push(i);
    }
  }
  if (candidates.length === 0) return detail;

  // Opening of everything the model saw at all but not as subject (so the bright rim of
  // a ghost, with its fainter inside, is part of one wide patch, while a stem is not
  // widened by the subject it hangs from): erode (the whole window is in it), then
  // dilate the eroded core back.
  const faint = new Uint8Array(gw * gh);
  for (let gy = 0; gy < gh; gy++)
    for (let gx = 0; gx < gw; gx++) {
      const area = (Math.min(height, (gy + 1) * block) - gy * block) * (Math.min(width, (gx + 1) * block) - gx * block);
      faint[gy * gw + gx] = faintCount[gy * gw + gx]! * 2 >= area ? 1 : 0;
    }
  const lr = Math.max(1, Math.round(r / block));
  const inRegion = boxCount(faint, gw, gh, lr);
  const core = new Uint8Array(gw * gh);
  for (let gy = 0; gy < gh; gy++) for (let gx = 0; gx < gw; gx++) core[gy * gw + gx] = inRegion[gy * gw + gx] === windowArea(gx, gy, gw, gh, lr) ? 1 : 0;
  const nearCore = boxCount(core, gw, gh, lr);
  const wide = new Uint8Array(gw * gh);
  for (let g = 0; g < wide.length; g++) wide[g] = nearCore[g]! > 0 ? 1 : 0;
  const fade = Math.max(1, Math.round(lr / 3));
  const nearWide = boxCount(wide, gw, gh, fade);
  const keep = new Float32Array(gw * gh);
  for (let gy = 0; gy < gh; gy++)
    for (let gx = 0; gx < gw; gx++) {
      const g = gy * gw + gx;
      keep[g] = wide[g] ? 0 : Math.max(0, 1 - (2 * nearWide[g]!) / windowArea(gx, gy, gw, gh, fade));
    }
  const grid = new Upsampler(gw, gh, block, block);
  const at = new Float64Array(6);

  // Flood from the subject through the detail candidates (seeded by those that touch
  // the subject, so the cost follows the faint pixels, not the subject's area).
  const isCandidate = (j: number) => levelled[j]! >= minLevel && levelled[j]! < 128;
  const seen = new Uint8Array(n);
  const queue = new Int32Array(candidates.length);
  let tail = 0;
  const visit = (j: number) => {
    seen[j] = 1;
    queue[tail++] = j;
    grid.locate(j % width, Math.floor(j / width), at);
    detail[j] = Math.round(255 * sampleAt(keep, at));
  };
  forCandidates: for (const i of candidates) {
    const x = i % width;
    const y = (i - x) / width;
    for (let yy = Math.max(0, y - 1); yy <= Math.min(height - 1, y + 1); yy++) {
      for (let xx = Math.max(0, x - 1); xx <= Math.min(width - 1, x + 1); xx++) {
        if (levelled[yy * width + xx]! >= 128) {
          visit(i);
          continue forCandidates;
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
        if (!seen[j] && isCandidate(j)) visit(j);
      }
    }
  }
  return detail;
}
