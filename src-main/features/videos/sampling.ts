/**
 * Scene-aware sampling with a cap, from per-frame features of the whole video:
 *
 *   1. scenes: a cut where the coarse frame difference jumps past `cutThreshold`;
 *      a "scene" shorter than `minSceneSeconds` (a flash, a glitch) joins the one before;
 *   2. verdicts: blurred (relative to its own scene), too dark, too bright;
 *   3. slots: `maxFrames` shared among scenes by "progress", an even blend of elapsed time
 *      and accumulated visual change, so a held-still camera earns few frames and a
 *      turning product many; at least one per scene while the cap allows;
 *   4. picks: each slot is an equal stretch of progress inside its scene; the sharpest
 *      usable frame of the stretch at least `minSpacingSeconds` from the last pick;
 *   5. near-duplicates (dHash) among the picks are dropped.
 *
 * Defaults come from the measurements in test/features/videos/measure-sampling.ts on the
 * test clips (see DEFAULT_SAMPLING). Pure functions: no I/O, no clocks.
 */
import { dropNearDuplicates, judgeFrames, type FrameFeatures, type FrameVerdict } from './frame-quality.js';

export interface SamplingOptions {
  /** The cap on frames kept per video. */
  maxFrames: number;
  /** Frame difference (grey levels, see frameDifference) above which a new scene starts. */
  cutThreshold: number;
  minSceneSeconds: number;
  minSpacingSeconds: number;
  /** Frames this close to a cut are skipped when the scene has others (dissolves, half-decoded frames). */
  cutGuardSeconds: number;
  blurRatio: number;
  blurWindowSeconds: number;
  minBrightness: number;
  maxBrightness: number;
  /** dHash distance (bits of 64) at or below which two frames are near-duplicates. */
  duplicateMaxDistance: number;
}

/**
 * Measured on the two test clips (6.8 s and 18 s, 25 fps, 640×360, analysed at 320 px;
 * test/features/videos/measure-sampling.ts prints these figures):
 * - cutThreshold 28: within a shot the coarse difference reached 16.3 (a fast turn with a
 *   wide pan), at the four cuts it was 48.9–64.2; 28 is their geometric mean, ×1.7 from both.
 * - blurRatio 0.5: shaken frames measured 0.15–0.23 of their neighbourhood's median; all
 *   other frames 0.77–1.17 (the low end is a zoom steadily changing the texture's scale).
 * - duplicateMaxDistance 5: a held-still camera (sensor noise + H.264) stayed at 0 bits
 *   between any two of its frames; a moving camera's frames 0.4 s apart differ by a median
 *   of 9–10 bits (min 1–2: the slowest stretch of a turn, which is a near-duplicate).
 * - maxFrames 20: coverage (each usable frame's dHash distance to the nearest kept frame)
 *   on the 18 s clip falls 9.6 → 6.2 → 5.1 → 4.4 → 3.2 bits for caps 12, 16, 20, 24, 32;
 *   at 20 the mean reaches the near-duplicate distance, so more frames mostly add views
 *   within a duplicate's distance of kept ones. Shorter clips stop below the cap by
 *   themselves (the 6.8 s one keeps 12 for any cap ≥ 16). Each kept frame costs one
 *   segmentation: 15–40 s with the default model on a 2-core CPU, so 20 frames is 5–13
 *   minutes there; lower it for CPU-only batches.
 */
export const DEFAULT_SAMPLING: SamplingOptions = {
  maxFrames: 20,
  cutThreshold: 28,
  minSceneSeconds: 0.3,
  minSpacingSeconds: 0.25,
  cutGuardSeconds: 0.08,
  blurRatio: 0.5,
  blurWindowSeconds: 1,
  minBrightness: 16,
  maxBrightness: 245,
  duplicateMaxDistance: 5,
};

export interface Scene {
  index: number;
  /** Into the features array, [start, end). */
  start: number;
  end: number;
  startTime: number;
  endTime: number;
}

export interface SampledFrame {
  index: number;
  time: number;
  scene: number;
  sharpness: number;
  /** Sharpness over the median of its scene neighbourhood. */
  relativeSharpness: number;
  hash: bigint;
}

export type DropReason = 'near_duplicate' | 'no_usable_frame';

