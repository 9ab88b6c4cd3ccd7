/**
 * Metadata from frames: the user's API keys (sealed, never sent back out), the API
 * settings, and the two halves of the `videos.metadata` job: asking the model about a
 * product's best frames (keys used in turn; a key that answers 429 rests until its retry
 * time; answers cached by frames and prompt) and filling the product's empty fields.
 */
import { createHash } from 'node:crypto';
import sharp from 'sharp';
import { ContractError, MetadataSettings, type MetadataStatus } from '../../../../src-shared/contract/index.js';
import type { Db } from '../../../engine/db/database.js';
import { newId } from '../../../engine/ids.js';
import { PermanentError, RateLimitedError, TransientError } from '../../../engine/queue/errors.js';
import type { CommitContext, JobContext } from '../../../engine/queue/types.js';
import type { ProductCatalog } from '../../products/public.js';
import type { MetadataStage } from '../jobs/metadata-job.js';
import type { SettingsStore } from '../settings-store.js';
import { emptyFieldPatch, fieldsFromAnswer, hasEmptyFillable, METADATA_PROMPT, type MetadataAnswer } from './answer.js';
import { generateContent, type InlineImage } from './gemini.js';
import type { SecretBox } from './secret-box.js';

export const DEFAULT_METADATA_SETTINGS: MetadataSettings = {
  endpoint: 'https://generativelanguage.googleapis.com',
  model: 'gemini-2.0-flash',
  auto: true,
};

/** Frames sent per product: the primary and the next best; more cost tokens and add little. */
const FRAMES_PER_ASK = 3;
/** Longest side of a frame sent to the model (its vision encoder tiles at about this size). */
const SEND_MAX_SIDE = 1024;

interface KeyRow {
  id: string;
  label: string;
  sealed: Buffer;
  hint: string;
  cooldown_until: number | null;
  last_used_at: number | null;
  created_at: number;
}

export class MetadataService {
  constructor(
    private readonly db: Db,
    private readonly catalog: ProductCatalog,
    private readonly settingsStore: SettingsStore,
    /** null: no place to keep keys (boxProblem says why). */
    private readonly box: SecretBox | null,
    private readonly boxProblem: () => string | null,
  ) {}

  settings(): MetadataSettings {
    return this.settingsStore.get('metadata', MetadataSettings, DEFAULT_METADATA_SETTINGS);
  }

  status(): MetadataStatus {
    const problem = this.box ? this.boxProblem() : 'no place to keep API keys';
    const keys = this.keyRows().map((k) => ({
      id: k.id,
      label: k.label,
      hint: k.hint,
      createdAt: k.created_at,
      lastUsedAt: k.last_used_at,
      coolingUntil: k.cooldown_until !== null && k.cooldown_until > Date.now() ? k.cooldown_until : null,
    }));
    return { ...this.settings(), keys, storage: this.box && !problem ? this.box.kind : 'unavailable', storageNote: problem };
  }

  setSettings(patch: Partial<MetadataSettings>): MetadataStatus {
    this.settingsStore.set('metadata', MetadataSettings.parse({ ...this.settings(), ...patch }));
    return this.status();
  }

  addKey(label: string, key: string): MetadataStatus {
    const box = this.requireBox();
    const sealed = box.seal(key.trim());
    this.db
      .prepare('INSERT INTO video_metadata_keys (id, label, sealed, hint, created_at) VALUES (?, ?, ?, ?, ?)')
      .run(newId(), label.trim(), sealed, `…${key.trim().slice(-4)}`, Date.now());
    return this.status();
  }

  removeKey(id: string): MetadataStatus {
    if (this.db.prepare('DELETE FROM video_metadata_keys WHERE id = ?').run(id).changes === 0) throw new ContractError('not_found', `no API key ${id}`);
    return this.status();
  }

  /** Whether asking can work at all: a key is stored and can be opened. */
  ready(): boolean {
    return this.box !== null && this.boxProblem() === null && this.keyRows().length > 0;
  }

  /** After a video is processed: worth asking about this product (auto on, keys, empty fields)? */
  wantsAuto(productId: string): boolean {
    if (!this.settings().auto || !this.ready()) return false;
    const product = this.catalog.many([productId])[0];
    return product !== undefined && hasEmptyFillable(product);
  }

  /** Why a product cannot be asked about now, or null. */
  refusal(productId: string): string | null {
    if (!this.ready()) return 'no usable API key is stored (add one in Settings → Videos)';
    const product = this.catalog.many([productId])[0];
    if (!product) return 'no such product';
    if (product.counts.synthetic === 0) return 'the product has no video frames yet';
    return null;
  }

  // ------------------------------------------------------------ the job's two halves

