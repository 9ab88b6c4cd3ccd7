/**
 * UI figures (`npm run bench:ui`), reported and never asserted:
 *  1. drop → 500 thumbnails: 500 photos of the grocery set dropped on the window as a
 *     folder (read by the page, uploaded, imported), until the import is done and the
 *     grid shows all 500 (visible ones decoded; then a scroll-through checks every one).
 *     Peer, same run: the engine importing the same 500 files from their paths, no
 *     browser (once before and once after the UI run; their mean).
 *  2. scroll smoothness of a 2,000-image project: frame times (requestAnimationFrame)
 *     during a scripted constant-speed scroll from top to bottom. Peer, same run: frame
 *     times of the same page sitting idle.
 * The last line printed is one JSON object.
 */
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Page } from '@playwright/test';
import { assertChromium } from './support/chromium.js';
import { dropPaths, expect, signIn, test } from './support/fixtures.js';
import { repoRoot, startServerProcess, type ServerProcess } from './support/server.js';

const GROCERY = process.env.ATOLYE_GROCERY_DIR ?? path.resolve(repoRoot, '..', 'shared', 'datasets', 'grocery-store', 'train');
const DROP_COUNT = 500;
const SCROLL_COUNT = Number(process.env.ATOLYE_BENCH_SCROLL_ITEMS ?? 2000);
const SCROLL_SPEED_PX_S = 2500;

async function listImages(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string) => {
    for (const e of await fs.readdir(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else if (/\.(jpe?g|png)$/i.test(e.name)) out.push(p);
    }
  };
  await walk(dir);
  return out.sort();
}

