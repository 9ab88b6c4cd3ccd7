/**
 * The renderer's feature registry, with the real list of features: what they contribute
 * is complete (every job type, stage and batch type of the contract has words in both
 * languages; every batch type a presenter that agrees with the contract on toasts), Turkish
 * has every English key, and generic code names no feature.
 */
import fs from 'node:fs';
import path from 'node:path';
import { createInstance, type TFunction } from 'i18next';
import { describe, expect, it } from 'vitest';
import { batchTypes, ContractError, jobTypes, RemoveBackgroundOptions, TrainingRunEvent, type Batch } from '../../src-shared/contract/index.js';
import { defineFeature, messageSlug, type RendererFeature } from '../../src-renderer/app/feature.js';
import { batchName, batchTitle, batchTypeLabel, callErrorText, errorText, jobTypeLabel, stageLabel } from '../../src-renderer/app/labels.js';
import { createRegistry, mergeMessages } from '../../src-renderer/app/registry.js';
import { parseHash } from '../../src-renderer/app/router.js';
import { features } from '../../src-renderer/features/index.js';
import { en } from '../../src-renderer/i18n/en.js';
import { tr } from '../../src-renderer/i18n/tr.js';
import type { MessageTree } from '../../src-renderer/i18n/types.js';

const messages = mergeMessages({ en, tr }, features);

function leaves(tree: MessageTree, prefix = ''): string[] {
  return Object.entries(tree).flatMap(([k, v]) => (typeof v === 'string' ? [`${prefix}${k}`] : leaves(v, `${prefix}${k}.`)));
}

function lookup(tree: MessageTree, key: string): string | undefined {
  let node: string | MessageTree | undefined = tree;
  for (const part of key.split('.')) node = typeof node === 'object' ? node[part] : undefined;
  return typeof node === 'string' ? node : undefined;
}

async function translator(lng: 'en' | 'tr'): Promise<TFunction> {
  const i18n = createInstance();
  await i18n.init({ lng, resources: { en: { translation: messages.en }, tr: { translation: messages.tr } }, fallbackLng: 'en', interpolation: { escapeValue: false } });
  return i18n.t;
}

