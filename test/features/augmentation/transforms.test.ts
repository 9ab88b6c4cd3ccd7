/**
 * Each transform does what its recorded parameters say, measured on synthetic patterns:
 * a bar's angle after rotation, dots carried by the affine and perspective matrices, the
 * optical map against OpenCV's own undistort, blur support from an impulse, exact colour
 * arithmetic, dropout holes.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_AUGMENT_CONFIG, resolveConfig } from '../../../src-main/features/augmentation/config.js';
import { loadCv, withMats, type Cv } from '../../../src-main/features/augmentation/cv.js';
import type { Op } from '../../../src-main/features/augmentation/ops.js';
import { planReal, planSynthetic, samplePerspective } from '../../../src-main/features/augmentation/pipelines.js';
import { Rng } from '../../../src-main/features/augmentation/rng.js';
import { affineMatrix, applyOp, gridMaps, matOf, motionKernel, opticalMaps, rawOf } from '../../../src-main/features/augmentation/transforms.js';
import { centroid, darkOrientation, homography, paintRect, solid } from './patterns.js';

let cv: Cv;
beforeAll(async () => {
  cv = await loadCv();
});

const apply = (img: Parameters<typeof applyOp>[1], op: Op, border: 'reflect101' | 'constant' = 'reflect101') => applyOp(cv, img, op, border);

describe('affine', () => {
  it('rotation stays within ±limit and the bar turns by the recorded angle (60 heavy-pipeline draws, shear off)', async () => {
    const cfg = resolveConfig({ synthetic: { heavy: { affine: { p: 1, shear: [0, 0] } } } });
    const bar = paintRect(solid(256, 256, 200), 48, 122, 208, 134, 0);
    expect(darkOrientation(bar)).toBeCloseTo(0, 3);
    let largest = 0;
    for (let seed = 0; seed < 60; seed++) {
      const step = planSynthetic('heavy', Rng.from('rotate', seed), cfg).find((s) => s.name === 'affine')!;
      if (!step.applied || step.params.op !== 'affine') throw new Error('affine should always apply here');
      const measured = darkOrientation(await apply(bar, step.params));
      expect(Math.abs(measured - step.params.rotate)).toBeLessThan(0.25);
      expect(Math.abs(measured)).toBeLessThanOrEqual(7 + 0.25);
      largest = Math.max(largest, Math.abs(measured));
    }
    expect(largest).toBeGreaterThan(5); // the draws do reach out towards the limit
  });

  it('positive rotation is counter-clockwise as seen', async () => {
    const bar = paintRect(solid(256, 256, 200), 48, 122, 208, 134, 0);
    const out = await apply(bar, { op: 'affine', rotate: 5, shearX: 0, shearY: 0 });
    // The bar's right end rises: dark mass right of centre sits above the centre line.
    const [, yRight] = centroid(out, 200, { x: 190, y: 128, r: 14 });
    expect(yRight).toBeLessThan(127.5 - 5);
  });

  it('rotation and shear move points exactly as albumentations’ matrix says (dots, 20 draws at ±7°)', async () => {
    const dots: [number, number][] = [
      [60, 60],
      [196, 70],
      [128, 128],
      [70, 190],
      [190, 196],
    ];
    const img = solid(256, 256, 0);
    for (const [x, y] of dots) paintRect(img, x - 2, y - 2, x + 3, y + 3, 255);
    for (let seed = 0; seed < 20; seed++) {
      const r = Rng.from('shear', seed);
      const op = { op: 'affine' as const, rotate: r.uniform(-7, 7), shearX: r.uniform(-7, 7), shearY: r.uniform(-7, 7) };
      const out = await apply(img, op, 'constant');
      const m = affineMatrix(op, 256, 256);
      for (const [x, y] of dots) {
        const [u, v] = [m[0]! * x + m[1]! * y + m[2]!, m[3]! * x + m[4]! * y + m[5]!];
        const [cx, cy] = centroid(out, 0, { x: u, y: v, r: 6 });
        expect(Math.hypot(cx - u, cy - v)).toBeLessThan(0.3);
      }
    }
  });
});

describe('perspective', () => {
  it('the recorded quad is stretched onto the whole image: inner points land where the homography puts them', async () => {
    const [w, h] = [300, 240];
    for (let seed = 0; seed < 10; seed++) {
      const op = samplePerspective(Rng.from('persp-img', seed), { scale: [0.04, 0.06] });
      if (op.op !== 'perspective') throw new Error('not a perspective');
      const H = homography(
        op.corners.map(([x, y]) => [x * (w - 1), y * (h - 1)]),
        [
          [0, 0],
          [w - 1, 0],
          [w - 1, h - 1],
          [0, h - 1],
        ],
      );
      const points: [number, number][] = [
        [80, 70],
        [220, 60],
        [150, 120],
        [90, 180],
        [210, 170],
      ];
      const img = solid(w, h, 0);
      for (const [x, y] of points) paintRect(img, x - 2, y - 2, x + 3, y + 3, 255);
      const out = await apply(img, op, 'constant');
      for (const p of points) {
        const [u, v] = H(p);
        const [cx, cy] = centroid(out, 0, { x: u, y: v, r: 7 });
        expect(Math.hypot(cx - u, cy - v)).toBeLessThan(0.35);
      }
    }
  });
});

describe('distortions', () => {
  it('optical distortion: the hand-written camera map equals OpenCV’s own undistort', async () => {
    const [w, h] = [200, 150];
    const img = solid(w, h, 0);
    for (let i = 0; i < img.data.length; i++) img.data[i] = (i * 37 + ((i / 600) | 0) * 11) % 256;
    for (const k of [-0.2, -0.07, 0.12, 0.2]) {
      const ours = await apply(img, { op: 'optical-distortion', k }, 'constant');
      const theirs = withMats((track) => {
        // fx = w, fy = h, principal point at the centre; new camera centred on the pixel grid, as OpenCV's default.
        const cam = track(cv.matFromArray(3, 3, cv.CV_64F, [w, 0, w / 2, 0, h, h / 2, 0, 0, 1]));
        const newCam = track(cv.matFromArray(3, 3, cv.CV_64F, [w, 0, (w - 1) / 2, 0, h, (h - 1) / 2, 0, 0, 1]));
        const dist = track(cv.matFromArray(1, 5, cv.CV_64F, [k, k, 0, 0, 0]));
        const dst = track(new cv.Mat());
        cv.undistort(track(matOf(cv, img)), dst, cam, dist, newCam);
        return rawOf(dst, 3);
      });
      let differ = 0;
      for (let i = 0; i < ours.data.length; i++) if (Math.abs(ours.data[i]! - theirs.data[i]!) > 2) differ++;
      expect(differ / ours.data.length).toBeLessThan(0.002);
    }
  });

  it('with k = 0 the optical map is the identity up to OpenCV’s half-pixel re-centring; grid steps of 1 stay within a pixel of it', () => {
    // OpenCV (and so albumentations) re-centres the principal point on the pixel grid,
    // (w − 1)/2 instead of w/2: an undistorted image moves by half a pixel.
    const [ox, oy] = opticalMaps(0, 120, 90);
    for (let i = 0; i < ox.length; i += 97) {
      expect(ox[i]).toBeCloseTo((i % 120) + 0.5, 4);
      expect(oy[i]).toBeCloseTo(Math.floor(i / 120) + 0.5, 4);
    }
    const [mx, my] = gridMaps({ numSteps: 5, stepsX: [1, 1, 1, 1, 1, 1], stepsY: [1, 1, 1, 1, 1, 1] }, 120, 90);
    // albumentations' generate_grid spans each cell with linspace(start, end) including the
    // end, so cells meet exactly at their borders and stretch by count/(count − 1) inside.
    for (let x = 0; x < 120; x++) expect(Math.abs(mx[x]! - x)).toBeLessThanOrEqual(1);
    for (const x of [0, 24, 48, 72, 96]) expect(mx[x]).toBeCloseTo(x, 4);
    for (let y = 0; y < 90; y++) expect(Math.abs(my[y * 120]! - y)).toBeLessThanOrEqual(1);
  });

  it('grid distortion (limit 0.2) is monotonic and never reaches outside the image', () => {
    for (let seed = 0; seed < 50; seed++) {
      const step = planReal(Rng.from('grid', seed), resolveConfig({ real: { geometric: { p: 1, affine: { weight: 0 }, perspective: { weight: 0 }, optical: { weight: 0 } } } }), { width: 333, height: 251 }, true)[0]!;
      if (!step.applied || step.params.op !== 'grid-distortion') throw new Error('grid distortion expected');
      const [mx, my] = gridMaps(step.params, 333, 251);
      for (let x = 1; x < 333; x++) expect(mx[x]!).toBeGreaterThanOrEqual(mx[x - 1]!);
      expect(mx[0]).toBe(0);
      expect(mx[332]!).toBeLessThanOrEqual(333);
      for (let y = 1; y < 251; y++) expect(my[y * 333]!).toBeGreaterThanOrEqual(my[(y - 1) * 333]!);
      expect(my[250 * 333]!).toBeLessThanOrEqual(251);
    }
  });

  it('optical map pulls corners outwards for k > 0 and inwards for k < 0 (barrel vs pincushion)', () => {
    const [w, h] = [200, 150];
    const [out] = opticalMaps(0.2, w, h);
    const [inn] = opticalMaps(-0.2, w, h);
    expect(out[0]!).toBeLessThan(-5);
    expect(inn[0]!).toBeGreaterThan(5);
  });
});

describe('blur', () => {
  const impulse = () => paintRect(solid(41, 41, 0), 20, 20, 21, 21, 255);
  const support = (img: ReturnType<typeof solid>) => {
    let [x0, y0, x1, y1, n, sum] = [99, 99, -1, -1, 0, 0];
    for (let y = 0; y < img.height; y++) {
      for (let x = 0; x < img.width; x++) {
        const v = img.data[(y * img.width + x) * 3]!;
        sum += v;
        if (v > 0) {
          [x0, y0, x1, y1] = [Math.min(x0, x), Math.min(y0, y), Math.max(x1, x), Math.max(y1, y)];
          n++;
        }
      }
    }
    return { width: x1 - x0 + 1, height: y1 - y0 + 1, n, sum };
  };

  it('Gaussian blur spreads an impulse over exactly kernel × kernel pixels, keeping its energy', async () => {
    for (const kernel of [3, 5, 7]) {
      const op = planSynthetic('heavy', Rng.from('g'), resolveConfig({ synthetic: { heavy: { blur: { p: 1, kernel: [kernel, kernel] } } } })).find((s) => s.name === 'blur');
      const params: Op = op?.applied && op.params.op === 'gaussian-blur' ? op.params : { op: 'gaussian-blur', kernel, sigma: 0.3 * ((kernel - 1) * 0.5 - 1) + 0.8 };
      const s = support(await apply(impulse(), params));
      expect([s.width, s.height]).toEqual([kernel, kernel]);
      expect(Math.abs(s.sum - 255)).toBeLessThanOrEqual(kernel * kernel / 2);
    }
  });

  it('motion blur draws a line of at most `kernel` pixels inside the kernel box, along its angle, normalised', async () => {
    for (let seed = 0; seed < 40; seed++) {
      const r = Rng.from('motion', seed);
      const kernel = [3, 5, 7][seed % 3]!;
      const half = Math.floor(kernel / 2);
      const op = { op: 'motion-blur' as const, kernel, angle: r.uniform(0, 360), direction: r.uniform(-1, 1), shiftX: (r.uniform(-1, 1) * half) / 2, shiftY: (r.uniform(-1, 1) * half) / 2 };
      const k = motionKernel(op);
      expect(k.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
      expect(k.filter((v) => v > 0).length).toBeLessThanOrEqual(kernel);
      const s = support(await apply(impulse(), op));
      expect(s.width).toBeLessThanOrEqual(kernel);
      expect(s.height).toBeLessThanOrEqual(kernel);
      expect(Math.abs(s.sum - 255)).toBeLessThanOrEqual(kernel);
    }
    // Horizontal and symmetric: a full row of the kernel.
    const flat = motionKernel({ kernel: 7, angle: 0, direction: 0, shiftX: 0, shiftY: 0 });
    expect(Array.from(flat.subarray(21, 28)).every((v) => Math.abs(v - 1 / 7) < 1e-6)).toBe(true);
  });
});

describe('colour', () => {
  const ramp = () => {
    const img = solid(256, 1, 0);
    for (let x = 0; x < 256; x++) img.data.fill(x, x * 3, x * 3 + 3);
    return img;
  };

  it('brightness/contrast maps every level to in·alpha + beta, clipped', async () => {
    const out = await apply(ramp(), { op: 'brightness-contrast', alpha: 1.12, beta: -30.4 });
    for (let v = 0; v < 256; v++) expect(out.data[v * 3]).toBe(Math.max(0, Math.min(255, Math.round(v * 1.12 - 30.4))));
  });

  it('RGB shift moves each channel by its own amount', async () => {
    const out = await apply(solid(10, 10, [100, 120, 140]), { op: 'rgb-shift', r: 11.6, g: -7.2, b: 3 });
    expect(Array.from(out.data.subarray(0, 3))).toEqual([112, 113, 143]);
  });

  it('colour jitter: saturation 0 gives grey, a hue shift of 1/12 turns red towards orange (30°)', async () => {
    const red = solid(8, 8, [200, 30, 30]);
    const id = { brightness: 1, contrast: 1, saturation: 1, hue: 0, order: ['brightness', 'contrast', 'saturation', 'hue'] as const };
    const grey = await apply(red, { op: 'color-jitter', ...id, order: [...id.order], saturation: 0 });
    const [r, g, b] = grey.data;
    expect(Math.max(r!, g!, b!) - Math.min(r!, g!, b!)).toBeLessThanOrEqual(1);
    const turned = await apply(red, { op: 'color-jitter', ...id, order: [...id.order], hue: 1 / 12 });
    const [r2, g2, b2] = turned.data;
    expect(r2).toBeGreaterThan(190);
    expect(g2).toBeGreaterThan(90); // hue 30°: green rises to about half of red
    expect(g2).toBeLessThan(130);
    expect(b2).toBeLessThan(40);
  });

  it('ISO noise: reproducible from its seed, and stronger with intensity', async () => {
    // Two flat halves: the noise scales with the image's lightness spread, so a flat image would get none.
    const img = solid(128, 128, [120, 110, 100]);
    paintRect(img, 0, 0, 64, 128, 60);
    /** Spread of the red channel inside the right half, flat before the noise. */
    const sd = (x: ReturnType<typeof solid>) => {
      let [s, s2, n] = [0, 0, 0];
      for (let y = 0; y < 128; y++) {
        for (let xx = 64; xx < 128; xx++) {
          const v = x.data[(y * 128 + xx) * 3]!;
          s += v;
          s2 += v * v;
          n++;
        }
      }
      return Math.sqrt(s2 / n - (s / n) ** 2);
    };
    const weak = await apply(img, { op: 'iso-noise', colorShift: 0.02, intensity: 0.1, noiseSeed: 5 });
    const again = await apply(img, { op: 'iso-noise', colorShift: 0.02, intensity: 0.1, noiseSeed: 5 });
    const other = await apply(img, { op: 'iso-noise', colorShift: 0.02, intensity: 0.1, noiseSeed: 6 });
    const strong = await apply(img, { op: 'iso-noise', colorShift: 0.02, intensity: 0.3, noiseSeed: 5 });
    expect(Buffer.from(weak.data).equals(Buffer.from(again.data))).toBe(true);
    expect(Buffer.from(weak.data).equals(Buffer.from(other.data))).toBe(false);
    expect(sd(strong)).toBeGreaterThan(sd(weak));
    expect(sd(weak)).toBeGreaterThan(sd(img));
  });
});

