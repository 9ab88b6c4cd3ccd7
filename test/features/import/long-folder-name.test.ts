/** A dropped folder named 199 ASCII letters + an emoji (203 bytes, legal everywhere): its project name is cut between characters, never inside the emoji. */
import path from 'node:path';
import { expect, it, describe } from 'vitest';
import { isSafeText } from '../../../src-shared/contract/index.js';
import { createDispatcher } from '../../../src-main/engine/api/dispatch.js';
import { useEngine } from '../../support/engine.js';
import { writeJpegs } from '../../helpers/images.js';

describe('project name from a long folder name', () => {
  const fx = useEngine();
  it('is valid text of at most 200 characters, which a rename takes back unchanged', async () => {
    const folder = path.join(fx.dir, 'a'.repeat(199) + '\u{1F600}');
    await writeJpegs(folder, 1);
    const done = await fx.importPaths(folder);
    const name = fx.library.getProject(done.projectId).name;
    // The rename dialog sends the current name back: it must be a name the contract takes.
    await createDispatcher(fx.engine)('projects.rename', { id: done.projectId, name });
    expect(name).not.toContain('\ufffd');
    expect(name.length).toBeLessThanOrEqual(200);
    expect(isSafeText(name)).toBe(true);
  });
});
