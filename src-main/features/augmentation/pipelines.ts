import type { AugmentConfig } from './config.js';
import type { ColorJitterPart, Op, Step } from './ops.js';
import type { Rng } from './rng.js';
import { sigmaForKernel } from './transforms.js';

/**
 * Planning: every random draw of a pipeline, made before any pixel is touched. A plan is
 * a list of steps with their sampled parameters (or "skipped"), which is both what gets
 * applied and the record that explains the output. Each step draws from its own child
 * stream (`rng.fork(step name)`), so steps do not shift each other's numbers.
 */

export type SyntheticPipeline = 'light' | 'heavy';
export type PipelineName = SyntheticPipeline | 'real';

interface Size {
  width: number;
  height: number;
}

/** A step applied with probability p (its first draw), its parameters drawn after. */
function maybe(rng: Rng, name: string, p: number, sample: (r: Rng) => Op): Step {
  const r = rng.fork(name);
  return r.chance(p) ? { name, applied: true, params: sample(r) } : { name, applied: false };
}

/** Light with probability synthetic.lightP, heavy otherwise (drawn from the 'pipeline' child stream). */
export function chooseSyntheticPipeline(root: Rng, cfg: AugmentConfig): SyntheticPipeline {
  return root.fork('pipeline').chance(cfg.synthetic.lightP) ? 'light' : 'heavy';
}

export function planSynthetic(pipeline: SyntheticPipeline, rng: Rng, cfg: AugmentConfig): Step[] {
  const out = cfg.output.size;
  const resize: Step = { name: 'resize', applied: true, params: { op: 'resize', width: out, height: out } };
  if (pipeline === 'light') {
    const a = cfg.synthetic.light.affine;
    return [maybe(rng, 'affine', a.p, (r) => sampleAffine(r, a)), resize];
  }
  const h = cfg.synthetic.heavy;
  return [
    maybe(rng, 'perspective', h.perspective.p, (r) => samplePerspective(r, h.perspective)),
    maybe(rng, 'grid-distortion', h.grid.p, (r) => sampleGrid(r, h.grid)),
    maybe(rng, 'optical-distortion', h.optical.p, (r) => sampleOptical(r, h.optical)),
    maybe(rng, 'affine', h.affine.p, (r) => sampleAffine(r, h.affine)),
    maybe(rng, 'blur', h.blur.p, (r) => sampleBlur(r, h.blur)),
    resize,
  ];
}

/** The real pipeline; `resize` false for clean photos (the specification leaves them at their size). */
export function planReal(rng: Rng, cfg: AugmentConfig, size: Size, resize: boolean): Step[] {
  const c = cfg.real;
  const g = c.geometric;
  const steps: Step[] = [
    maybe(rng, 'geometric', g.p, (r) => {
      const pick = r.weighted([g.affine.weight, g.perspective.weight, g.grid.weight, g.optical.weight]);
      if (pick === 0) return sampleAffine(r, g.affine);
      if (pick === 1) return samplePerspective(r, g.perspective);
      if (pick === 2) return sampleGrid(r, g.grid);
      return sampleOptical(r, g.optical);
    }),
    maybe(rng, 'brightness-contrast', c.brightnessContrast.p, (r) => ({
      op: 'brightness-contrast',
      alpha: 1 + r.uniform(-c.brightnessContrast.contrast, c.brightnessContrast.contrast),
      beta: r.uniform(-c.brightnessContrast.brightness, c.brightnessContrast.brightness) * 255,
    })),
    maybe(rng, 'color-jitter', c.colorJitter.p, (r) => {
      const j = c.colorJitter;
      const factor = (v: number) => r.uniform(Math.max(0, 1 - v), 1 + v);
      const brightness = factor(j.brightness);
      const contrast = factor(j.contrast);
      const saturation = factor(j.saturation);
      const hue = r.uniform(-j.hue, j.hue);
      const order = r.shuffle<ColorJitterPart>(['brightness', 'contrast', 'saturation', 'hue']);
      return { op: 'color-jitter', brightness, contrast, saturation, hue, order };
    }),
    maybe(rng, 'rgb-shift', c.rgbShift.p, (r) => ({
      op: 'rgb-shift',
      r: r.uniform(-c.rgbShift.limit, c.rgbShift.limit),
      g: r.uniform(-c.rgbShift.limit, c.rgbShift.limit),
      b: r.uniform(-c.rgbShift.limit, c.rgbShift.limit),
    })),
    maybe(rng, 'iso-noise', c.isoNoise.p, (r) => ({
      op: 'iso-noise',
      colorShift: r.uniform(...c.isoNoise.colorShift),
      intensity: r.uniform(...c.isoNoise.intensity),
      noiseSeed: r.nextUint32(),
    })),
    maybe(rng, 'blur', c.blur.p, (r) => sampleBlur(r, c.blur)),
    maybe(rng, 'coarse-dropout', c.coarseDropout.p, (r) => sampleDropout(r, c.coarseDropout, size)),
  ];
  if (resize) steps.push({ name: 'resize', applied: true, params: { op: 'resize', width: cfg.output.size, height: cfg.output.size } });
  return steps;
}