export interface Dropped {
  /** The frame that would have been picked (the best of its stretch). */
  index: number;
  time: number;
  scene: number;
  reason: DropReason;
  detail: string;
}

export interface SamplingResult {
  scenes: Scene[];
  picks: SampledFrame[];
  dropped: Dropped[];
  /** Frame indices judged unusable, by verdict. */
  rejected: Record<Exclude<FrameVerdict, 'ok'>, number[]>;
}

export function detectScenes(features: readonly FrameFeatures[], options: Pick<SamplingOptions, 'cutThreshold' | 'minSceneSeconds'>): Scene[] {
  if (!features.length) return [];
  const starts = [0];
  for (let i = 1; i < features.length; i++) {
    if (features[i]!.diff <= options.cutThreshold) continue;
    const last = starts[starts.length - 1]!;
    // A cut too soon after the previous one: the short stretch joins the scene before it.
    if (features[i]!.time - features[last]!.time < options.minSceneSeconds && starts.length > 1) starts.pop();
    starts.push(i);
  }
  // A last scene that is too short joins the one before as well.
  if (starts.length > 1) {
    const lastStart = starts[starts.length - 1]!;
    if (features[features.length - 1]!.time - features[lastStart]!.time < options.minSceneSeconds) starts.pop();
  }
  return starts.map((start, k) => {
    const end = starts[k + 1] ?? features.length;
    return { index: k, start, end, startTime: features[start]!.time, endTime: end < features.length ? features[end]!.time : features[end - 1]!.time };
  });
}

/** The blended progress (0…1) at each frame: half elapsed time, half accumulated visual change. */
export function progressOf(features: readonly FrameFeatures[], scenes: readonly Scene[], cutThreshold: number): number[] {
  const n = features.length;
  const time = new Array<number>(n).fill(0);
  const change = new Array<number>(n).fill(0);
  for (let i = 1; i < n; i++) {
    const cut = scenes.some((s) => s.start === i);
    // Time between frames, and change within a scene (a cut's jump is not progress inside either scene).
    time[i] = time[i - 1]! + Math.max(0, features[i]!.time - features[i - 1]!.time);
    change[i] = change[i - 1]! + (cut ? 0 : Math.min(features[i]!.diff, cutThreshold));
  }
  const totalTime = time[n - 1]! || 1;
  const totalChange = change[n - 1]! || 0;
  return time.map((t, i) => 0.5 * (t / totalTime) + (totalChange > 0 ? 0.5 * (change[i]! / totalChange) : 0.5 * (t / totalTime)));
}

/**
 * Splits `total` slots in proportion to `weights` (largest remainder), at least one each
 * while slots last, none above its cap: what a capped entry cannot take goes to the others.
 */
export function allocate(weights: readonly number[], total: number, caps?: readonly number[]): number[] {
  const n = weights.length;
  const slots = new Array<number>(n).fill(0);
  if (!n || total <= 0) return slots;
  const cap = (i: number) => caps?.[i] ?? Infinity;
  const room = (i: number) => cap(i) - slots[i]!;
  // One each first, heaviest first, while slots last.
  const order = weights.map((w, i) => ({ w, i })).sort((a, b) => b.w - a.w);
  let left = total;
  for (const { i } of order) {
    if (left === 0) break;
    if (room(i) > 0) {
      slots[i]!++;
      left--;
    }
  }
  // Then by share of weight: each round hands out what is left among entries with room.
  while (left > 0) {
    const open = order.filter(({ i }) => room(i) > 0).map(({ i }) => i);
    if (!open.length) break;
    const sum = open.reduce((a, i) => a + weights[i]!, 0);
    // How far each entry is below its share of the whole allocation.
    const deficit = open.map((i) => ({ i, d: (sum > 0 ? weights[i]! / sum : 1 / open.length) * (left + open.reduce((a, j) => a + slots[j]!, 0)) - slots[i]! }));
    deficit.sort((a, b) => b.d - a.d);
    const give = deficit[0]!;
    slots[give.i]!++;
    left--;
  }
  return slots;
}

