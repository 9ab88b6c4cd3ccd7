/**
 * Realistic product clips made at test time from the grocery-store photos (videos are
 * never committed). Each frame is rendered with sharp and piped to ffmpeg as raw RGB, so
 * the ground truth is exact: which frames belong to which shot, which are motion-blurred,
 * which are a held-still camera (near-duplicates), and the product's silhouette.
 *
 * A clip is a list of shots:
 *   product — a catalog (iconic) product photo keyed off its white background, standing in
 *             front of a defocused store photo; the camera pans and zooms while the product
 *             turns (in-plane), as a phone walking around a product on a table would see it;
 *             optional motion-blurred frames (a shake) and a held-still tail;
 *   pan     — a slow camera pan over a real in-store photo (a scene cut to a different view).
 * Every frame gets fresh sensor noise, so a still camera never repeats bytes exactly.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { runCaptured } from '../../../src-main/features/videos/ffmpeg.js';

export const groceryDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../shared/datasets/grocery-store');

/** null when the photos are there; otherwise why a test or bench needing them cannot run. */
export function groceryMissing(): string | null {
  return fs.existsSync(path.join(groceryDir, 'classes.csv')) ? null : `${groceryDir} is absent (the grocery-store dataset lives in ../shared beside the checkout)`;
}

export const photo = (rel: string) => path.join(groceryDir, rel);

export interface Motion {
  /** Product turn in degrees, first frame → last moving frame. */
  angle: [number, number];
  /** Camera zoom (1 = the whole backdrop width). */
  zoom: [number, number];
  /** Camera pan in output pixels. */
  panX: [number, number];
  panY: [number, number];
}

export type Shot =
  | {
      kind: 'product';
      frames: number;
      product: string;
      backdrop: string;
      /** Product height as a share of the frame height. */
      size: number;
      motion: Motion;
      /** Frames (relative to the shot) blurred by a fast horizontal shake of `length` px. */
      blur?: { from: number; count: number; length: number };
      /** From this frame (relative) on, the camera and product hold still. */
      holdFrom?: number;
    }
  | { kind: 'pan'; frames: number; photo: string; /** crop windows in source pixels: x, y, width (16:9) */ from: [number, number, number]; to: [number, number, number] };

export interface ClipPlan {
  fps: number;
  width: number;
  height: number;
  shots: Shot[];
  seed: number;
}

export interface ShotTruth {
  kind: Shot['kind'];
  /** Frame indices [start, end). */
  start: number;
  end: number;
  label: string;
}

export interface ClipTruth {
  fps: number;
  width: number;
  height: number;
  frameCount: number;
  duration: number;
  shots: ShotTruth[];
  /** Motion-blurred frame indices. */
  blurred: number[];
  /** Held-still frame indices [start, end) per shot that has a hold. */
  holds: Array<[number, number]>;
}

/** The default test clip: 6.8 s at 25 fps, 640×360, three shots (two scene cuts), a shake and a hold. */
export function defaultPlan(): ClipPlan {
  return {
    fps: 25,
    width: 640,
    height: 360,
    seed: 7,
    shots: [
      {
        kind: 'product',
        frames: 60,
        product: photo('iconic-images-and-descriptions/Fruit/Apple/Granny-Smith/Granny-Smith_Iconic.jpg'),
        backdrop: photo('train/Fruit/Apple/Pink-Lady/Pink-Lady_010.jpg'),
        size: 0.62,
        motion: { angle: [-14, 14], zoom: [1, 1.25], panX: [-50, 40], panY: [10, -10] },
      },
      {
        kind: 'pan',
        frames: 40,
        photo: photo('train/Packages/Juice/Bravo-Orange-Juice/Bravo-Orange-Juice_005.jpg'),
        from: [0, 60, 230],
        to: [110, 90, 238],
      },
      {
        kind: 'product',
        frames: 70,
        product: photo('iconic-images-and-descriptions/Vegetables/Aubergine/Aubergine_Iconic.jpg'),
        backdrop: photo('train/Vegetables/Cabbage/Cabbage_004.jpg'),
        size: 1.1,
        motion: { angle: [20, -10], zoom: [1.1, 0.95], panX: [40, -30], panY: [-8, 8] },
        blur: { from: 14, count: 4, length: 25 },
        holdFrom: 40,
      },
    ],
  };
}

