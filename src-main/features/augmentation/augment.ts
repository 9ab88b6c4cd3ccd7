import { renderBackground, type BackgroundRecord, type BackgroundRef } from './backgrounds.js';
import { contentBox, readBorders, type BorderReading } from './border-test.js';
import { composite, EmptyCutoutError, layoutSubject, planShadow, prepareSubject, shadowLayer, workScale, type ShadowPlan } from './compose.js';
import { resolveConfig, type AugmentConfig, type AugmentConfigOverrides } from './config.js';
import { loadCv, type Cv } from './cv.js';
import type { Step } from './ops.js';
import { chooseSyntheticPipeline, planReal, planSynthetic, type PipelineName, type SyntheticPipeline } from './pipelines.js';
import { alphaBox, AugmentInputError, crop, decode, encodeJpeg, hasAlphaChannel, resizeTo, type Box, type RawImage } from './raw-image.js';
import { Rng, sha256Hex } from './rng.js';
import { applyOp } from './transforms.js';

/**
 * The two image pipelines of augmentation, as pure functions of their inputs:
 * `(source bytes, pipeline, seed, index)` and the configuration give the same output
 * bytes every time on one machine, and each output comes with the record of what was
 * applied. Heavy pixel work: call these from a worker thread (augment-worker.ts).
 */

/** Bump when the same inputs would give different pixels, so stored outputs can be told apart. */
export const AUGMENT_VERSION = 1;

export interface AppliedOps {
  version: number;
  kind: 'synthetic' | 'real';
  pipeline: PipelineName;
  /** The pipeline as asked for ('auto' when it was drawn 50/50). */
  requested: SyntheticPipeline | 'auto' | 'real';
  seed: number;
  index: number;
  source: { sha256: string; width: number; height: number };
  /** SHA-256 of the resolved configuration (key order fixed). */
  configHash: string;
  /** Synthetic: the subject's box, the working canvas and scale. Real raw photos: the crop taken. Large clean photos: the whole photo, shrunk. */
  subject?: { box: Box; crop?: Box; canvas: { width: number; height: number }; scale: number };
  background?: BackgroundRecord;
  shadow?: ShadowPlan;
  /** Real photos: the border test's reading. */
  borders?: BorderReading;
  steps: Step[];
  output: { width: number; height: number; format: 'jpeg'; quality: number };
}

export interface AugmentResult {
  jpeg: Buffer;
  applied: AppliedOps;
}

export interface SynthesizeOptions {
  seed: number;
  index: number;
  /** Force a pipeline; by default it is drawn (light with probability synthetic.lightP). */
  pipeline?: SyntheticPipeline;
  /** Candidate backgrounds (listBackgrounds); none → a light solid colour. */
  backgrounds?: readonly BackgroundRef[];
  config?: AugmentConfigOverrides;
}

export interface RealVariantOptions {
  seed: number;
  index: number;
  /** The subject's cut-out (RGBA PNG, same size as the photo). Needed when the photo is letterboxed (raw). */
  cutout?: Uint8Array;
  config?: AugmentConfigOverrides;
}

/** A synthetic image: the cut-out on a background, maybe with a shadow, through the light or heavy pipeline. */
export async function synthesize(cutoutPng: Uint8Array, options: SynthesizeOptions): Promise<AugmentResult> {
  const cfg = resolveConfig(options.config);
  const cv = await loadCv();
  if (!(await hasAlphaChannel(cutoutPng))) throw new AugmentInputError('the cut-out has no alpha channel: expected an RGBA PNG with a transparent background');
  const cutout = await decode(cutoutPng, true);
  const sha256 = sha256Hex(cutoutPng);
  const requested = options.pipeline ?? 'auto';
  const root = rootStream('synthetic', sha256, requested, options.seed, options.index);
  const pipeline: SyntheticPipeline = options.pipeline ?? chooseSyntheticPipeline(root, cfg);

  const layout = layoutSubject(cutout, cfg);
  const subject = await prepareSubject(cv, cutout, layout, cfg.synthetic.edgeChoke);
  const background = await renderBackground(root.fork('background'), options.backgrounds ?? [], layout.canvas.width, layout.canvas.height, cfg);
  const shadow = planShadow(root.fork('shadow'), cfg.synthetic.shadow);
  const composed = await composite(background.image, subject, layout, shadow.applied ? shadowLayer(cv, subject, layout, shadow) : null);

  const steps = planSynthetic(pipeline, root.fork('steps'), cfg);
  const out = await runSteps(cv, composed, steps, cfg);
  return {
    jpeg: await encodeJpeg(out, cfg.output.quality),
    applied: {
      version: AUGMENT_VERSION,
      kind: 'synthetic',
      pipeline,
      requested,
      seed: options.seed,
      index: options.index,
      source: { sha256, width: cutout.width, height: cutout.height },
      configHash: configHash(cfg),
      subject: { box: layout.box, canvas: layout.canvas, scale: layout.scale },
      background: background.record,
      shadow,
      steps,
      output: { width: out.width, height: out.height, format: 'jpeg', quality: cfg.output.quality },
    },
  };
}