  async ask(productId: string, ctx: JobContext<unknown, MetadataStage>): Promise<MetadataAnswer> {
    ctx.progress('reading frames');
    const frames = this.bestFrames(productId);
    if (frames.length === 0) throw new PermanentError('the product has no video frames to read', { code: 'no_frames' });
    const settings = this.settings();
    const framesHash = sha256(frames.map((f) => f.sha256).join('\n'));
    const promptHash = sha256(`${settings.model}\n${METADATA_PROMPT}`);
    const cached = this.db.prepare('SELECT answer FROM video_metadata_cache WHERE frames_hash = ? AND prompt_hash = ?').pluck().get(framesHash, promptHash) as string | undefined;
    if (cached !== undefined) return { fields: fieldsFromAnswer(cached), text: cached, framesHash, promptHash, cached: true };

    const images: InlineImage[] = [];
    for (const f of frames) {
      // libvips resizes and encodes; the event loop only waits.
      const data = await sharp(this.catalog.imagePath(f.id)).resize(SEND_MAX_SIDE, SEND_MAX_SIDE, { fit: 'inside', withoutEnlargement: true }).jpeg({ quality: 85 }).toBuffer();
      images.push({ mimeType: 'image/jpeg', data });
    }
    ctx.progress('asking the model');
    const text = await this.askWithKeys({ endpoint: settings.endpoint, model: settings.model, prompt: METADATA_PROMPT, images, signal: ctx.signal });
    let fields;
    try {
      fields = fieldsFromAnswer(text);
    } catch (err) {
      throw new PermanentError(`the model's answer is not usable: ${(err as Error).message}`, { code: 'metadata_unusable' });
    }
    return { fields, text, framesHash, promptHash, cached: false };
  }

  apply(_ctx: CommitContext<unknown>, productId: string, answer: MetadataAnswer): void {
    if (!answer.cached) {
      this.db
        .prepare('INSERT OR REPLACE INTO video_metadata_cache (frames_hash, prompt_hash, answer, created_at) VALUES (?, ?, ?, ?)')
        .run(answer.framesHash, answer.promptHash, answer.text, Date.now());
    }
    const product = this.catalog.many([productId])[0];
    if (!product) return;
    const patch = emptyFieldPatch(product, answer.fields);
    if (Object.keys(patch).length) this.catalog.update(productId, product.version, patch);
  }

  // ------------------------------------------------------------ internals

  private requireBox(): SecretBox {
    const problem = this.box ? this.boxProblem() : 'no place to keep API keys in this mode';
    if (!this.box || problem) throw new ContractError('unavailable', `API keys cannot be stored: ${problem}`);
    return this.box;
  }

  private keyRows(): KeyRow[] {
    return this.db.prepare('SELECT * FROM video_metadata_keys ORDER BY COALESCE(last_used_at, 0), created_at').all() as KeyRow[];
  }

  /**
   * Tries the keys, least recently used first, skipping those resting after a 429. A 429
   * rests that key and moves on to the next; when every key is resting the job is put back
   * until the first one may be used again (no attempt spent).
   */
  private async askWithKeys(req: Parameters<typeof generateContent>[1]): Promise<string> {
    const box = this.requireBox();
    const now = Date.now();
    const keys = this.keyRows();
    if (keys.length === 0) throw new PermanentError('no API key is stored', { code: 'metadata_no_key' });
    const refused: string[] = [];
    const touch = this.db.prepare('UPDATE video_metadata_keys SET last_used_at = ?, cooldown_until = ? WHERE id = ?');
    for (const key of keys) {
      if (key.cooldown_until !== null && key.cooldown_until > now) continue;
      const outcome = await generateContent(box.open(key.sealed), req);
      if (outcome.kind === 'ok') {
        touch.run(Date.now(), null, key.id);
        return outcome.text;
      }
      if (outcome.kind === 'rate_limited') {
        touch.run(Date.now(), outcome.retryAt, key.id);
        continue;
      }
      touch.run(Date.now(), null, key.id);
      if (outcome.kind === 'key_refused') {
        refused.push(`${key.label}: ${outcome.message}`);
        continue;
      }
      if (outcome.kind === 'transient') throw new TransientError(outcome.message, { code: 'metadata_unreachable' });
      throw new PermanentError(outcome.message, { code: 'metadata_failed' });
    }
    const resting = this.keyRows().filter((k) => k.cooldown_until !== null && k.cooldown_until > Date.now());
    if (resting.length) {
      const retryAt = Math.min(...resting.map((k) => k.cooldown_until!));
      throw new RateLimitedError(`every API key is rate-limited; trying again at ${new Date(retryAt).toISOString()}`, retryAt);
    }
    throw new PermanentError(`the API refused every key (${refused.join('; ')})`, { code: 'metadata_key_refused' });
  }

  /** The primary image when it is a video frame, then the other frames marked ok, best primary score first. */
  private bestFrames(productId: string): { id: string; sha256: string }[] {
    const product = this.catalog.many([productId])[0];
    if (!product) return [];
    const items = this.catalog.images(productId, 'synthetic', 0, 1000).items.filter((i) => i.source.kind === 'video');
    const scored = items.map((i) => {
      const full = this.catalog.image(i.id);
      const score = typeof full.meta.primaryScore === 'number' ? full.meta.primaryScore : 0;
      return { id: i.id, sha256: full.sha256, score: i.id === product.primaryImageId ? Infinity : i.review === 'ok' ? score : -1 + score };
    });
    return scored.sort((a, b) => b.score - a.score).slice(0, FRAMES_PER_ASK);
  }
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
