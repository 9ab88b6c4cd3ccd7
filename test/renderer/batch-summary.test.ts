/**
 * One truth for a batch's state: the Queue page's row (the queue's batch plus the
 * presenter's needs-review count) and the project banner (the run the engine derives
 * from that batch) summarize through the same function and must say the same.
 */
import { createInstance, type TFunction } from 'i18next';
import { describe, expect, it } from 'vitest';
import type { Batch, RemoveBackgroundRun } from '../../src-shared/contract/index.js';
import { summarizeBatch, summaryText } from '../../src-renderer/app/batch-summary.js';
import { mergeMessages } from '../../src-renderer/app/registry.js';
import { features } from '../../src-renderer/features/index.js';
import { runAsBatch } from '../../src-renderer/features/remove-background/run-batch.js';
import { en } from '../../src-renderer/i18n/en.js';
import { tr } from '../../src-renderer/i18n/tr.js';

const messages = mergeMessages({ en, tr }, features);

async function tFor(lng: 'en' | 'tr'): Promise<TFunction> {
  const i18n = createInstance();
  await i18n.init({ lng, resources: { en: { translation: messages.en }, tr: { translation: messages.tr } }, fallbackLng: 'en', interpolation: { escapeValue: false } });
  return i18n.t;
}

const ID = '01a22e0f-6a60-7275-9cb7-e8ee9fad9888';

function batch(over: Partial<Batch>): Batch {
  return { id: ID, type: 'remove-background', label: null, projectId: ID, state: 'running', total: 4, completed: 0, failed: 0, cancelled: 0, paused: false, createdAt: 1, updatedAt: 1, finishedAt: null, ...over };
}

function run(over: Partial<RemoveBackgroundRun>): RemoveBackgroundRun {
  return {
    runId: ID,
    projectId: ID,
    modelId: 'birefnet-lite',
    options: { preset: 'cutout' } as RemoveBackgroundRun['options'],
    state: 'running',
    total: 4,
    done: 0,
    reused: 0,
    needsReview: 0,
    failed: 0,
    provider: 'cpu',
    error: null,
    errorCode: null,
    ...over,
  };
}

describe('batch summary', () => {
  it('a finished batch with results that need review is "needs review", not "completed", and counts them apart', async () => {
    const t = await tFor('en');
    const s = summarizeBatch(batch({ state: 'completed', total: 2, completed: 2 }), 1);
    expect(s).toMatchObject({ state: 'needs_review', done: 1, needsReview: 1, finished: 2, remaining: 0 });
    expect(summaryText(t, s)).toBe('1 of 2 done · 1 needs review');
    expect(summarizeBatch(batch({ state: 'completed', total: 2, completed: 2 }), 0).state).toBe('completed');
  });

  it('failure outranks review, and a review count never exceeds what completed', async () => {
    const t = await tFor('en');
    const s = summarizeBatch(batch({ state: 'failed', total: 5, completed: 3, failed: 1, cancelled: 1 }), 9);
    expect(s).toMatchObject({ state: 'failed', done: 0, needsReview: 3, failed: 1, cancelled: 1, finished: 5 });
    expect(summaryText(t, s)).toBe('0 of 5 done · 3 need review · 1 failed · 1 cancelled');
  });

  it('the Queue page and the project banner summarize the same run identically', () => {
    const cases: [Partial<Batch>, Partial<RemoveBackgroundRun>][] = [
      [{ state: 'running', completed: 2, failed: 1 }, { state: 'running', done: 1, reused: 0, needsReview: 1, failed: 1 }],
      [{ state: 'completed', completed: 4 }, { state: 'done', done: 2, reused: 1, needsReview: 1 }],
      [{ state: 'completed', completed: 4 }, { state: 'done', done: 3, reused: 1, needsReview: 0 }],
      [{ state: 'failed', completed: 1, failed: 1, cancelled: 2 }, { state: 'failed', done: 1, failed: 1, error: 'model missing', errorCode: 'model_unavailable' }],
      [{ state: 'cancelled', completed: 1, cancelled: 3 }, { state: 'cancelled', done: 1 }],
    ];
    for (const [b, r] of cases) {
      const queueRow = summarizeBatch(batch(b), r.needsReview ?? 0);
      const banner = summarizeBatch(runAsBatch(run(r)), r.needsReview ?? 0);
      expect({ ...banner, paused: false }).toEqual({ ...queueRow, paused: false });
    }
  });

  it('speaks Turkish', async () => {
    const t = await tFor('tr');
    expect(summaryText(t, summarizeBatch(batch({ state: 'completed', total: 3, completed: 3 }), 2))).toBe('3 işten 1 tanesi bitti · 2 gözden geçirilmeli');
  });
});