async function rpc<T>(server: ServerProcess, method: string, input: unknown): Promise<T> {
  const res = await fetch(new URL(`/api/rpc/${method}`, server.url), {
    method: 'POST',
    headers: { Authorization: `Bearer ${server.token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(input),
  });
  const body = (await res.json()) as T;
  if (!res.ok) throw new Error(`${method}: ${JSON.stringify(body)}`);
  return body;
}

interface Progress {
  importId: string;
  projectId: string;
  state: string;
  imported: number;
}

/** Engine-side import from paths; resolves with the seconds from import.start to done. */
async function importByPaths(server: ServerProcess, folder: string): Promise<{ seconds: number; progress: Progress }> {
  const started = performance.now();
  let progress = await rpc<Progress>(server, 'import.start', { paths: [folder] });
  while (progress.state === 'scanning' || progress.state === 'running') {
    await new Promise((r) => setTimeout(r, 50));
    progress = await rpc<Progress>(server, 'import.get', { importId: progress.importId });
  }
  return { seconds: (performance.now() - started) / 1000, progress };
}

async function copyInto(folder: string, files: readonly string[]): Promise<void> {
  await fs.mkdir(folder, { recursive: true });
  await Promise.all(files.map((f, i) => fs.copyFile(f, path.join(folder, `${String(i).padStart(5, '0')}-${path.basename(f)}`))));
}

function stats(deltas: number[]) {
  const sorted = [...deltas].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  const round = (x: number) => Math.round(x * 10) / 10;
  return {
    frames: deltas.length,
    mean_ms: round(deltas.reduce((a, b) => a + b, 0) / Math.max(1, deltas.length)),
    p50_ms: round(at(0.5)),
    p95_ms: round(at(0.95)),
    p99_ms: round(at(0.99)),
    max_ms: round(sorted[sorted.length - 1] ?? 0),
    // Longer than 1.5 frames at 60 Hz: a frame the eye can miss.
    over_25ms: deltas.filter((d) => d > 25).length,
    over_50ms: deltas.filter((d) => d > 50).length,
  };
}

/** Frame times while the page does nothing (the peer for the scroll). */
function idleFrames(page: Page, ms: number): Promise<number[]> {
  return page.evaluate(
    (duration) =>
      new Promise<number[]>((resolve) => {
        const deltas: number[] = [];
        let last = 0;
        let start = 0;
        const tick = (t: number) => {
          if (last) deltas.push(t - last);
          else start = t;
          last = t;
          if (t - start < duration) requestAnimationFrame(tick);
          else resolve(deltas);
        };
        requestAnimationFrame(tick);
      }),
    ms,
  );
}

test.describe.configure({ mode: 'serial' });

test('UI figures: drop → 500 thumbnails, and scrolling a 2,000-image project', async ({ browser }, testInfo) => {
  test.skip(!existsSync(GROCERY), `the grocery-store dataset is not at ${GROCERY} (set ATOLYE_GROCERY_DIR): no UI figures`);
  test.setTimeout(30 * 60_000);
  assertChromium();
  const all = await listImages(GROCERY);
  test.skip(all.length < Math.max(DROP_COUNT, SCROLL_COUNT), `the grocery-store dataset has ${all.length} images, fewer than needed`);

  const work = await fs.mkdtemp(path.join(os.tmpdir(), 'atolye-bench-ui-'));
  const servers: ServerProcess[] = [];
  const log = (line: string) => console.log(`[bench:ui] ${line}`);
  try {
    const dropFolder = path.join(work, 'files', `Grocery ${DROP_COUNT}`);
    await copyInto(dropFolder, all.slice(0, DROP_COUNT));

    // Peer: the engine alone, from paths, on a fresh library; run before and after the UI
    // run so a neighbour's load on the machine shows up in both.
    const enginePeer = async (n: number) => {
      const peerServer = await startServerProcess(path.join(work, `peer-data-${n}`));
      servers.push(peerServer);
      const result = await importByPaths(peerServer, dropFolder);
      expect(result.progress.imported).toBe(DROP_COUNT);
      await peerServer.stop();
      log(`engine alone (${n}): ${DROP_COUNT} images from paths in ${result.seconds.toFixed(2)} s`);
      return result.seconds;
    };
    const peerBefore = await enginePeer(1);

    // The UI on another fresh library.
    const server = await startServerProcess(path.join(work, 'ui-data'));
    servers.push(server);
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    await signIn(page, server.loginUrl);
    await page.evaluate(() => {
      const w = window as unknown as { __bench: { drop: number; firstThumb: number; states: Record<string, number> } };
      w.__bench = { drop: 0, firstThumb: 0, states: {} };
      window.addEventListener('drop', () => (w.__bench.drop = performance.now()), true);
      document.addEventListener(
        'load',
        (e) => {
          const el = e.target as HTMLElement;
          if (el.dataset?.testid === 'asset-thumb' && !w.__bench.firstThumb) w.__bench.firstThumb = performance.now();
        },
        true,
      );
      new MutationObserver(() => {
        const job = document.querySelector<HTMLElement>('[data-testid="import-job"]');
        const state = job?.dataset.state;
        if (state && !(state in w.__bench.states)) w.__bench.states[state] = performance.now();
        const total = Number(job?.dataset.totalFiles ?? 0);
        if (total > 0 && Number(job?.dataset.uploadedFiles) === total && !w.__bench.states.uploaded) w.__bench.states.uploaded = performance.now();
      }).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-state', 'data-uploaded-files'] });
    });

    await dropPaths(page, [dropFolder]);
    // Done, all 500 in the grid, and every thumbnail on screen decoded: checked every frame in the page.
    const shown = await page.evaluate(
      (count) =>
        new Promise<number>((resolve, reject) => {
          const timeout = setTimeout(() => reject(new Error('500 thumbnails did not show within 10 minutes')), 600_000);
          const check = () => {
            const job = document.querySelector<HTMLElement>('[data-testid="import-job"]');
            const grid = document.querySelector<HTMLElement>('[data-testid="asset-grid"]');
            const imgs = [...document.querySelectorAll<HTMLImageElement>('[data-testid="asset-thumb"]')];
            const ready =
              job?.dataset.state === 'done' &&
              grid?.dataset.total === String(count) &&
              imgs.length > 0 &&
              imgs.every((img) => img.complete && img.naturalWidth > 0);
            if (ready) {
              clearTimeout(timeout);
              resolve(performance.now());
            } else requestAnimationFrame(check);
          };
          check();
        }),
      DROP_COUNT,
    );
    const marks = await page.evaluate(() => (window as unknown as { __bench: { drop: number; firstThumb: number; states: Record<string, number> } }).__bench);
    const since = (t: number | undefined) => (t ? (t - marks.drop) / 1000 : null);
    const dropToAll = (shown - marks.drop) / 1000;
    const batches = Number(await page.getByTestId('import-job').first().getAttribute('data-engine-imports'));
    const uploadDone = marks.states.uploaded;
    const peerAfter = await enginePeer(2);
    const peerSeconds = (peerBefore + peerAfter) / 2;

    // Every one of the 500 is reachable: scroll through, a screen at a time, until each has been decoded once.
    const seen = await page.evaluate(async () => {
      const grid = document.querySelector<HTMLElement>('[data-testid="asset-grid"]')!;
      const decoded = new Set<string>();
      const started = performance.now();
      for (;;) {
        await new Promise((r) => setTimeout(r, 50));
        const imgs = [...grid.querySelectorAll<HTMLImageElement>('[data-testid="asset-thumb"]')];
        await Promise.all(imgs.map((img) => (img.complete ? null : img.decode().catch(() => null))));
        for (const img of imgs) if (img.naturalWidth > 0) decoded.add(img.src);
        if (grid.scrollTop + grid.clientHeight >= grid.scrollHeight - 1) break;
        grid.scrollTop += grid.clientHeight;
      }
      return { decoded: decoded.size, seconds: (performance.now() - started) / 1000 };
    });
    log(`import job states, s after the drop: ${Object.entries(marks.states).map(([k, v]) => `${k} ${since(v)?.toFixed(2)}`).join(', ')}`);
    log(`drop → first thumbnail: ${since(marks.firstThumb)?.toFixed(2)} s`);
    log(`drop → all files uploaded: ${since(uploadDone)?.toFixed(2)} s; import done: ${since(marks.states.done)?.toFixed(2)} s (${batches} engine imports)`);
    log(`drop → all ${DROP_COUNT} in the grid, visible ones decoded: ${dropToAll.toFixed(2)} s (engine alone, mean of the two: ${peerSeconds.toFixed(2)} s, ratio ${(dropToAll / peerSeconds).toFixed(2)})`);
    log(`scroll-through: ${seen.decoded} distinct thumbnails decoded in ${seen.seconds.toFixed(2)} s`);

    const result: Record<string, unknown> = {
      bench: 'ui',
      images: DROP_COUNT,
      drop_to_all_thumbnails_s: Number(dropToAll.toFixed(2)),
      drop_to_first_thumbnail_s: Number((since(marks.firstThumb) ?? 0).toFixed(2)),
      uploads_done_s: Number((since(uploadDone) ?? 0).toFixed(2)),
      engine_imports: batches,
      engine_alone_s: Number(peerSeconds.toFixed(2)),
      ratio: Number((dropToAll / peerSeconds).toFixed(2)),
    };
    // ATOLYE_BENCH_SCROLL_ITEMS=0 measures the drop only.
    if (SCROLL_COUNT > 0) Object.assign(result, await measureScroll(page, server, work, all, log));
    await testInfo.attach('bench-ui.json', { body: JSON.stringify(result, null, 2), contentType: 'application/json' });
    console.log(JSON.stringify(result));
    await context.close();
  } finally {
    for (const s of servers) await s.stop();
    await fs.rm(work, { recursive: true, force: true });
  }
});

/** Scroll smoothness on a bigger project, imported engine-side (the import is not what is measured here). */
async function measureScroll(page: Page, server: ServerProcess, work: string, all: readonly string[], log: (line: string) => void) {
  const scrollFolder = path.join(work, 'files', `Grocery ${SCROLL_COUNT}`);
  await copyInto(scrollFolder, all.slice(0, SCROLL_COUNT));
  const big = await importByPaths(server, scrollFolder);
  log(`(setup) ${big.progress.imported} images imported engine-side in ${big.seconds.toFixed(1)} s`);
  await page.goto(new URL(`/#/gallery/${big.progress.projectId}`, server.url).href);
  await expect(page.getByTestId('asset-grid')).toHaveAttribute('data-total', String(big.progress.imported));
  await expect
    .poll(() => page.evaluate(() => [...document.querySelectorAll<HTMLImageElement>('[data-testid="asset-thumb"]')].every((i) => i.complete)))
    .toBe(true);

  const idle = stats(await idleFrames(page, 3000));
  const scroll = await page.evaluate(async (speed) => {
    const grid = document.querySelector<HTMLElement>('[data-testid="asset-grid"]')!;
    grid.scrollTop = 0;
    let maxCells = 0;
    let longTasks = 0;
    let longTaskMs = 0;
    const observer = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        longTasks++;
        longTaskMs += e.duration;
      }
    });
    try {
      observer.observe({ type: 'longtask', buffered: false });
    } catch {
      /* no Long Tasks API: counts stay 0 */
    }
    const deltas = await new Promise<number[]>((resolve) => {
      const out: number[] = [];
      let last = 0;
      const tick = (t: number) => {
        if (last) {
          out.push(t - last);
          grid.scrollTop += (speed * (t - last)) / 1000;
        }
        last = t;
        maxCells = Math.max(maxCells, grid.querySelectorAll('.asset-cell').length);
        if (grid.scrollTop + grid.clientHeight >= grid.scrollHeight - 1) resolve(out);
        else requestAnimationFrame(tick);
      };
      requestAnimationFrame(tick);
    });
    observer.disconnect();
    return { deltas, maxCells, longTasks, longTaskMs, height: grid.scrollHeight };
  }, SCROLL_SPEED_PX_S);
  const scrollStats = stats(scroll.deltas);
  log(`idle frames (peer): ${JSON.stringify(idle)}`);
  log(`scroll ${big.progress.imported} images, ${scroll.height} px at ${SCROLL_SPEED_PX_S} px/s: ${JSON.stringify(scrollStats)}`);
  log(`at most ${scroll.maxCells} cells in the DOM during the scroll; long tasks: ${scroll.longTasks} (${Math.round(scroll.longTaskMs)} ms)`);
  // The bottom is reached with its thumbnails: the last page was fetched and decoded.
  await expect
    .poll(() => page.evaluate(() => [...document.querySelectorAll<HTMLImageElement>('[data-testid="asset-thumb"]')].filter((i) => i.complete && i.naturalWidth > 0).length))
    .toBeGreaterThan(0);

  return {
    scroll_items: big.progress.imported,
    scroll_p95_ms: scrollStats.p95_ms,
    scroll_p99_ms: scrollStats.p99_ms,
    scroll_max_ms: scrollStats.max_ms,
    scroll_frames: scrollStats.frames,
    scroll_frames_over_25ms: scrollStats.over_25ms,
    scroll_frames_over_50ms: scrollStats.over_50ms,
    idle_p95_ms: idle.p95_ms,
    scroll_p95_ratio: Number((scrollStats.p95_ms / Math.max(idle.p95_ms, 0.1)).toFixed(2)),
    max_cells_in_dom: scroll.maxCells,
  };
}