export function sampleFrames(features: readonly FrameFeatures[], partial: Partial<SamplingOptions> = {}): SamplingResult {
  const o: SamplingOptions = { ...DEFAULT_SAMPLING, ...partial };
  if (!Number.isInteger(o.maxFrames) || o.maxFrames < 1) throw new Error(`maxFrames must be a positive integer, not ${o.maxFrames}`);
  const scenes = detectScenes(features, o);
  const { verdicts, relativeSharpness } = judgeFrames(
    features,
    scenes.map((s) => [s.start, s.end] as const),
    o,
  );
  const rejected: SamplingResult['rejected'] = { blurred: [], too_dark: [], too_bright: [] };
  verdicts.forEach((v, i) => {
    if (v !== 'ok') rejected[v].push(features[i]!.index);
  });
  if (!scenes.length) return { scenes, picks: [], dropped: [], rejected };

  const progress = progressOf(features, scenes, o.cutThreshold);
  const spanOf = (s: Scene) => (s.end < features.length ? progress[s.end]! : 1) - progress[s.start]!;
  // A scene holds no more picks than fit at 1.5× the minimum spacing (picks sit near the
  // middle of their stretches, not exactly evenly); what it cannot hold goes to the others.
  const fits = scenes.map((s) => Math.max(1, Math.floor((s.endTime - s.startTime) / (1.5 * o.minSpacingSeconds))));
  const slots = allocate(scenes.map(spanOf), o.maxFrames, fits);

  const candidates: SampledFrame[] = [];
  const dropped: Dropped[] = [];
  for (const scene of scenes) {
    const k = slots[scene.index]!;
    if (!k) continue;
    const p0 = progress[scene.start]!;
    const span = spanOf(scene);
    const guarded = (i: number) => {
      const t = features[i]!.time;
      const nearCut = (scene.index > 0 && t - scene.startTime < o.cutGuardSeconds) || (scene.end < features.length && scene.endTime - t < o.cutGuardSeconds);
      return nearCut && scene.end - scene.start > 3;
    };
    let lastTime = -Infinity;
    for (let b = 0; b < k; b++) {
      const lo = p0 + (span * b) / k;
      const hi = p0 + (span * (b + 1)) / k;
      const last = b === k - 1;
      /** The sharpest frame with progress in [from, to) (the scene's last stretch includes its end). */
      const sharpest = (from: number, to: number, usable: boolean) => {
        let best = -1;
        for (let i = scene.start; i < scene.end; i++) {
          const p = progress[i]!;
          if (p < from || (p >= to && !(last && to >= hi))) continue;
          if (usable && (verdicts[i] !== 'ok' || guarded(i) || features[i]!.time - lastTime < o.minSpacingSeconds)) continue;
          if (best < 0 || features[i]!.sharpness > features[best]!.sharpness) best = i;
        }
        return best;
      };
      // The middle of the stretch first, so neighbouring picks do not bunch at a shared edge.
      const inset = (hi - lo) * 0.2;
      let best = sharpest(lo + inset, hi - inset, true);
      if (best < 0) best = sharpest(lo, hi, true);
      const bestAny = best < 0 ? sharpest(lo, hi, false) : best;
      if (best < 0) {
        if (bestAny >= 0) {
          const f = features[bestAny]!;
          const why = verdicts[bestAny] !== 'ok' ? `its best frame is ${verdicts[bestAny]!.replace('_', ' ')}` : 'no frame far enough from the previous pick';
          dropped.push({ index: f.index, time: f.time, scene: scene.index, reason: 'no_usable_frame', detail: `stretch ${b + 1} of ${k}: ${why}` });
        }
        continue;
      }
      const f = features[best]!;
      lastTime = f.time;
      candidates.push({ index: f.index, time: f.time, scene: scene.index, sharpness: f.sharpness, relativeSharpness: relativeSharpness[best]!, hash: f.hash });
    }
  }
  const { kept, dropped: duplicates } = dropNearDuplicates(candidates, o.duplicateMaxDistance);
  for (const d of duplicates) {
    dropped.push({ index: d.frame.index, time: d.frame.time, scene: d.frame.scene, reason: 'near_duplicate', detail: `${d.distance} bits from frame ${d.of.index} (${d.of.time.toFixed(2)} s)` });
  }
  dropped.sort((a, b) => a.index - b.index);
  return { scenes, picks: kept, dropped, rejected };
}
