import { describe, expect, it } from 'vitest';
import { portableName } from '../../../src-main/engine/zip/portable-name.js';
import { namesFor, parseName, type LayoutImage } from '../../../src-main/features/datasets/layout.js';

const real = (id: string, fileName: string): LayoutImage => ({ id, type: 'real', format: 'jpeg', frameIndex: null, meta: { fileName } });

describe('export names that every OS can hold', () => {
  it('makes a user’s name portable: reserved characters, device names, trailing dots, length', () => {
    expect(portableName('a:b*c?.jpg', 'x')).toBe('a_b_c_.jpg');
    expect(portableName('CON.jpg', 'x')).toBe('_CON.jpg');
    expect(portableName('lpt1', 'x')).toBe('_lpt1');
    expect(portableName('photo. . ', 'x')).toBe('photo');
    expect(portableName('..', 'x')).toBe('x');
    expect(portableName('a\u0000b.png', 'x')).toBe('a_b.png');
    const long = portableName(`${'ş'.repeat(300)}.jpeg`, 'x');
    expect(Buffer.byteLength(long)).toBeLessThanOrEqual(200);
    expect(long.endsWith('.jpeg')).toBe(true);
  });

  it('names real photos so a folder export works on Windows and macOS and reads back as real photos', () => {
    const names = namesFor([real('1', 'CON.jpg'), real('2', 'IMG.JPG'), real('3', 'img.jpg'), real('4', 'a:b.jpg'), real('5', 'notes'), real('6', 'shelf_aug_001.jpg')], 'd', () => ({ kind: 'file', id: null }));
    expect([...names.values()]).toEqual(['real/_CON.jpg', 'real/IMG.JPG', 'real/img-2.jpg', 'real/a_b.jpg', 'real/notes.jpg', 'real/shelf_aug_001.jpg.jpg']);
    for (const n of names.values()) expect(parseName(n)).toMatchObject({ type: 'real' });
  });
});
