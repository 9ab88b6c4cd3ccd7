import { describe, expect, it } from 'vitest';
import { zipFileName } from '../../../src-main/features/training/model-zip.js';

describe('a trained model’s download name', () => {
  it('drops accents instead of turning them into dashes, and keeps nothing that could leave the folder', () => {
    expect(zipFileName('Süt Ürünleri v1')).toBe('Sut-Urunleri-v1.zip');
    expect(zipFileName('Atölye Çay · Işık')).toBe('Atolye-Cay-Isik.zip');
    expect(zipFileName('../../etc/passwd')).toBe('etc-passwd.zip');
    expect(zipFileName('…')).toBe('model.zip');
    expect(zipFileName('x'.repeat(300))).toHaveLength(84);
  });
});
