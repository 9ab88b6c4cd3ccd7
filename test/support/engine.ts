/**
 * The shared engine fixture: an engine with every feature on a fresh temporary data
 * dir, every event it emits recorded, and shortcuts to the features' APIs. Tests that
 * need a library call `useEngine()` at the top of a describe block.
 */
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import type { EngineEvent, ImportProgress } from '../../src-shared/contract/index.js';
import type { Engine, EngineOptions } from '../../src-main/engine/engine.js';
import { openEngine } from '../../src-main/features/index.js';
import { importFeature } from '../../src-main/features/import/public.js';
import { libraryFeature } from '../../src-main/features/library/public.js';
import { modelsFeature } from '../../src-main/features/models/public.js';
import { removeBackgroundFeature } from '../../src-main/features/remove-background/public.js';
import { tempDir } from '../helpers/tmp.js';

/** The features' APIs of an engine, by name. */
export function api(engine: Engine) {
  return {
    imports: engine.use(importFeature),
    library: engine.use(libraryFeature),
    models: engine.use(modelsFeature),
    removeBackground: engine.use(removeBackgroundFeature),
  };
}

export interface EngineFixture extends ReturnType<typeof api> {
  /** The test's temporary folder (the library is `<dir>/data`). */
  readonly dir: string;
  readonly dataDir: string;
  readonly engine: Engine;
  /** Every event since the engine opened (cleared by reopen()). */
  readonly events: EngineEvent[];
  /** Imports files or folders into a new project and waits for the end. */
  importPaths(paths: string | string[], projectName?: string): Promise<ImportProgress>;
  /** Closes the engine and opens it again on the same library (a restart). */
  reopen(options?: Omit<EngineOptions, 'features' | 'dataDir'>): Promise<Engine>;
}

type FixtureOptions = Omit<EngineOptions, 'features' | 'dataDir'> & {
  /** 'each' (default): a fresh library per test; 'all': one for the whole describe block. */
  scope?: 'each' | 'all';
};

export function useEngine(options: FixtureOptions = {}): EngineFixture {
  const { scope = 'each', ...engineOptions } = { workers: 1, ...options };
  let dir = '';
  let cleanup: () => Promise<void> = async () => {};
  let engine: Engine | null = null;
  let events: EngineEvent[] = [];
  let unsubscribe: () => void = () => {};

  const open = async (extra: Omit<EngineOptions, 'features' | 'dataDir'> = {}) => {
    engine = await openEngine({ ...engineOptions, ...extra, dataDir: path.join(dir, 'data') });
    events = [];
    unsubscribe = engine.events.subscribe((e) => events.push(e));
    return engine;
  };
  const close = async () => {
    unsubscribe();
    await engine?.close().catch(() => {});
    engine = null;
  };
  const setUp = async () => {
    ({ dir, cleanup } = await tempDir());
    await open();
  };
  const tearDown = async () => {
    await close();
    await cleanup();
  };
  if (scope === 'all') {
    beforeAll(setUp);
    afterAll(tearDown);
  } else {
    beforeEach(setUp);
    afterEach(tearDown);
  }

  const current = () => {
    if (!engine) throw new Error('the engine fixture is used outside a test');
    return engine;
  };
  return {
    get dir() {
      return dir;
    },
    get dataDir() {
      return path.join(dir, 'data');
    },
    get engine() {
      return current();
    },
    get events() {
      return events;
    },
    get imports() {
      return api(current()).imports;
    },
    get library() {
      return api(current()).library;
    },
    get models() {
      return api(current()).models;
    },
    get removeBackground() {
      return api(current()).removeBackground;
    },
    async importPaths(paths, projectName) {
      const imports = api(current()).imports;
      const started = await imports.start({ paths: Array.isArray(paths) ? paths : [paths], projectName });
      return imports.wait(started.importId);
    },
    async reopen(extra) {
      await close();
      return open(extra);
    },
  };
}
