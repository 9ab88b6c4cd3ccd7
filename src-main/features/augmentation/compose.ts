import type { AugmentConfig } from './config.js';
import { withMats, type Cv } from './cv.js';
import { alphaBox, AugmentInputError, crop, sharpOf, toRaw, type Box, type RawImage } from './raw-image.js';
import type { Rng } from './rng.js';
import { matOf, rawOf } from './transforms.js';

/** A cut-out with nothing in it: said clearly rather than turned into a blank image. */
export class EmptyCutoutError extends AugmentInputError {
  constructor(threshold: number) {
    super(`the cut-out is empty: no pixel has alpha above ${threshold} (segment the frame again or pick another)`);
    this.name = 'EmptyCutoutError';
  }
}

/** Where the subject sits on the working canvas. */
export interface SubjectLayout {
  /** The subject's alpha bounding box in the source cut-out. */
  box: Box;
  /** Working canvas size, and the scale from source pixels to it. */
  canvas: { width: number; height: number };
  scale: number;
  /** The scaled subject's box on the canvas. */
  at: Box;
}

export type ShadowPlan = { applied: false } | { applied: true; alpha: number; blurPasses: number; offset: [number, number] };

export function planShadow(rng: Rng, cfg: AugmentConfig['synthetic']['shadow']): ShadowPlan {
  if (!rng.chance(cfg.p)) return { applied: false };
  return { applied: true, alpha: rng.int(...cfg.alpha), blurPasses: rng.int(...cfg.blurPasses), offset: [cfg.offset[0], cfg.offset[1]] };
}

/**
 * The working scale for a canvas whose longer side is `side`: its longer side ends in
 * [output.size, workMaxSide], so pixel-sized parameters mean about the same on every source.
 */
export function workScale(side: number, cfg: AugmentConfig): number {
  const target = Math.min(Math.max(side, cfg.output.size), Math.max(cfg.workMaxSide, cfg.output.size));
  return target / side;
}

/** Crop to the subject's alpha box, lay it out on a canvas (square by default) with a margin, at working scale. */
export function layoutSubject(cutout: RawImage, cfg: AugmentConfig): SubjectLayout {
  const s = cfg.synthetic;
  const box = alphaBox(cutout, s.alphaThreshold);
  if (!box) throw new EmptyCutoutError(s.alphaThreshold);
  const pad = Math.round(s.margin * Math.max(box.width, box.height));
  const [cw, ch] =
    s.canvas === 'square' ? [Math.max(box.width, box.height) + 2 * pad, Math.max(box.width, box.height) + 2 * pad] : [box.width + 2 * pad, box.height + 2 * pad];
  const scale = workScale(Math.max(cw, ch), cfg);
  const canvas = { width: Math.max(1, Math.round(cw * scale)), height: Math.max(1, Math.round(ch * scale)) };
  const w = Math.max(1, Math.round(box.width * scale));
  const h = Math.max(1, Math.round(box.height * scale));
  return { box, canvas, scale, at: { x: Math.floor((canvas.width - w) / 2), y: Math.floor((canvas.height - h) / 2), width: w, height: h } };
}

/**
 * The subject at working scale, RGBA. sharp premultiplies alpha when resizing, so
 * transparent pixels' colours do not bleed into the edge. Then the edge is cleaned, the
 * two things that make a pasted cut-out look pasted:
 *  - colour: a cut-out's outer pixels still carry some of the old background (a light
 *    rim from a white studio, a dark one from a shelf). Within `choke`·3 source pixels of
 *    the edge, colours are replaced by the subject's own nearby interior colours, spread
 *    outwards by normalised convolution (blur of colour × interior over blur of interior);
 *  - alpha: eroded by `choke` source pixels and feathered, which softens the stair-steps
 *    of an upscaled mask and tucks in what the colour fix could not reach.
 */
