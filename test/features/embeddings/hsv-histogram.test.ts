/**
 * The colour histogram: bins of known colours, exact integer binning at sector edges,
 * unit length, and the central box.
 */
import { describe, expect, it } from 'vitest';
import { hsvBin, sqrtHsvHistogram, sqrtHsvHistogramOfCentre } from '../../../src-main/features/embeddings/hsv-histogram.js';

const bins = { hue: 36, saturation: 4, value: 4 };
const bin = (h: number, s: number, v: number) => (h * 4 + s) * 4 + v;

describe('√HSV histogram', () => {
  it('puts known colours in their bins, hue sectors starting exactly at their edges', () => {
    expect(hsvBin(255, 0, 0, bins)).toBe(bin(0, 3, 3)); // red: hue 0°, full saturation and value
    expect(hsvBin(255, 255, 0, bins)).toBe(bin(6, 3, 3)); // yellow: exactly 60°, first bin of its sector
    expect(hsvBin(0, 255, 0, bins)).toBe(bin(12, 3, 3)); // green: 120°
    expect(hsvBin(0, 0, 255, bins)).toBe(bin(24, 3, 3)); // blue: 240°
    expect(hsvBin(255, 0, 1, bins)).toBe(bin(35, 3, 3)); // just below 360° wraps to the last bin
    expect(hsvBin(128, 128, 128, bins)).toBe(bin(0, 0, 2)); // grey: hue 0, no saturation
    expect(hsvBin(0, 0, 0, bins)).toBe(bin(0, 0, 0));
    expect(hsvBin(63, 0, 0, bins)).toBe(bin(0, 3, 0)); // value steps at 64, 128, 192
    expect(hsvBin(64, 0, 0, bins)).toBe(bin(0, 3, 1));
  });

  it('agrees with the real-valued definition away from bin edges', () => {
    for (let i = 0; i < 5000; i++) {
      const [r, g, b] = [(i * 73) % 256, (i * 151) % 256, (i * 199) % 256];
      const max = Math.max(r, g, b);
      const d = max - Math.min(r, g, b);
      let h = 0;
      if (d) h = (((max === r ? (g - b) / d : max === g ? (b - r) / d + 2 : (r - g) / d + 4) + 6) % 6) * 60;
      const hf = (h / 360) * 36;
      if (Math.abs(hf - Math.round(hf)) < 1e-6) continue; // on an edge: covered above
      const expected = bin(Math.min(35, Math.floor(hf)), max ? Math.min(3, Math.floor((4 * d) / max)) : 0, Math.floor(max / 64));
      expect(hsvBin(r, g, b, bins), `${r},${g},${b}`).toBe(expected);
    }
  });

  it('is unit length, and the central box sees only the middle', () => {
    // 8×8: a red 4×4 centre on a blue frame.
    const px = new Uint8Array(8 * 8 * 3);
    for (let y = 0; y < 8; y++)
      for (let x = 0; x < 8; x++) {
        const centre = x >= 2 && x < 6 && y >= 2 && y < 6;
        px.set(centre ? [255, 0, 0] : [0, 0, 255], (y * 8 + x) * 3);
      }
    const whole = sqrtHsvHistogram(px, 3, bins);
    expect(Math.hypot(...whole)).toBeCloseTo(1, 6);
    expect(whole[bin(0, 3, 3)]).toBeCloseTo(Math.sqrt(16 / 64), 6);
    expect(whole[bin(24, 3, 3)]).toBeCloseTo(Math.sqrt(48 / 64), 6);
    const centre = sqrtHsvHistogramOfCentre(px, { width: 8, height: 8, channels: 3 }, 0.5, bins);
    expect(centre[bin(0, 3, 3)]).toBe(1);
    expect(centre.reduce((n, v) => n + (v > 0 ? 1 : 0), 0)).toBe(1);
    expect(() => sqrtHsvHistogramOfCentre(px, { width: 8, height: 8, channels: 3 }, 0, bins)).toThrow(/central fraction/);
  });
});