describe('renderer features', () => {
  const registry = createRegistry(features);

  it('register every page once, in the nav order the shortcuts follow', () => {
    const pages = registry.routes.map((r) => r.page);
    expect(new Set(pages).size).toBe(pages.length);
    expect(registry.routes.map((r) => r.order)).toEqual([...registry.routes.map((r) => r.order)].sort((x, y) => x - y));
    // The pages the app had before features plugged in keep their order (others may come between).
    expect(pages.filter((p) => ['batch', 'gallery', 'matching', 'training', 'models', 'queue', 'settings'].includes(p))).toEqual([
      'batch',
      'gallery',
      'matching',
      'training',
      'models',
      'queue',
      'settings',
    ]);
    for (const r of registry.routes) expect(lookup(messages.en, r.label), r.label).toBeTruthy();
    const table = { pages: registry.routes.map((r) => r.page), withProject: new Set(registry.routes.filter((r) => r.withProject).map((r) => r.page)) };
    const id = '01a2f000-0000-7000-8000-000000000001';
    expect(parseHash(`#/gallery/${id}`, table)).toEqual({ page: 'gallery', projectId: id });
    // Only pages that show a project keep one; an unknown page lands on the first.
    expect(parseHash(`#/queue/${id}`, table)).toEqual({ page: 'queue', projectId: null });
    expect(parseHash('#/nowhere', table)).toEqual({ page: 'batch', projectId: null });
  });

  it('word every job type, stage and batch type of the contract, in English and Turkish', () => {
    for (const [type, spec] of Object.entries(jobTypes)) {
      for (const lang of ['en', 'tr'] as const) {
        expect(lookup(messages[lang], `jobTypes.${messageSlug(type)}`), `${lang} jobTypes.${type}`).toBeTruthy();
        for (const stage of spec.stages) expect(lookup(messages[lang], `stages.${messageSlug(stage)}`), `${lang} stage "${stage}" of ${type}`).toBeTruthy();
      }
    }
    for (const type of Object.keys(batchTypes)) {
      for (const lang of ['en', 'tr'] as const) expect(lookup(messages[lang], `batchTypes.${messageSlug(type)}`), `${lang} batchTypes.${type}`).toBeTruthy();
    }
    // A training run's events are worded by type on the Jobs list.
    for (const type of TrainingRunEvent.shape.type.options) {
      for (const lang of ['en', 'tr'] as const) expect(lookup(messages[lang], `training.event.${type}`), `${lang} training.event.${type}`).toBeTruthy();
    }
  });

  it('present every batch type, toasting a finished one exactly when the contract notifies of it', () => {
    for (const [type, spec] of Object.entries(batchTypes)) {
      const presenter = registry.presenter(type);
      expect(presenter, `presenter for ${type}`).toBeDefined();
      expect(presenter!.toast, `toast for ${type}`).toBe(spec.notify);
    }
  });

  it('give Turkish every English key and nothing more', () => {
    expect(leaves(messages.tr).sort()).toEqual(leaves(messages.en).sort());
    for (const key of leaves(messages.tr)) expect(lookup(messages.tr, key), key).not.toBe('');
  });

  it('word failures by their code in the UI language, else show the engine’s text in English and say so in Turkish', async () => {
    const t = await translator('tr');
    expect(errorText(t, 'model_unavailable', 'model x is corrupt')).toBe(lookup(messages.tr, 'errors.model_unavailable'));
    expect(errorText(t, 'model_unavailable', 'model x is corrupt')).toMatch(/Model çalışamıyor/);
    // Turkish shows no English engine text: an uncoded failure is named as such (the text goes in a title).
    expect(errorText(t, 'no_such_code', 'the engine’s words')).toBe(lookup(messages.tr, 'errors.uncoded'));
    expect(errorText(t, null, 'the engine’s words')).toMatch(/^Motor bir hata bildirdi/);
    const english = await translator('en');
    expect(errorText(english, 'no_such_code', 'the engine’s words')).toBe('the engine’s words');
    expect(errorText(english, null, 'the engine’s words')).toBe('the engine’s words');
    expect(callErrorText(english, new ContractError('conflict', 'a project named “Raf” exists'))).toBe('a project named “Raf” exists');
    expect(callErrorText(t, new ContractError('conflict', 'a project named “Raf” exists'))).toBe(lookup(messages.tr, 'callErrors.conflict'));
    expect(jobTypeLabel(t, 'remove-background.image')).toBe('Arka plan kaldır');
    expect(jobTypeLabel(t, 'someone.elses')).toBe('someone.elses');
    expect(stageLabel(t, 'removing background')).toBe('Arka plan kaldırılıyor');
    expect(batchTypeLabel(await translator('en'), 'remove-background')).toBe('Background removal');
  });

  it('name a batch through its presenter and the detail it fetched', async () => {
    const t = await translator('en');
    const batch: Batch = {
      id: '01a2f000-0000-7000-8000-000000000009',
      type: 'remove-background',
      label: 'remove-background cutout',
      projectId: null,
      state: 'completed',
      total: 2,
      completed: 2,
      failed: 0,
      cancelled: 0,
      paused: false,
      createdAt: 0,
      updatedAt: 0,
      finishedAt: 0,
    };
    const presenter = registry.presenter('remove-background');
    const detail = { options: RemoveBackgroundOptions.parse({ preset: 'square' }) };
    expect(batchTitle(t, batch, presenter, detail, 'Raf')).toBe('Remove background · Marketplace square · Raf');
    // Before the detail arrives: the engine's label.
    expect(batchName(t, batch, presenter, undefined)).toBe('remove-background cutout');
    expect(batchName(t, { ...batch, type: 'import', label: null }, registry.presenter('import'), undefined)).toBe('Import');
  });

  it('refuse two features claiming the same page, batch type or string', () => {
    const page = () => null;
    const a = defineFeature({ name: 'a', messages: { en: { a: { x: 'x' } }, tr: { a: { x: 'x' } } }, routes: [{ page: 'p', order: 1, label: 'a.x', icon: null, Page: page }] });
    const b = defineFeature({ name: 'b', messages: { en: { a: { x: 'y' } }, tr: { a: { x: 'y' } } }, routes: [{ page: 'p', order: 2, label: 'a.x', icon: null, Page: page }] });
    expect(() => createRegistry([a, b])).toThrow(/route "p" is contributed twice/);
    expect(() => mergeMessages({ en: {}, tr: {} }, [a, b])).toThrow(/"a.x" is defined by feature a and feature b/);
    const c: RendererFeature = { name: 'c', messages: { en: {}, tr: {} }, batchPresenters: { import: { toast: true } } };
    expect(() => createRegistry([c, { ...c, name: 'd' }])).toThrow(/batch presenter "import" is contributed twice/);
  });

  it('leave generic code free of feature names: it asks the registry instead', () => {
    const root = path.resolve('src-renderer');
    const generic: string[] = [];
    const walk = (dir: string) => {
      for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        const full = path.join(dir, e.name);
        if (e.isDirectory()) {
          if (full !== path.join(root, 'features')) walk(full);
        } else if (/\.(ts|tsx|css)$/.test(e.name) && full !== path.join(root, 'main.tsx')) generic.push(full);
      }
    };
    walk(root);
    expect(generic.length).toBeGreaterThan(10);
    const names = [...features.map((f) => f.name), 'segment', ...Object.keys(jobTypes), ...Object.keys(batchTypes)];
    for (const file of generic) {
      const text = fs.readFileSync(file, 'utf8');
      for (const name of names) expect(text.includes(`'${name}'`) || text.includes(`"${name}"`), `${path.relative(root, file)} names '${name}'`).toBe(false);
    }
  });
});
