import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseTrainingConfig } from '../../../src-main/features/training/config.js';
import { arcFaceLogits, arcFaceLoss } from '../../../src-main/features/training/head.js';
import { useTfBackend } from '../../../src-main/features/training/tf-backend.js';

beforeAll(async () => {
  await useTfBackend('wasm');
});

const deg = (d: number) => (d * Math.PI) / 180;
/** A unit vector at angle a in the plane. */
const unit = (a: number) => [Math.cos(a), Math.sin(a)];

describe('ArcFace logits', () => {
  const m = 0.3;
  const s = 30;
  // Embedding along x; class 0 at 60° (cos θ = 0.5 > 0), class 1 at 120° (cos θ = −0.5 ≤ 0).
  let embedding: tf.Tensor2D;
  let weights: tf.Tensor2D;
  beforeAll(() => {
    embedding = tf.tensor2d([[1, 0]]);
    // Class weights are normalised inside: give them arbitrary lengths.
    weights = tf.tensor2d([unit(deg(60)).map((x) => 3 * x), unit(deg(120)).map((x) => 0.2 * x)]);
  });

  it('adds the angular margin to the target class where cos θ > 0 (easy margin)', () => {
    const logits = arcFaceLogits(embedding, weights, tf.tensor1d([0], 'int32'), { scale: s, margin: m, easyMargin: true }).dataSync();
    expect(logits[0]).toBeCloseTo(s * Math.cos(deg(60) + m), 4);
    // By hand: 0.3 rad = 17.189°, cos(77.189°) = 0.22174, × 30 = 6.6522.
    expect(logits[0]).toBeCloseTo(6.6522, 3);
    expect(logits[1]).toBeCloseTo(s * -0.5, 4); // not the target: plain s·cos θ
  });

  it('leaves the target logit at s·cos θ where cos θ ≤ 0 with the easy margin', () => {
    const logits = arcFaceLogits(embedding, weights, tf.tensor1d([1], 'int32'), { scale: s, margin: m, easyMargin: true }).dataSync();
    expect(logits[1]).toBeCloseTo(-15, 4);
    expect(logits[0]).toBeCloseTo(15, 4);
  });

  it('without the easy margin applies cos(θ + m) down to cos θ > cos(π − m), and cos θ − m·sin m beyond', () => {
    const hard = arcFaceLogits(embedding, weights, tf.tensor1d([1], 'int32'), { scale: s, margin: m, easyMargin: false }).dataSync();
    expect(hard[1]).toBeCloseTo(s * Math.cos(deg(120) + m), 4); // −0.5 > cos(π − 0.3) = −0.955
    const behind = tf.tensor2d([unit(deg(175)), unit(deg(90))]); // class 0: cos θ = −0.996 < −0.955
    const far = arcFaceLogits(embedding, behind, tf.tensor1d([0], 'int32'), { scale: s, margin: m, easyMargin: false }).dataSync();
    expect(far[0]).toBeCloseTo(s * (Math.cos(deg(175)) - Math.sin(Math.PI - m) * m), 3);
  });

  it('the loss is the label-smoothed cross-entropy of those logits', () => {
    const config = parseTrainingConfig();
    const loss = arcFaceLoss(embedding, weights, tf.tensor1d([0], 'int32'), config).dataSync()[0]!;
    const z = [s * Math.cos(deg(60) + m), -15];
    const lse = Math.log(Math.exp(z[0]!) + Math.exp(z[1]!));
    const eps = 0.2;
    const targets = [1 - eps + eps / 2, eps / 2];
    const expected = -(targets[0]! * (z[0]! - lse) + targets[1]! * (z[1]! - lse));
    expect(loss).toBeCloseTo(expected, 4);
  });

  it('has finite gradients even when an embedding sits exactly on its class weight', () => {
    const w = tf.variable(tf.tensor2d([[1, 0], [0, 1]]));
    const { grads } = tf.variableGrads(() => arcFaceLoss(tf.tensor2d([[1, 0]]), w, tf.tensor1d([0], 'int32'), parseTrainingConfig()), [w]);
    for (const g of Object.values(grads)) for (const v of g.dataSync()) expect(Number.isFinite(v)).toBe(true);
  });
});
