/**
 * Calibration of the mask quality verdict against photos labelled by eye
 * (quality-labels.json): prints each photo's metrics and verdict, then precision and
 * recall of `needs_review` (the class a batch must not report as done).
 *   nice -n 10 node --import tsx test/features/remove-background/calibrate-quality.ts
 * The model's masks are computed once and cached under .scratch/masks (real-masks.ts).
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { scoreMask, type MaskQuality, type QualityThresholds } from '../../../src-main/features/remove-background/mask-quality.js';
import { cachedMask, datasetMissing, ensureMasks, loadPhoto } from './real-masks.js';

export interface LabelledPhoto {
  photo: string;
  label: 'ok' | 'needs_review';
  seen: string;
}

/** The calibration photos, and the held-out ones labelled after the thresholds were set. */
export function qualityLabels(set: 'calibration' | 'heldOut' = 'calibration'): LabelledPhoto[] {
  const file = path.join(path.dirname(fileURLToPath(import.meta.url)), 'quality-labels.json');
  const json = JSON.parse(fs.readFileSync(file, 'utf8')) as { photos: LabelledPhoto[]; heldOut: LabelledPhoto[] };
  return set === 'calibration' ? json.photos : json.heldOut;
}

export interface Scored extends LabelledPhoto {
  quality: MaskQuality;
}

/** Scores every labelled photo from its cached mask (computing the missing ones first). */
export async function scoreLabelled(labels: LabelledPhoto[], thresholds?: QualityThresholds, log?: (line: string) => void): Promise<Scored[]> {
  await ensureMasks(
    labels.map((l) => l.photo),
    log,
  );
  const out: Scored[] = [];
  for (const l of labels) {
    const { width, height } = await loadPhoto(l.photo);
    const mask = (await cachedMask(l.photo))!;
    out.push({ ...l, quality: scoreMask(mask, width, height, thresholds) });
  }
  return out;
}

/** Precision and recall of `needs_review` against the labels. */
export function agreement(scored: Scored[]): { precision: number; recall: number; tp: number; fp: number; fn: number; tn: number } {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let tn = 0;
  for (const s of scored) {
    const flagged = s.quality.verdict === 'needs_review';
    const bad = s.label === 'needs_review';
    if (flagged && bad) tp++;
    else if (flagged) fp++;
    else if (bad) fn++;
    else tn++;
  }
  return { precision: tp / Math.max(1, tp + fp), recall: tp / Math.max(1, tp + fn), tp, fp, fn, tn };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const missing = datasetMissing();
  if (missing) {
    console.error(missing);
    process.exit(2);
  }
  const f = (v: number) => v.toFixed(3);
  const summary: Record<string, unknown> = {};
  for (const set of ['calibration', 'heldOut'] as const) {
    const scored = await scoreLabelled(qualityLabels(set), undefined, console.log);
    console.log(`\n${set}:\nlabel         verdict       subject uncert  conf   border sides pieces largest  reasons  photo`);
    for (const s of scored) {
      const m = s.quality.metrics;
      const mark = (s.label === 'needs_review') === (s.quality.verdict === 'needs_review') ? ' ' : '✗';
      console.log(
        `${mark}${s.label.padEnd(13)}${s.quality.verdict.padEnd(13)} ${f(m.subjectShare)}  ${f(m.uncertainShare)}  ${f(m.meanConfidence)}  ${f(m.borderShare)}  ${m.sidesTouched}    ${String(m.pieces).padStart(2)}    ${f(m.largestShare)}  ${s.quality.reasons.map((r) => r.code).join(',') || '-'}  ${s.photo}`,
      );
    }
    const a = agreement(scored);
    console.log(`${set}: needs_review precision ${f(a.precision)} (${a.tp}/${a.tp + a.fp}), recall ${f(a.recall)} (${a.tp}/${a.tp + a.fn}); ok kept ${a.tn}/${a.tn + a.fp}`);
    summary[set] = { photos: scored.length, ...a };
  }
  console.log(JSON.stringify(summary));
}
