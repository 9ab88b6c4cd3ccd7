/**
 * Skip reasons in the UI's language: the engine's real reasons (its ingest on bad files,
 * its folder scan, its file-system wording) are produced here, and each must be recognised
 * and worded in Turkish without the English engine text.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createInstance, type TFunction } from 'i18next';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BlobStore } from '../../../src-main/engine/store/blob-store.js';
import { defaultIngestOptions, ingestFile } from '../../../src-main/engine/images/ingest.js';
import { fsReason, scanPaths } from '../../../src-main/features/import/scan.js';
import { skipReasonKey, skipReasonText } from '../../../src-renderer/features/library/skip-reasons.js';
import { en, tr } from '../../../src-renderer/features/library/messages.js';

let dir: string;
let t: TFunction;

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'atolye-skip-reasons-'));
  const i18n = createInstance();
  await i18n.init({ lng: 'tr', resources: { en: { translation: en }, tr: { translation: tr } }, fallbackLng: 'en', interpolation: { escapeValue: false } });
  t = i18n.t;
});

afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

/** The reason must be known, and its Turkish words share no English word of four letters or more with it. */
function expectTurkish(reason: string): string {
  expect(skipReasonKey(reason), reason).not.toBeNull();
  const text = skipReasonText(t, reason);
  // 'disk' is a Turkish word too.
  const englishWords = (reason.toLowerCase().match(/[a-z]{4,}/g) ?? []).filter((w) => w !== 'disk');
  for (const word of englishWords) expect(text.toLowerCase(), `${reason} → ${text}`).not.toMatch(new RegExp(`\\b${word}\\b`));
  return text;
}

describe('skip reasons', () => {
  it('the ingest’s reasons for bad files are worded in Turkish', async () => {
    const store = new BlobStore(path.join(dir, 'lib'));
    const jpeg = await sharp({ create: { width: 64, height: 48, channels: 3, background: '#c33' } }).jpeg().toBuffer();
    const files: Record<string, Buffer> = {
      'boş.jpg': Buffer.alloc(0),
      'notlar.txt': Buffer.from('alışveriş listesi: elma, armut\n'.repeat(20)),
      'yarım.jpg': jpeg.subarray(0, jpeg.length >> 1),
    };
    const reasons: string[] = [];
    for (const [name, bytes] of Object.entries(files)) {
      await fs.writeFile(path.join(dir, name), bytes);
      const result = await ingestFile(path.join(dir, name), store, defaultIngestOptions);
      expect(result.ok, name).toBe(false);
      if (!result.ok) reasons.push(result.reason);
    }
    // Over the pixel limit, as a small limit makes it.
    await fs.writeFile(path.join(dir, 'büyük.jpg'), jpeg);
    const big = await ingestFile(path.join(dir, 'büyük.jpg'), store, { ...defaultIngestOptions, limitInputPixels: 1000 });
    if (!big.ok) reasons.push(big.reason);
    // A file far larger than any image within the limit: refused from its size, never read whole.
    const huge = path.join(dir, 'dev-asa.bin');
    await fs.writeFile(huge, '');
    await fs.truncate(huge, 70 * 2 ** 20);
    const hugeResult = await ingestFile(huge, store, { ...defaultIngestOptions, limitInputPixels: 1000 });
    if (!hugeResult.ok) reasons.push(hugeResult.reason);
    expect(reasons).toHaveLength(5);
    expect(reasons[4]).toMatch(/^file is 70 MB, larger than any image/);
    const texts = reasons.map(expectTurkish);
    expect(texts[0]).toBe('Boş dosya (0 bayt)');
  });

  it('the scan’s and the file system’s reasons are worded in Turkish', async () => {
    const reasons = [
      ...['EACCES', 'EPERM', 'ENOENT', 'ELOOP', 'ENAMETOOLONG', 'EIO'].flatMap((code) =>
        (['file', 'folder'] as const).map((w) => fsReason(Object.assign(new Error(`${code}: x`), { code }), w)),
      ),
    ];
    // A broken symbolic link, as the scan reports it.
    const tree = path.join(dir, 'ağaç');
    await fs.mkdir(tree, { recursive: true });
    await fs.symlink(path.join(dir, 'yok-böyle-bir-şey.jpg'), path.join(tree, 'kırık bağ.jpg'));
    const scanned = await scanPaths([tree]);
    reasons.push(...scanned.skipped.map((s) => s.reason));
    expect(scanned.skipped.length).toBeGreaterThan(0);
    // A folder dropped twice, or with its parent, and a folder reached again through a link.
    await fs.writeFile(path.join(tree, 'a.jpg'), 'x');
    await fs.symlink(tree, path.join(tree, 'geri'));
    const twice = await scanPaths([tree, tree, dir]);
    expect(twice.files.filter((f) => f.path.endsWith('a.jpg'))).toHaveLength(1);
    const twiceReasons = twice.skipped.map((s) => s.reason);
    expect(twiceReasons).toContain('a folder given twice, or inside another folder given; its files are imported once');
    expect(twiceReasons).toContain('a folder reached twice (a symbolic link loop); its files are imported once');
    expect(skipReasonText(t, 'a folder given twice, or inside another folder given; its files are imported once')).toBe('Klasör iki kez verildi ya da verilen başka bir klasörün içinde; dosyaları bir kez aktarılır');
    reasons.push(...twiceReasons);
    // A scan that would walk too far (a link to / in a dropped folder) stops, and says where.
    const capped = await scanPaths([dir], { maxEntries: 3 });
    expect(capped.files.length + capped.skipped.length).toBeLessThanOrEqual(4);
    const stop = capped.skipped.filter((s) => /^the scan stopped after 3 files and folders/.test(s.reason));
    expect(stop).toHaveLength(1);
    reasons.push(stop[0]!.reason);
    reasons.push('not found', 'not a file to import (a named pipe)', 'folders nested deeper than 32 levels');
    for (const reason of reasons) expectTurkish(reason);
    expect(skipReasonText(t, 'cannot read this folder: permission denied')).toBe('Bu klasör okunamıyor: erişim izni yok');
  });

  it('a reason it does not know is still framed in Turkish, the engine text kept', () => {
    expect(skipReasonKey('a brand new reason')).toBeNull();
    expect(skipReasonText(t, 'a brand new reason')).toBe('Aktarılamadı: a brand new reason');
  });
});
