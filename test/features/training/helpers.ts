import fs from 'node:fs';
import path from 'node:path';
import { DOMAIN, type LabelledFeatures, type TrainingData } from '../../../src-main/features/training/dataset.js';
import { Rng } from '../../../src-main/features/training/rng.js';

/**
 * Gaussian clusters on the unit sphere: a small, fully known data set for the trainer's
 * mechanics (resume, determinism, guards). Each class has `real` rows and a couple of
 * `synthetic` ones drawn around a shifted centre (a domain gap), plus held-out real rows.
 */
export function clusteredData(opts: { classes: number; perClass: number; dim: number; seed: number; noise?: number; synthetic?: number; valid?: number }): TrainingData {
  const rng = new Rng(opts.seed);
  const { classes, perClass, dim } = opts;
  const noise = opts.noise ?? 0.6;
  const centres = Array.from({ length: classes }, () => Float32Array.from({ length: dim }, () => rng.normal()));
  const shift = Float32Array.from({ length: dim }, () => rng.normal() * 0.5);
  const make = (count: number, domain: number): LabelledFeatures => {
    const rows: number[] = [];
    const labels: number[] = [];
    const domains: number[] = [];
    for (let c = 0; c < classes; c++) {
      for (let i = 0; i < count; i++) {
        const v = centres[c]!.map((x, k) => x + noise * rng.normal() * Math.sqrt(dim) * 0.15 + (domain === DOMAIN.synthetic ? shift[k]! : 0));
        let n = 0;
        for (const x of v) n += x * x;
        for (const x of v) rows.push(x / Math.sqrt(n));
        labels.push(c);
        domains.push(domain);
      }
    }
    return { dimension: dim, features: Float32Array.from(rows), labels: Int32Array.from(labels), domains: Uint8Array.from(domains) };
  };
  const real = make(perClass, DOMAIN.real);
  const synthetic = make(opts.synthetic ?? 2, DOMAIN.synthetic);
  const features = new Float32Array(real.features.length + synthetic.features.length);
  features.set(real.features, 0);
  features.set(synthetic.features, real.features.length);
  return {
    classNames: Array.from({ length: classes }, (_, c) => `product-${c}`),
    train: {
      dimension: dim,
      features,
      labels: Int32Array.from([...real.labels, ...synthetic.labels]),
      domains: Uint8Array.from([...real.domains, ...synthetic.domains]),
    },
    valid: make(opts.valid ?? 3, DOMAIN.real),
  };
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} ≠ ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

/** How many fine-tuning maps a library keeps on disk (its `.f32` files under cache/tail-maps; 0 before any). */
export function keptMapFiles(dataDir: string): number {
  try {
    return fs.readdirSync(path.join(dataDir, 'cache', 'tail-maps'), { recursive: true }).filter((f) => String(f).endsWith('.f32')).length;
  } catch {
    return 0;
  }
}