/**
 * A variant of a matched real photo. The border test decides: a letterboxed (raw) photo
 * is cropped to its subject (from the caller's cut-out) and goes through the real
 * pipeline; a clean one goes through it without the final resize.
 */
export async function realVariant(photo: Uint8Array, options: RealVariantOptions): Promise<AugmentResult> {
  const cfg = resolveConfig(options.config);
  const cv = await loadCv();
  const image = await decode(photo, false);
  const sha256 = sha256Hex(photo);
  const borders = readBorders(image, cfg.letterbox);
  const root = rootStream('real', sha256, 'real', options.seed, options.index);

  let work = image;
  let subject: AppliedOps['subject'];
  if (borders.letterboxed) {
    if (!options.cutout) throw new AugmentInputError('the photo is letterboxed (a raw shelf photo): segment it and pass its cut-out to crop to the subject');
    const cutout = await decode(options.cutout, true);
    if (cutout.width !== image.width || cutout.height !== image.height) {
      throw new AugmentInputError(`the cut-out is ${cutout.width}×${cutout.height} but the photo is ${image.width}×${image.height}: they must match`);
    }
    const box = alphaBox(cutout, cfg.real.alphaThreshold);
    if (!box) throw new EmptyCutoutError(cfg.real.alphaThreshold);
    const region = cfg.real.canvas === 'square' ? squareWithin(box, contentBox(image, cfg.letterbox)) : box;
    const scale = workScale(Math.max(region.width, region.height), cfg);
    const canvas = { width: Math.max(1, Math.round(region.width * scale)), height: Math.max(1, Math.round(region.height * scale)) };
    work = await resizeTo(crop(image, region), canvas.width, canvas.height);
    subject = { box, crop: region, canvas, scale };
  } else if (Math.max(image.width, image.height) > cfg.real.cleanMaxSide) {
    const scale = cfg.real.cleanMaxSide / Math.max(image.width, image.height);
    const canvas = { width: Math.max(1, Math.round(image.width * scale)), height: Math.max(1, Math.round(image.height * scale)) };
    work = await resizeTo(image, canvas.width, canvas.height);
    subject = { box: { x: 0, y: 0, width: image.width, height: image.height }, canvas, scale };
  }

  const steps = planReal(root.fork('steps'), cfg, work, borders.letterboxed || cfg.real.resizeClean);
  const out = await runSteps(cv, work, steps, cfg);
  return {
    jpeg: await encodeJpeg(out, cfg.output.quality),
    applied: {
      version: AUGMENT_VERSION,
      kind: 'real',
      pipeline: 'real',
      requested: 'real',
      seed: options.seed,
      index: options.index,
      source: { sha256, width: image.width, height: image.height },
      configHash: configHash(cfg),
      ...(subject ? { subject } : {}),
      borders,
      steps,
      output: { width: out.width, height: out.height, format: 'jpeg', quality: cfg.output.quality },
    },
  };
}

/**
 * The stream every random choice of one output comes from: the tuple (kind, source
 * bytes' SHA-256, pipeline asked for, seed, index). Child streams: 'pipeline',
 * 'background', 'shadow', 'steps'.
 */
export function rootStream(kind: 'synthetic' | 'real', sourceSha256: string, requested: string, seed: number, index: number): Rng {
  return Rng.from(kind, sourceSha256, requested, seed, index);
}

async function runSteps(cv: Cv, img: RawImage, steps: readonly Step[], cfg: AugmentConfig): Promise<RawImage> {
  let cur = img;
  for (const step of steps) if (step.applied) cur = await applyOp(cv, cur, step.params, cfg.borderMode);
  return cur;
}

/**
 * The subject's box grown to a square around its centre, kept inside `bounds` (the photo
 * without its black bars): real context rather than padding. Where the photo is too
 * narrow for the square, the crop stays as wide as the photo allows.
 */
export function squareWithin(box: Box, bounds: Box): Box {
  const side = Math.max(box.width, box.height);
  const width = Math.max(box.width, Math.min(side, bounds.width));
  const height = Math.max(box.height, Math.min(side, bounds.height));
  const place = (start: number, len: number, size: number, lo: number, span: number) => {
    const centred = Math.round(start + len / 2 - size / 2);
    return Math.max(Math.min(centred, lo + span - size), Math.min(lo, start));
  };
  return {
    x: place(box.x, box.width, width, bounds.x, bounds.width),
    y: place(box.y, box.height, height, bounds.y, bounds.height),
    width,
    height,
  };
}

export function configHash(cfg: AugmentConfig): string {
  return sha256Hex(stableJson(cfg));
}

function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stableJson((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}
