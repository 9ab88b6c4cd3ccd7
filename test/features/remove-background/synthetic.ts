/**
 * Synthetic cut-out scenes with a known answer: a red disc on a green ground, composited
 * with its exact anti-aliased alpha (so the true foreground colour of every edge pixel
 * is known), and a model-like mask for it (soft edge, never quite 0 or 255, a faint
 * ghost blob beside the subject and some noise).
 */
export const RED = [220, 30, 30] as const;
export const GREEN = [30, 160, 50] as const;

export interface DiscScene {
  width: number;
  height: number;
  cx: number;
  cy: number;
  radius: number;
  /** The exact coverage of the disc, 0–255. */
  truth: Uint8Array;
  /** RGB: truth·RED + (1 − truth)·GREEN, with a little deterministic texture. */
  rgb: Uint8Array;
  /** What a segmentation model might give: blurred, squashed to 3–250, a ghost blob at (ghostX, ghostY), noise. */
  mask: Uint8Array;
  ghostX: number;
  ghostY: number;
  ghostRadius: number;
}

/** Deterministic noise in [−1, 1). */
function noise(i: number): number {
  const s = Math.sin(i * 12.9898) * 43758.5453;
  return 2 * (s - Math.floor(s)) - 1;
}

export function discScene(width = 256, height = 256): DiscScene {
  const cx = width * 0.55;
  const cy = height * 0.55;
  const radius = Math.min(width, height) * 0.3;
  const ghostX = width * 0.16;
  const ghostY = height * 0.16;
  const ghostRadius = Math.min(width, height) * 0.08;
  const n = width * height;
  const truth = new Uint8Array(n);
  const rgb = new Uint8Array(n * 3);
  const S = 4; // supersampling for the exact coverage
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let inside = 0;
      for (let j = 0; j < S; j++) for (let i = 0; i < S; i++) if ((x + (i + 0.5) / S - cx) ** 2 + (y + (j + 0.5) / S - cy) ** 2 < radius ** 2) inside++;
      const a = inside / (S * S);
      const p = y * width + x;
      truth[p] = Math.round(a * 255);
      for (let c = 0; c < 3; c++) rgb[p * 3 + c] = Math.max(0, Math.min(255, Math.round(a * RED[c]! + (1 - a) * GREEN[c]! + 6 * noise(p * 3 + c))));
    }
  }
  // The model's view: a 2 px soft edge, a ghost at confidence ~0.4, never fully sure.
  const mask = new Uint8Array(n);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const d = Math.hypot(x + 0.5 - cx, y + 0.5 - cy) - radius;
      const edge = 1 / (1 + Math.exp(d / 1.2));
      const g = Math.hypot(x + 0.5 - ghostX, y + 0.5 - ghostY) - ghostRadius;
      const ghost = 0.4 / (1 + Math.exp(g / 2));
      const v = Math.max(edge, ghost) * 247 + 3 + 3 * noise(y * width + x + 7);
      mask[y * width + x] = Math.max(0, Math.min(250, Math.round(v)));
    }
  }
  return { width, height, cx, cy, radius, truth, rgb, mask, ghostX, ghostY, ghostRadius };
}

/** RGB + a separate alpha → RGBA. */
export function withAlpha(rgb: Uint8Array, alpha: Uint8Array): Uint8Array {
  const rgba = new Uint8Array(alpha.length * 4);
  for (let i = 0; i < alpha.length; i++) {
    rgba[i * 4] = rgb[i * 3]!;
    rgba[i * 4 + 1] = rgb[i * 3 + 1]!;
    rgba[i * 4 + 2] = rgb[i * 3 + 2]!;
    rgba[i * 4 + 3] = alpha[i]!;
  }
  return rgba;
}

/** Euclidean distance between two RGB colours. */
export function colourDistance(a: ArrayLike<number>, b: ArrayLike<number>): number {
  return Math.hypot(a[0]! - b[0]!, a[1]! - b[1]!, a[2]! - b[2]!);
}