/**
 * A longer clip for choosing the cap: 18 s at 25 fps, a slow walk around one product
 * (turn ±40°, zoom ×1.5, wide pan), a cut to a second product turning faster, then a pan
 * over a shelf photo.
 */
export function longPlan(): ClipPlan {
  return {
    fps: 25,
    width: 640,
    height: 360,
    seed: 11,
    shots: [
      {
        kind: 'product',
        frames: 200,
        product: photo('iconic-images-and-descriptions/Packages/Juice/Tropicana-Mandarin-Morning/Tropicana-Mandarin-Morning_Iconic.jpg'),
        backdrop: photo('train/Packages/Yoghurt/Yoggi-Vanilla-Yoghurt/Yoggi-Vanilla-Yoghurt_003.jpg'),
        size: 0.8,
        motion: { angle: [-40, 40], zoom: [0.9, 1.35], panX: [-120, 120], panY: [20, -20] },
      },
      {
        kind: 'product',
        frames: 150,
        product: photo('iconic-images-and-descriptions/Vegetables/Red-Beet/Red-Beet_Iconic.jpg'),
        backdrop: photo('train/Vegetables/Potato/Solid-Potato/Solid-Potato_010.jpg'),
        size: 0.7,
        motion: { angle: [30, -60], zoom: [1.2, 0.9], panX: [60, -90], panY: [-15, 15] },
        blur: { from: 70, count: 3, length: 21 },
      },
      {
        kind: 'pan',
        frames: 100,
        photo: photo('train/Fruit/Pear/Anjou/Anjou_012.jpg'),
        from: [0, 40, 250],
        to: [90, 100, 220],
      },
    ],
  };
}

export function truthOf(plan: ClipPlan): ClipTruth {
  const shots: ShotTruth[] = [];
  const blurred: number[] = [];
  const holds: Array<[number, number]> = [];
  let at = 0;
  for (const s of plan.shots) {
    shots.push({ kind: s.kind, start: at, end: at + s.frames, label: path.basename(s.kind === 'product' ? s.product : s.photo) });
    if (s.kind === 'product' && s.blur) for (let i = 0; i < s.blur.count; i++) blurred.push(at + s.blur.from + i);
    if (s.kind === 'product' && s.holdFrom !== undefined) holds.push([at + s.holdFrom, at + s.frames]);
    at += s.frames;
  }
  return { fps: plan.fps, width: plan.width, height: plan.height, frameCount: at, duration: at / plan.fps, shots, blurred, holds };
}

/** A catalog photo's product with its white studio background made transparent (flood fill from the border, so white labels stay). */
export async function keyedProduct(file: string): Promise<{ rgba: Buffer; width: number; height: number; mask: Uint8Array }> {
  const { data, info } = await sharp(file).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const { width: w, height: h } = info;
  const background = new Uint8Array(w * h);
  const nearWhite = (i: number) => 255 - Math.min(data[i * 3]!, data[i * 3 + 1]!, data[i * 3 + 2]!) < 28;
  const stack: number[] = [];
  for (let x = 0; x < w; x++) stack.push(x, (h - 1) * w + x);
  for (let y = 0; y < h; y++) stack.push(y * w, y * w + w - 1);
  while (stack.length) {
    const i = stack.pop()!;
    if (background[i] || !nearWhite(i)) continue;
    background[i] = 1;
    const x = i % w;
    if (x > 0) stack.push(i - 1);
    if (x < w - 1) stack.push(i + 1);
    if (i >= w) stack.push(i - w);
    if (i < w * (h - 1)) stack.push(i + w);
  }
  const hard = Buffer.alloc(w * h);
  for (let i = 0; i < w * h; i++) hard[i] = background[i] ? 0 : 255;
  // A slightly soft edge, as a real lens gives.
  const mask = new Uint8Array(await sharp(hard, { raw: { width: w, height: h, channels: 1 } }).blur(0.7).extractChannel(0).raw().toBuffer());
  const rgba = Buffer.alloc(w * h * 4);
  for (let i = 0; i < w * h; i++) {
    rgba[i * 4] = data[i * 3]!;
    rgba[i * 4 + 1] = data[i * 3 + 1]!;
    rgba[i * 4 + 2] = data[i * 3 + 2]!;
    rgba[i * 4 + 3] = mask[i]!;
  }
  return { rgba, width: w, height: h, mask };
}