export function sampleAffine(r: Rng, a: { rotate: readonly [number, number]; shear: readonly [number, number] }): Op {
  return { op: 'affine', rotate: r.uniform(...a.rotate), shearX: r.uniform(...a.shear), shearY: r.uniform(...a.shear) };
}

/** albumentations' generate_perspective_points: each corner moves inwards by |N(0, scale)| mod 0.32 of the side. */
export function samplePerspective(r: Rng, p: { scale: readonly [number, number] }): Op {
  const scale = r.uniform(...p.scale);
  const j = () => Math.abs(r.normal(0, scale)) % 0.32;
  const corners: [number, number][] = [
    [j(), j()],
    [1 - j(), j()],
    [1 - j(), 1 - j()],
    [j(), 1 - j()],
  ];
  return { op: 'perspective', scale, corners };
}

export function sampleGrid(r: Rng, g: { distortLimit: number; numSteps: number }): Op {
  const steps = () => Array.from({ length: g.numSteps + 1 }, () => 1 + r.uniform(-g.distortLimit, g.distortLimit));
  const stepsX = steps();
  const stepsY = steps();
  return { op: 'grid-distortion', numSteps: g.numSteps, stepsX, stepsY };
}

export function sampleOptical(r: Rng, o: { distortLimit: number }): Op {
  return { op: 'optical-distortion', k: r.uniform(-o.distortLimit, o.distortLimit) };
}

/** An odd size, uniform over the odd sizes in [lo, hi] (albumentations' sample_odd_from_range). */
export function oddKernel(r: Rng, [lo, hi]: readonly [number, number]): number {
  const low = Math.max(3, lo % 2 === 0 ? lo + 1 : lo);
  const high = Math.max(low, hi % 2 === 0 ? hi + 1 : hi);
  return low + 2 * r.int(0, (high - low) / 2);
}

/**
 * MotionBlur or GaussianBlur, one of the two (OneOf, equal weights). The Gaussian's sigma
 * is the one OpenCV derives from the kernel size (albumentations 1.x with sigma_limit 0),
 * so "kernel 3–7" alone sets the strength.
 */
export function sampleBlur(r: Rng, b: { kernel: readonly [number, number] }): Op {
  const motion = r.chance(0.5);
  const kernel = oddKernel(r, b.kernel);
  if (!motion) return { op: 'gaussian-blur', kernel, sigma: sigmaForKernel(kernel) };
  const angle = r.uniform(0, 360);
  const direction = r.uniform(-1, 1);
  const half = Math.floor(kernel / 2);
  return { op: 'motion-blur', kernel, angle, direction, shiftX: (r.uniform(-1, 1) * half) / 2, shiftY: (r.uniform(-1, 1) * half) / 2 };
}

export function sampleDropout(
  r: Rng,
  d: { holes: readonly [number, number]; holeHeight: readonly [number, number]; holeWidth: readonly [number, number]; fill: number },
  size: Size,
): Op {
  const count = r.int(...d.holes);
  const holes: [number, number, number, number][] = [];
  for (let i = 0; i < count; i++) {
    const h = Math.min(size.height, r.int(...d.holeHeight));
    const w = Math.min(size.width, r.int(...d.holeWidth));
    holes.push([r.int(0, size.width - w), r.int(0, size.height - h), w, h]);
  }
  return { op: 'coarse-dropout', holes, fill: d.fill };
}
