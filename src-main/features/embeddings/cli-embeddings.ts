import { createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { once } from 'node:events';
import { parseArgs } from 'node:util';
import { DEFAULT_EMBEDDER_ID } from '../../../src-shared/contract/index.js';
import { waitForJob, type CliCommand, type CliContext } from '../../engine/cli-command.js';
import type { EngineFeature } from '../../engine/feature.js';
import { libraryFeature } from '../library/public.js';
import type { EmbeddingsApi } from './api.js';

const IMAGE_EXTENSIONS = new Set(['.jpg', '.jpeg', '.png', '.webp', '.tif', '.tiff', '.avif', '.gif', '.bmp']);

const embedUsage = `atolye embed <folder|files…> --out FILE.jsonl [--model ID]

Embeds image files (nothing is imported into the library) and writes one JSON line per
image: {"file": <path relative to the given folder, or as given>, "vector": [...]}.
Vectors are unit length (cosine similarity = dot product). Files that cannot be
embedded are listed on stderr with the reason; the exit code is then 1.

Options:
  --out FILE     where the JSON lines go (written whole, then renamed into place)
  --model ID     embedder (default ${DEFAULT_EMBEDDER_ID}; see atolye info)
  -h, --help     show this help`;

const similarUsage = `atolye similar <image> --in <project> [-k 10]

The images of a project most similar to an image file (cosine similarity of the
default embedder's vectors, best first). Embeds what the project's index lacks first.

Options:
  --in PROJECT   project name or id
  -k N           how many (default 10)
  --model ID     embedder (default ${DEFAULT_EMBEDDER_ID})
  --json         machine-readable output
  -h, --help     show this help`;

const duplicatesUsage = `atolye duplicates <project> [--similarity 0.95] [--hash-distance 8] [--json]

Groups of near-identical images in a project: the same picture re-encoded or resized
(difference hashes within a few bits) or cropped and edited (embeddings at least this
similar). The first of each group is the one to keep (most pixels); nothing is deleted.

Options:
  --similarity S      cosine similarity that links two images (default 0.95)
  --hash-distance N   dHash bits that link two images (default 8)
  --json              machine-readable output
  -h, --help          show this help`;

interface Target {
  file: string;
  /** What the JSON line names it. */
  name: string;
}

async function collect(args: string[], err: CliContext['err']): Promise<{ targets: Target[]; skipped: number }> {
  const targets: Target[] = [];
  let skipped = 0;
  for (const arg of args) {
    const stat = await fs.stat(arg).catch((e: NodeJS.ErrnoException) => e);
    if (stat instanceof Error) {
      err(`skipped ${arg}: ${stat.code === 'ENOENT' ? 'no such file or folder' : stat.message}`);
      skipped++;
    } else if (stat.isDirectory()) {
      for (const entry of (await fs.readdir(arg, { recursive: true, withFileTypes: true })).sort((a, b) => path.join(a.parentPath, a.name).localeCompare(path.join(b.parentPath, b.name)))) {
        if (!entry.isFile()) continue;
        const file = path.join(entry.parentPath, entry.name);
        const rel = path.relative(arg, file).split(path.sep).join('/');
        if (!IMAGE_EXTENSIONS.has(path.extname(entry.name).toLowerCase())) {
          err(`skipped ${rel}: not an image file (${path.extname(entry.name) || 'no extension'})`);
          skipped++;
        } else targets.push({ file, name: rel });
      }
    } else targets.push({ file: arg, name: arg });
  }
  return { targets, skipped };
}

export const embeddingsCommands = (feature: EngineFeature<EmbeddingsApi>): CliCommand[] => [
  {
    name: 'embed',
    summary: 'Embed image files into a JSON-lines file of vectors',
    usage: embedUsage,
    needsTheLibrary: 'it embeds files that are not in the library, and the app takes no such call (yet)',
    async run(args, ctx) {
      const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { out: { type: 'string' }, model: { type: 'string' } } });
      if (!values.out || positionals.length === 0) {
        ctx.err('atolye embed: give files or a folder, and --out FILE.jsonl');
        return 2;
      }
      // The library first: held by the app, it is refused before any file is looked at.
      const api = (await ctx.engine({ runJobs: false })).use(feature);
      const { targets, skipped } = await collect(positionals, ctx.err);
      const model = values.model ?? DEFAULT_EMBEDDER_ID;
      const results = await api.embedFiles(model, targets.map((t) => t.file));
      const out = path.resolve(values.out);
      const temp = `${out}.${process.pid}.tmp`;
      const stream = createWriteStream(temp);
      let written = 0;
      let failed = 0;
      for (let i = 0; i < targets.length; i++) {
        const r = results[i]!;
        if ('error' in r) {
          ctx.err(`skipped ${targets[i]!.name}: ${r.error}`);
          failed++;
          continue;
        }
        if (!stream.write(`${JSON.stringify({ file: targets[i]!.name, vector: Array.from(r.vector) })}\n`)) await once(stream, 'drain');
        written++;
      }
      stream.end();
      await once(stream, 'finish');
      await fs.rename(temp, out);
      ctx.out(`${written} image${written === 1 ? '' : 's'} embedded with ${model} into ${values.out}${skipped + failed ? `; ${skipped + failed} skipped` : ''}`);
      return skipped + failed ? 1 : 0;
    },
  },
  {
    name: 'similar',
    summary: "A project's images most similar to an image file",
    usage: similarUsage,
    needsTheLibrary: 'its query is an image file outside the library, which the app takes no call to embed (yet)',
    async run(args, ctx) {
      const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { in: { type: 'string' }, k: { type: 'string', short: 'k' }, model: { type: 'string' }, json: { type: 'boolean' } } });
      const k = values.k === undefined ? 10 : Number(values.k);
      if (positionals.length !== 1 || !values.in || !Number.isInteger(k) || k < 1 || k > 1000) {
        ctx.err('atolye similar: give one image, --in PROJECT and optionally -k N (1–1000)');
        return 2;
      }
      const engine = await ctx.engine();
      const library = engine.use(libraryFeature);
      const api = engine.use(feature);
      const project = library.listProjects().find((p) => p.id === values.in || p.name === values.in);
      if (!project) {
        ctx.err(`atolye similar: no project named ${values.in}`);
        return 1;
      }
      const model = values.model ?? DEFAULT_EMBEDDER_ID;
      const [query] = await api.embedFiles(model, [positionals[0]!]);
      if (!query || 'error' in query) {
        ctx.err(`atolye similar: ${positionals[0]}: ${query && 'error' in query ? query.error : 'not embedded'}`);
        return 1;
      }
      const started = api.extraction.extract({ scope: { kind: 'project', projectId: project.id }, modelId: model });
      const job = await engine.queue.waitFor(started.jobId);
      if (job.state !== 'completed') {
        ctx.err(`atolye similar: indexing ${project.name} ${job.state}${job.error ? `: ${job.error}` : ''}`);
        return 1;
      }
      const failed = api.extraction.failures(started.index.id);
      for (const f of failed) ctx.err(`not indexed ${library.getAsset(f.id).relPath}: ${f.message}`);
      const hits = await api.search(started.index.id, query.vector, k);
      const rows = hits.map((h) => ({ ...h, file: library.getAsset(h.id).relPath }));
      if (values.json) ctx.out(JSON.stringify(rows, null, 2));
      else for (const r of rows) ctx.out(`${r.score.toFixed(3)}  ${r.file}  ${r.id}`);
      return 0;
    },
  },
  {
    name: 'duplicates',
    summary: 'Groups of near-identical images in a project',
    usage: duplicatesUsage,
    async run(args, ctx) {
      const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { similarity: { type: 'string' }, 'hash-distance': { type: 'string' }, json: { type: 'boolean' } } });
      const similarity = values.similarity === undefined ? undefined : Number(values.similarity);
      const hashDistance = values['hash-distance'] === undefined ? undefined : Number(values['hash-distance']);
      if (positionals.length !== 1 || (similarity !== undefined && !(similarity >= 0.5 && similarity <= 1)) || (hashDistance !== undefined && !(Number.isInteger(hashDistance) && hashDistance >= 0 && hashDistance <= 32))) {
        ctx.err('atolye duplicates: give one project; --similarity between 0.5 and 1, --hash-distance 0–32');
        return 2;
      }
      // Through the contract (ctx.backend), so it also works beside the running app (which then builds the index).
      const backend = await ctx.backend();
      const project = (await backend.call('projects.list', {})).find((p) => p.id === positionals[0] || p.name === positionals[0]);
      if (!project) {
        ctx.err(`atolye duplicates: no project named ${positionals[0]}`);
        return 1;
      }
      const ask = () => backend.call('embeddings.duplicates', { projectId: project.id, ...(similarity !== undefined ? { similarity } : {}), ...(hashDistance !== undefined ? { hashDistance } : {}) });
      let answer = await ask();
      if (answer.jobId) {
        const job = await waitForJob(backend, answer.jobId);
        if (job.state !== 'completed') {
          ctx.err(`atolye duplicates: indexing ${project.name} ${job.state}${job.error ? `: ${job.error}` : ''}`);
          return 1;
        }
        answer = await ask();
      }
      if (values.json) {
        ctx.out(JSON.stringify(answer.groups, null, 2));
        return 0;
      }
      if (answer.groups.length === 0) ctx.out(`No near-duplicates in ${project.name}.`);
      for (const g of answer.groups) {
        ctx.out(`keep ${g.keep.fileName} (${g.keep.width}×${g.keep.height})`);
        for (const o of g.others) ctx.out(`  ${o.fileName} (${o.width}×${o.height})  similarity ${o.similarity?.toFixed(3) ?? '—'}  hash distance ${o.hashDistance ?? '—'}`);
      }
      return 0;
    },
  },
];