/** Deterministic noise (mulberry32), so a clip is the same every run. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const lerp = (r: [number, number], t: number) => r[0] + (r[1] - r[0]) * t;

/** Renders every frame of a plan as raw RGB (width×height×3), in order. */
export async function* renderFrames(plan: ClipPlan): AsyncGenerator<Buffer> {
  const { width: W, height: H } = plan;
  const rand = prng(plan.seed);
  for (const shot of plan.shots) {
    if (shot.kind === 'pan') {
      const src = await sharp(shot.photo).removeAlpha().toBuffer();
      const meta = await sharp(src).metadata();
      for (let f = 0; f < shot.frames; f++) {
        const t = shot.frames > 1 ? f / (shot.frames - 1) : 0;
        const cw = Math.round(lerp([shot.from[2], shot.to[2]], t));
        const ch = Math.round((cw * H) / W);
        const x = Math.min(meta.width! - cw, Math.max(0, Math.round(lerp([shot.from[0], shot.to[0]], t))));
        const y = Math.min(meta.height! - ch, Math.max(0, Math.round(lerp([shot.from[1], shot.to[1]], t))));
        const frame = await sharp(src).extract({ left: x, top: y, width: cw, height: ch }).resize(W, H, { kernel: 'lanczos3' }).raw().toBuffer();
        yield addNoise(frame, rand, W * H * 3);
      }
      continue;
    }
    // The world the camera looks at: a defocused store photo twice the frame, the product in the middle.
    const worldW = W * 2;
    const worldH = H * 2;
    const backdrop = await sharp(shot.backdrop).removeAlpha().resize(worldW, worldH, { fit: 'cover' }).blur(9).modulate({ brightness: 1.05 }).raw().toBuffer();
    const product = await keyedProduct(shot.product);
    const productH = Math.round(shot.size * H * 2 * 0.5);
    const scaled = await sharp(product.rgba, { raw: { width: product.width, height: product.height, channels: 4 } }).resize({ height: productH }).png().toBuffer();
    for (let f = 0; f < shot.frames; f++) {
      const moving = shot.holdFrom ?? shot.frames;
      const t = Math.min(f, moving - 1) / Math.max(1, moving - 1);
      const shaking = shot.blur && f >= shot.blur.from && f < shot.blur.from + shot.blur.count;
      const angle = lerp(shot.motion.angle, t);
      const zoom = lerp(shot.motion.zoom, t);
      // A shake also throws the camera sideways, as a real one does.
      const panX = lerp(shot.motion.panX, t) + (shaking ? 18 : 0);
      const panY = lerp(shot.motion.panY, t);
      const turned = await sharp(scaled).rotate(angle, { background: { r: 0, g: 0, b: 0, alpha: 0 } }).toBuffer({ resolveWithObject: true });
      const left = Math.round(worldW / 2 - turned.info.width / 2);
      const top = Math.round(worldH / 2 - turned.info.height / 2 + H * 0.05);
      const world = await sharp(backdrop, { raw: { width: worldW, height: worldH, channels: 3 } })
        .composite([{ input: turned.data, left, top }])
        .removeAlpha()
        .raw()
        .toBuffer();
      // The camera: a 16:9 window over the world, narrower as it zooms in.
      const cw = Math.round(W / zoom);
      const ch = Math.round(H / zoom);
      const cx = Math.round(worldW / 2 - cw / 2 - panX / zoom);
      const cy = Math.round(worldH / 2 - ch / 2 - panY / zoom);
      let frame = sharp(world, { raw: { width: worldW, height: worldH, channels: 3 } })
        .extract({ left: cx, top: cy, width: cw, height: ch })
        .resize(W, H, { kernel: 'lanczos3' });
      if (shaking) {
        const n = shot.blur!.length;
        // sharp's kernels are at least 3×3: a horizontal line in the middle row.
        const kernel = [...new Array<number>(n).fill(0), ...new Array<number>(n).fill(1), ...new Array<number>(n).fill(0)];
        frame = sharp(await frame.raw().toBuffer(), { raw: { width: W, height: H, channels: 3 } }).convolve({ width: n, height: 3, kernel, scale: n });
      }
      yield addNoise(await frame.removeAlpha().raw().toBuffer(), rand, W * H * 3);
    }
  }
}

function addNoise(frame: Buffer, rand: () => number, bytes: number): Buffer {
  if (frame.length !== bytes) throw new Error(`a rendered frame has ${frame.length} bytes, not ${bytes} (RGB)`);
  for (let i = 0; i < frame.length; i++) {
    // Triangular noise of ±3 levels: a phone sensor's grain after its own denoising.
    const v = frame[i]! + Math.round((rand() + rand() - 1) * 3);
    frame[i] = v < 0 ? 0 : v > 255 ? 255 : v;
  }
  return frame;
}