describe('coarse dropout', () => {
  it('fills exactly the recorded holes with grey 220 and leaves everything else (200 draws)', async () => {
    const cfg = resolveConfig({ real: { coarseDropout: { p: 1 } } });
    const size = { width: 160, height: 120 };
    for (let seed = 0; seed < 200; seed++) {
      const step = planReal(Rng.from('holes', seed), cfg, size, false).find((s) => s.name === 'coarse-dropout')!;
      if (!step.applied || step.params.op !== 'coarse-dropout') throw new Error('dropout expected');
      const { holes } = step.params;
      expect(holes.length).toBeGreaterThanOrEqual(1);
      expect(holes.length).toBeLessThanOrEqual(6);
      const out = await apply(solid(size.width, size.height, 0), step.params);
      const inHole = (x: number, y: number) => holes.some(([hx, hy, w, h]) => x >= hx && x < hx + w && y >= hy && y < hy + h);
      for (let y = 0; y < size.height; y++) {
        for (let x = 0; x < size.width; x++) {
          const v = out.data[(y * size.width + x) * 3]!;
          if (v !== (inHole(x, y) ? 220 : 0)) throw new Error(`pixel ${x},${y} is ${v} (holes ${JSON.stringify(holes)})`);
        }
      }
    }
  });
});

describe('resize', () => {
  it('gives exactly the asked size', async () => {
    const out = await apply(solid(333, 250, 90), { op: 'resize', width: DEFAULT_AUGMENT_CONFIG.output.size, height: DEFAULT_AUGMENT_CONFIG.output.size });
    expect([out.width, out.height, out.data.length]).toEqual([384, 384, 384 * 384 * 3]);
  });
});
