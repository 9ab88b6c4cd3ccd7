/** Two imports into one project at once: each file gets its own import-order number (seq), reserved per project before the rows exist. */
import path from 'node:path';
import { expect, it, describe } from 'vitest';
import { useEngine } from '../../support/engine.js';
import { writeJpegs } from '../../helpers/images.js';

describe('concurrent imports into one project', () => {
  const fx = useEngine();
  it('keep distinct import-order positions', async () => {
    await writeJpegs(path.join(fx.dir, 'a'), 3, 'a');
    await writeJpegs(path.join(fx.dir, 'b'), 3, 'q');
    const p = fx.library.createProject('P', null);
    const [s1, s2] = await Promise.all([fx.imports.start({ paths: [path.join(fx.dir, 'a')], projectId: p.id }), fx.imports.start({ paths: [path.join(fx.dir, 'b')], projectId: p.id })]);
    await fx.imports.wait(s1.importId);
    await fx.imports.wait(s2.importId);
    const rows = fx.engine.db.prepare("SELECT file_name, seq FROM assets WHERE project_id = ? AND kind = 'original' ORDER BY seq").all(p.id) as { file_name: string; seq: number }[];
    expect(new Set(rows.map((r) => r.seq)).size).toBe(rows.length);
  });
});