export interface Encoding {
  file: string;
  codec: 'h264' | 'vp9';
}

/** Renders the plan once and encodes it to each output (one ffmpeg, one output per file). */
export async function encodeClip(ffmpeg: string, plan: ClipPlan, outputs: Encoding[]): Promise<void> {
  const args = ['-hide_banner', '-nostdin', '-y', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', `${plan.width}x${plan.height}`, '-r', String(plan.fps), '-i', 'pipe:0'];
  for (const o of outputs) {
    if (o.codec === 'h264') args.push('-c:v', 'libx264', '-preset', 'veryfast', '-crf', '20', '-pix_fmt', 'yuv420p', o.file);
    else args.push('-c:v', 'libvpx-vp9', '-deadline', 'realtime', '-cpu-used', '8', '-b:v', '1500k', '-pix_fmt', 'yuv420p', o.file);
  }
  const child = spawn(ffmpeg, args, { stdio: ['pipe', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (b: Buffer) => (stderr = (stderr + b.toString()).slice(-4000)));
  const closed = new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  for await (const frame of renderFrames(plan)) {
    if (!child.stdin.write(frame)) await new Promise((r) => child.stdin.once('drain', r));
  }
  child.stdin.end();
  const code = await closed;
  if (code !== 0) throw new Error(`ffmpeg could not encode the test clip (exit ${code}): ${stderr}`);
}

export interface TestVideos {
  truth: ClipTruth;
  plan: ClipPlan;
  /** h264 in MP4, the index (moov) at the end, as most encoders write it. */
  mp4: string;
  /** The same with the index first (faststart). */
  faststart: string;
  /** VP9 in WebM. */
  webm: string;
  /** The MP4 remuxed with rotation metadata: a phone held upright. */
  rotated: string;
  /** The faststart MP4 cut at 55% of its bytes: it opens, the picture stops part-way. */
  truncated: string;
  /** The plain MP4 cut at 55%: its index is lost, it does not open at all. */
  truncatedNoIndex: string;
  /** Seeded random bytes named .mp4. */
  garbage: string;
}

/** Makes the test clip and its variants in `dir`. */
export async function makeTestVideos(ffmpeg: string, dir: string, plan: ClipPlan = defaultPlan()): Promise<TestVideos> {
  await fsp.mkdir(dir, { recursive: true });
  const f = (name: string) => path.join(dir, name);
  const v: TestVideos = {
    truth: truthOf(plan),
    plan,
    mp4: f('clip.mp4'),
    faststart: f('clip-faststart.mp4'),
    webm: f('clip.webm'),
    rotated: f('clip-rotated.mp4'),
    truncated: f('clip-truncated.mp4'),
    truncatedNoIndex: f('clip-truncated-noindex.mp4'),
    garbage: f('garbage.mp4'),
  };
  await encodeClip(ffmpeg, plan, [
    { file: v.mp4, codec: 'h264' },
    { file: v.webm, codec: 'vp9' },
  ]);
  await remux(ffmpeg, v.mp4, v.faststart, ['-movflags', '+faststart']);
  await remux(ffmpeg, v.mp4, v.rotated, ['-metadata:s:v:0', 'rotate=90']);
  await truncate(v.faststart, v.truncated, 0.55);
  await truncate(v.mp4, v.truncatedNoIndex, 0.55);
  const rand = prng(99);
  const junk = Buffer.alloc(256 * 1024);
  for (let i = 0; i < junk.length; i++) junk[i] = Math.floor(rand() * 256);
  await fsp.writeFile(v.garbage, junk);
  return v;
}

async function remux(ffmpeg: string, input: string, output: string, extra: string[]): Promise<void> {
  const res = await runCaptured(ffmpeg, ['-hide_banner', '-nostdin', '-y', '-i', input, '-c', 'copy', ...extra, output]);
  if (res.code !== 0) throw new Error(`ffmpeg could not remux ${input}: ${res.stderr.slice(-1000)}`);
}

async function truncate(input: string, output: string, share: number): Promise<void> {
  const bytes = await fsp.readFile(input);
  await fsp.writeFile(output, bytes.subarray(0, Math.floor(bytes.length * share)));
}
