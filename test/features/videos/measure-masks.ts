/**
 * Measures what separates a mask jump from camera motion, on the catalog silhouettes of
 * the grocery-store set (81 products) seen through smooth camera paths, and sets the
 * bounds of mask-consistency.ts. Not a test: run it to see the figures.
 *
 *   node --import tsx test/features/videos/measure-masks.ts [products]
 */
import { alignedIoU, checkMaskConsistency, rawIoU, type MaskFrame } from '../../../src-main/features/videos/mask-consistency.js';
import { groceryMissing } from './make-video.js';
import { cameraPath, catalogSilhouettes, jump, render, wobble, type JumpKind, type View } from './synthetic-masks.js';

const missing = groceryMissing();
if (missing) {
  console.error(`measure-masks needs the grocery-store photos: ${missing}`);
  process.exit(2);
}
const W = 256;
const H = 144;
const FRAMES = 10;
const limit = Number(process.argv[2] ?? 81);
const silhouettes = await catalogSilhouettes(limit);
console.log(`${silhouettes.length} silhouettes; skipped (keying leaks into a white product): ${silhouettes.skipped.join(', ') || 'none'}`);

/** Paths per product: slow (a walk-around sampled densely) and fast (sparse samples, big moves). */
const paths: Record<string, [View, View]> = {
  slow: [
    { cx: 0.42, cy: 0.5, scale: 0.7, roll: -6 },
    { cx: 0.58, cy: 0.55, scale: 0.85, roll: 6 },
  ],
  fast: [
    { cx: 0.3, cy: 0.45, scale: 0.55, roll: -20 },
    { cx: 0.7, cy: 0.6, scale: 0.95, roll: 20 },
  ],
};

const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * (s.length - 1)))]!;
  return `n=${s.length} min ${q(0).toFixed(3)} p5 ${q(0.05).toFixed(3)} median ${q(0.5).toFixed(3)} p95 ${q(0.95).toFixed(3)} max ${q(1).toFixed(3)}`;
};

for (const [pace, [from, to]] of Object.entries(paths)) {
  const raw: number[] = [];
  const aligned: number[] = [];
  const jumps: Record<JumpKind, number[]> = { table: [], hand: [], half: [], other_product: [] };
  let falseFlags = 0;
  let sequences = 0;
  const detected: Record<JumpKind, number> = { table: 0, hand: 0, half: 0, other_product: 0 };
  const wrongBlame: Record<JumpKind, number> = { table: 0, hand: 0, half: 0, other_product: 0 };
  silhouettes.forEach((s, p) => {
    const views = cameraPath(FRAMES, from, to);
    const masks = views.map((v, i) => wobble(render(s, v, W, H), W, H, 1, p * 31 + i));
    for (let i = 0; i + 1 < masks.length; i++) {
      raw.push(rawIoU(masks[i]!, masks[i + 1]!));
      aligned.push(alignedIoU(masks[i]!, masks[i + 1]!, W, H));
    }
    const frames: MaskFrame[] = masks.map((mask, i) => ({ id: i, scene: 0, mask, width: W, height: H }));
    const clean = checkMaskConsistency(frames);
    sequences++;
    falseFlags += clean.verdicts.filter((v) => v.status !== 'ok').length;
    const at = 3 + (p % 4);
    const other = silhouettes[(p + 7) % silhouettes.length]!;
    for (const kind of Object.keys(jumps) as JumpKind[]) {
      const bad = jump(kind, masks[at]!, W, H, kind === 'other_product' ? wobble(render(other, views[at]!, W, H), W, H, 1, p) : undefined);
      jumps[kind].push(alignedIoU(masks[at - 1]!, bad, W, H), alignedIoU(bad, masks[at + 1]!, W, H));
      const withJump = frames.map((f, i) => (i === at ? { ...f, mask: bad } : f));
      const report = checkMaskConsistency(withJump);
      if (report.verdicts[at]!.status !== 'ok') detected[kind]++;
      wrongBlame[kind] += report.verdicts.filter((v, i) => i !== at && v.status !== 'ok').length;
    }
  });
  console.log(`\n${pace} camera (${FRAMES} samples per path, ${silhouettes.length} products, masks ${W}×${H}):`);
  console.log(`  neighbours, raw IoU:      ${stats(raw)}`);
  console.log(`  neighbours, aligned IoU:  ${stats(aligned)}`);
  for (const kind of Object.keys(jumps) as JumpKind[]) console.log(`  jump ${kind.padEnd(13)} aligned: ${stats(jumps[kind])}`);
  console.log(`  check: ${falseFlags} frames flagged in ${sequences} clean sequences (${sequences * FRAMES} frames)`);
  for (const kind of Object.keys(jumps) as JumpKind[]) console.log(`  check: ${kind} detected in ${detected[kind]}/${sequences}; other frames flagged with it: ${wrongBlame[kind]}`);
}
