/**
 * A ZIP export over damaged blobs: a file truncated on disk, one removed, one altered with
 * its size kept. Each gives a clear error naming the file, leaves no partial ZIP, and the
 * server keeps serving.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../../src-main/engine/engine.js';
import { openEngine } from '../../src-main/features/index.js';
import { importFeature } from '../../src-main/features/import/public.js';
import { libraryFeature } from '../../src-main/features/library/public.js';
import { writeProjectZip } from '../../src-main/features/export/project-zip.js';
import { HttpBackend } from '../../src-main/server/client.js';
import { startServer, type RunningServer } from '../../src-main/server/server.js';
import { writeJpegs } from '../helpers/images.js';
import { tempDir } from '../helpers/tmp.js';

describe('export over damaged blobs', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let engine: Engine;
  let server: RunningServer;
  let client: HttpBackend;

  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir());
    engine = await openEngine({ dataDir: path.join(dir, 'data'), workers: 1 });
    server = await startServer({ engine, port: 0, staticDir: null });
    client = new HttpBackend(server.url, server.token);
  });
  afterAll(async () => {
    client.close();
    await server.close();
    await engine.close();
    await cleanup();
  });

  /** A project of three images; answers it and the blob path of its second original. */
  async function project(name: string): Promise<{ projectId: string; victim: string; victimName: string }> {
    const src = path.join(dir, name);
    await writeJpegs(src, 3, name);
    const imports = engine.use(importFeature);
    const done = await imports.wait((await imports.start({ paths: [src], projectName: name })).importId);
    const asset = engine.use(libraryFeature).listAssets(done.projectId, 0, 10).items[1]!;
    return { projectId: done.projectId, victim: engine.media(asset.id, 'original')!.path, victimName: `originals/${asset.relPath}` };
  }

  const download = (projectId: string) =>
    fetch(new URL(`api/download/project-zip?p=${encodeURIComponent(JSON.stringify({ projectId }))}`, server.url), { headers: { Authorization: `Bearer ${server.token}` } });

  it('refuses a project with a truncated blob with 409 naming the file, and keeps serving', async () => {
    const { projectId, victim, victimName } = await project('kesik');
    const size = (await fs.stat(victim)).size;
    await fs.truncate(victim, Math.floor(size / 2));
    const res = await download(projectId);
    expect(res.status).toBe(409);
    const body = (await res.json()) as { code: string; message: string };
    expect(body.code).toBe('conflict');
    expect(body.message).toContain(victimName);
    expect(body.message).toMatch(/damaged/);
    // The server is alive and answers the next call.
    expect(Array.isArray(await client.call('projects.list', {}))).toBe(true);
  });

  it('refuses a missing blob in the method too, naming the file and leaving no ZIP', async () => {
    const { projectId, victim, victimName } = await project('eksik');
    await fs.rm(victim);
    const dest = path.join(dir, 'eksik.zip');
    await expect(writeProjectZip(engine.use(libraryFeature), projectId, dest)).rejects.toThrow(new RegExp(`${victimName}.*missing`));
    expect((await fs.readdir(dir)).filter((f) => f.startsWith('eksik.zip'))).toEqual([]);
    const res = await download(projectId);
    expect(res.status).toBe(409);
    expect(((await res.json()) as { message: string }).message).toContain(victimName);
  });

  it('verifies each blob against its sha256: an altered file of the same size stops the export, no partial ZIP, server alive', async () => {
    const { projectId, victim, victimName } = await project('bozuk');
    const bytes = await fs.readFile(victim);
    const mid = Math.floor(bytes.length / 2);
    bytes[mid] = (bytes[mid] ?? 0) ^ 0xff;
    await fs.writeFile(victim, bytes);
    const dest = path.join(dir, 'bozuk.zip');
    await expect(writeProjectZip(engine.use(libraryFeature), projectId, dest)).rejects.toThrow(new RegExp(`${victimName}.*sha256`));
    expect((await fs.readdir(dir)).filter((f) => f.startsWith('bozuk.zip'))).toEqual([]);
    // Over HTTP the response has begun: it is cut off, so the browser does not keep a half ZIP.
    const res = await download(projectId);
    expect(res.status).toBe(200);
    await expect(res.arrayBuffer()).rejects.toThrow();
    expect(Array.isArray(await client.call('projects.list', {}))).toBe(true);
    // The project's own healthy export still works after all this.
    const fine = await project('sağlam');
    const ok = await download(fine.projectId);
    expect(ok.status).toBe(200);
    expect((await ok.arrayBuffer()).byteLength).toBeGreaterThan(1000);
  });
});