export async function prepareSubject(cv: Cv, cutout: RawImage, layout: SubjectLayout, choke: number): Promise<RawImage> {
  const subject = await toRaw(sharpOf(crop(cutout, layout.box)).resize(layout.at.width, layout.at.height, { fit: 'fill', kernel: 'lanczos3' }), 4);
  if (choke <= 0) return subject;
  const { width, height } = subject;
  const n = width * height;
  const alpha = new Uint8Array(n);
  const rgb = new Uint8Array(n * 3);
  for (let i = 0; i < n; i++) {
    alpha[i] = subject.data[i * 4 + 3]!;
    rgb.set(subject.data.subarray(i * 4, i * 4 + 3), i * 3);
  }
  const radius = Math.max(1, Math.round(choke * layout.scale));
  const band = 3 * radius;
  const sigma = Math.max(0.8, 0.6 * layout.scale);
  const data = subject.data.slice();
  withMats((track) => {
    const a = track(matOf(cv, { data: alpha, width, height, channels: 1 }));
    const erode = (r: number) => {
      const out = track(new cv.Mat());
      const size = 2 * r + 1;
      const kernel = track(cv.matFromArray(size, size, cv.CV_8U, new Array<number>(size * size).fill(1)));
      // Outside the crop counts as transparent: the crop is the alpha box, so its sides are the subject's edge.
      cv.erode(a, out, kernel, new cv.Point(-1, -1), 1, cv.BORDER_CONSTANT, new cv.Scalar(0, 0, 0, 0));
      return out;
    };

    // Colour: interior = opaque pixels at least `band` inside the edge.
    const inner = erode(band).data;
    const weight = track(new cv.Mat(height, width, cv.CV_32FC1));
    const colour = track(new cv.Mat(height, width, cv.CV_32FC3));
    const w = weight.data32F;
    const c = colour.data32F;
    for (let i = 0; i < n; i++) {
      const on = inner[i]! >= 250 ? 1 : 0;
      w[i] = on;
      c[i * 3] = rgb[i * 3]! * on;
      c[i * 3 + 1] = rgb[i * 3 + 1]! * on;
      c[i * 3 + 2] = rgb[i * 3 + 2]! * on;
    }
    // Two passes of a box filter (a tent reaching 4·band): OpenCV's box filter costs the
    // same at any size, where a Gaussian this wide would dominate the whole composition.
    const size = new cv.Size(4 * band + 1, 4 * band + 1);
    const spread = (m: typeof weight) => {
      const once = track(new cv.Mat());
      const twice = track(new cv.Mat());
      cv.boxFilter(m, once, -1, size, new cv.Point(-1, -1), true, cv.BORDER_CONSTANT);
      cv.boxFilter(once, twice, -1, size, new cv.Point(-1, -1), true, cv.BORDER_CONSTANT);
      return twice;
    };
    const wb = spread(weight).data32F;
    const cb = spread(colour).data32F;
    for (let i = 0; i < n; i++) {
      if (w[i] === 1 || alpha[i] === 0 || wb[i]! < 1e-3) continue;
      data[i * 4] = Math.round(cb[i * 3]! / wb[i]!);
      data[i * 4 + 1] = Math.round(cb[i * 3 + 1]! / wb[i]!);
      data[i * 4 + 2] = Math.round(cb[i * 3 + 2]! / wb[i]!);
    }

    // Alpha: choke and feather.
    const feathered = track(new cv.Mat());
    const fk = 2 * Math.ceil(3 * sigma) + 1;
    cv.GaussianBlur(erode(radius), feathered, new cv.Size(fk, fk), sigma, sigma, cv.BORDER_REPLICATE);
    const f = feathered.data;
    for (let i = 0; i < n; i++) data[i * 4 + 3] = Math.min(alpha[i]!, f[i]!);
  });
  return { ...subject, data };
}

/**
 * The shadow as an 8-bit coverage layer the size of the canvas: the subject's alpha
 * times alpha/255, moved by the offset, blurred `blurPasses` times with PIL's
 * ImageFilter.BLUR (a 5×5 ring of ones over 16).
 *
 * The ring is the 5×5 box minus the 3×3 box, so each pass is (25·box5 − 9·box3)/16 with
 * OpenCV's box filter (constant time per pixel) instead of a 25-tap filter2D: the same
 * kernel, several times cheaper. Passes run in float and round once at the end (PIL
 * rounds after each pass; the difference is under one level).
 */
export function shadowLayer(cv: Cv, subject: RawImage, layout: SubjectLayout, plan: Extract<ShadowPlan, { applied: true }>): RawImage {
  const { width, height } = layout.canvas;
  const layer = new Uint8Array(width * height);
  const [ox, oy] = plan.offset;
  for (let y = 0; y < subject.height; y++) {
    const cy = layout.at.y + y + oy;
    if (cy < 0 || cy >= height) continue;
    for (let x = 0; x < subject.width; x++) {
      const cx = layout.at.x + x + ox;
      if (cx < 0 || cx >= width) continue;
      layer[cy * width + cx] = Math.round((subject.data[(y * subject.width + x) * 4 + 3]! * plan.alpha) / 255);
    }
  }
  if (plan.blurPasses === 0) return { data: layer, width, height, channels: 1 };
  return withMats((track) => {
    let cur = track(new cv.Mat());
    track(matOf(cv, { data: layer, width, height, channels: 1 })).convertTo(cur, cv.CV_32F);
    const anchor = new cv.Point(-1, -1);
    for (let i = 0; i < plan.blurPasses; i++) {
      const box5 = track(new cv.Mat());
      const box3 = track(new cv.Mat());
      const next = track(new cv.Mat());
      // Zero outside the canvas: the shadow fades out past the frame instead of piling up at it.
      cv.boxFilter(cur, box5, -1, new cv.Size(5, 5), anchor, true, cv.BORDER_CONSTANT);
      cv.boxFilter(cur, box3, -1, new cv.Size(3, 3), anchor, true, cv.BORDER_CONSTANT);
      cv.addWeighted(box5, 25 / 16, box3, -9 / 16, 0, next, -1);
      cur = next;
    }
    const out = track(new cv.Mat());
    cur.convertTo(out, cv.CV_8U);
    return rawOf(out, 1);
  });
}

/** Background, then the black shadow at its coverage, then the subject: sharp's `over` compositing. */
export async function composite(background: RawImage, subject: RawImage, layout: SubjectLayout, shadow: RawImage | null): Promise<RawImage> {
  const layers: { input: Buffer; raw: { width: number; height: number; channels: 4 }; left: number; top: number }[] = [];
  if (shadow) {
    const rgba = Buffer.alloc(shadow.width * shadow.height * 4);
    for (let i = 0; i < shadow.data.length; i++) rgba[i * 4 + 3] = shadow.data[i]!;
    layers.push({ input: rgba, raw: { width: shadow.width, height: shadow.height, channels: 4 }, left: 0, top: 0 });
  }
  layers.push({ input: Buffer.from(subject.data.buffer, subject.data.byteOffset, subject.data.byteLength), raw: { width: subject.width, height: subject.height, channels: 4 }, left: layout.at.x, top: layout.at.y });
  return toRaw(sharpOf(background).composite(layers).removeAlpha(), 3);
}
