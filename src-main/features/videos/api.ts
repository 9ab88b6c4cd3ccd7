import path from 'node:path';
import { ContractError, VideoAddInput, type VideoAddResult } from '../../../src-shared/contract/index.js';
import type { FeatureFact } from '../../engine/feature.js';
import type { Queue } from '../../engine/queue/queue.js';
import type { UploadStaging } from '../../engine/uploads.js';
import type { FfmpegLocator } from './ffmpeg-locator.js';
import { metadataJob } from './jobs/metadata-job.js';
import type { MetadataService } from './metadata/metadata-service.js';
import type { VideoProcessing } from './processing.js';
import { barcodeFromName, expandVideoPaths } from './video-files.js';
import type { VideoLibrary } from './video-library.js';
import type { WatchService } from './watch-service.js';

/** The videos feature's API (other features reach it through public.ts). */
export interface VideosApi {
  library: VideoLibrary;
  processing: VideoProcessing;
  watch: WatchService;
  metadata: MetadataService;
  ffmpeg: FfmpegLocator;
  /** Adds files, folders or uploads; each file's product comes from its barcode, the call's, or its name. */
  add(input: VideoAddInput): Promise<VideoAddResult>;
  /** Queues filling products' empty fields from their frames (refused: no key, no frames). */
  fillMetadata(productIds: readonly string[]): { queued: number; refused: { id: string; reason: string }[] };
  /** Lines for `atolye info` and engine.info. */
  info(): Promise<FeatureFact[]>;
}

export function videosApi(parts: Omit<VideosApi, 'add' | 'info' | 'fillMetadata'>, uploads: UploadStaging, queue: Queue): VideosApi {
  const { library, processing, ffmpeg, metadata } = parts;
  return {
    ...parts,
    async add(raw) {
      const input = VideoAddInput.parse(raw);
      const result: VideoAddResult = { videos: [], existing: 0, needBarcode: [], refused: [], batchId: null };
      for (const entry of input.files) {
        let files: { file: string; name: string; originalPath: string | null }[];
        if (entry.uploadId) {
          const name = entry.name ?? 'upload';
          if (!(await uploads.exists(entry.uploadId))) {
            result.refused.push({ name, code: 'not_found', reason: `no upload ${entry.uploadId} (it was already used, or the engine restarted)` });
            continue;
          }
          files = [{ file: uploads.pathOf(entry.uploadId), name: path.basename(name), originalPath: null }];
        } else {
          const given = path.resolve(entry.path!);
          try {
            const found = await expandVideoPaths(given);
            if (found.length === 0) throw new ContractError('invalid_input', `${given} holds no video files`);
            files = found.map((f) => ({ file: f, name: found.length === 1 && entry.name ? entry.name : path.basename(f), originalPath: f }));
          } catch (err) {
            const reason = err instanceof ContractError ? err.message : `${given} cannot be opened: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`;
            result.refused.push({ name: entry.name ?? path.basename(given), code: err instanceof ContractError ? err.code : 'not_found', reason });
            continue;
          }
        }
        let added = 0;
        for (const f of files) {
          const barcode = entry.barcode ?? input.barcode ?? barcodeFromName(f.name);
          try {
            const r = await library.addFile(f.file, { name: f.name, barcode, origin: 'added', originalPath: f.originalPath });
            result.videos.push(r.video);
            added++;
            if (r.existing) result.existing++;
            if (!r.video.productId) result.needBarcode.push(r.video.id);
          } catch (err) {
            if (!(err instanceof ContractError)) throw err;
            result.refused.push({ name: f.name, code: err.code, reason: err.message });
          }
        }
        if (entry.uploadId && added) await uploads.discard([entry.uploadId]);
      }
      if (input.process) {
        const ids = result.videos.filter((v) => v.productId && v.state !== 'queued' && v.state !== 'processing').map((v) => v.id);
        if (ids.length) {
          const queued = processing.process(ids);
          result.batchId = queued.batchId;
          for (const r of queued.refused) result.refused.push({ name: result.videos.find((v) => v.id === r.id)?.originalName ?? r.id, code: r.code, reason: r.reason });
          result.videos = result.videos.map((v) => (ids.includes(v.id) ? library.get(v.id) : v));
        }
      }
      return result;
    },
    fillMetadata(productIds) {
      const refused: { id: string; reason: string }[] = [];
      let queued = 0;
      for (const id of new Set(productIds)) {
        const reason = metadata.refusal(id);
        if (reason) refused.push({ id, reason });
        else {
          queue.enqueue(metadataJob, { productId: id }, { dedupeKey: null });
          queued++;
        }
      }
      return { queued, refused };
    },
    async info() {
      const s = await ffmpeg.status();
      return [{ label: 'ffmpeg', value: s.available ? `${s.version} (${s.source}: ${s.path})` : `not found: ${s.error}` }];
    },
  };
}
