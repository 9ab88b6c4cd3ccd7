import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

/** Lints a snippet as if it lived at `filePath`, with the project's real eslint.config.js. */
async function layeringErrors(filePath: string, code: string): Promise<string[]> {
  const eslint = new ESLint({ cwd: process.cwd() });
  const [result] = await eslint.lintText(code, { filePath });
  return result!.messages.filter((m) => m.ruleId === 'no-restricted-imports' || m.ruleId === 'atolye/feature-boundaries').map((m) => m.message);
}

describe('layering lint rule', () => {
  it('keeps electron out of the engine', async () => {
    expect(await layeringErrors('src-main/engine/x.ts', "import { app } from 'electron';\nexport const a = app;\n")).toEqual([
      expect.stringMatching(/only src-main\/electron\/ and src-preload\/ may import electron/),
    ]);
    expect(await layeringErrors('src-main/cli/x.ts', "export * from 'electron';\n")).toHaveLength(1);
    expect(await layeringErrors('src-main/electron/x.ts', "import { app } from 'electron';\nexport const a = app;\n")).toEqual([]);
  });

  it('keeps Node and Electron out of the renderer, and the renderer away from src-main', async () => {
    expect(await layeringErrors('src-renderer/x.ts', "import fs from 'node:fs';\nexport const a = fs;\n")).toHaveLength(1);
    expect(await layeringErrors('src-renderer/x.ts', "import fs from 'fs';\nexport const a = fs;\n")).toHaveLength(1);
    expect(await layeringErrors('src-renderer/x.ts', "import { ipcRenderer } from 'electron';\nexport const a = ipcRenderer;\n")).toHaveLength(1);
    expect(await layeringErrors('src-renderer/x.ts', "import { Engine } from '../src-main/engine/engine.js';\nexport const a = Engine;\n")).toHaveLength(1);
    expect(await layeringErrors('src-renderer/x.ts', "import { methods } from '../src-shared/contract/index.js';\nexport const a = methods;\n")).toEqual([]);
  });

  it('keeps the shared contract free of Node, Electron and other layers', async () => {
    expect(await layeringErrors('src-shared/contract/x.ts', "import path from 'node:path';\nexport const a = path;\n")).toHaveLength(1);
    expect(await layeringErrors('src-shared/contract/x.ts', "import { Engine } from '../../src-main/engine/engine.js';\nexport const a = Engine;\n")).toHaveLength(1);
    expect(await layeringErrors('src-shared/contract/x.ts', "import { z } from 'zod';\nexport const a = z;\n")).toEqual([]);
  });

  it('lets the preload import electron but not the engine', async () => {
    expect(await layeringErrors('src-preload/x.ts', "import { contextBridge } from 'electron';\nexport const a = contextBridge;\n")).toEqual([]);
    expect(await layeringErrors('src-preload/x.ts', "import { Engine } from '../src-main/engine/engine.js';\nexport const a = Engine;\n")).toHaveLength(1);
  });

  it('keeps core free of features, and lets features meet only through public.ts (engine)', async () => {
    const use = (spec: string) => `import * as m from '${spec}';\nexport const a = m;\n`;
    // Core → a feature: refused, whichever file of it.
    expect(await layeringErrors('src-main/engine/engine.ts', use('../features/library/public.js'))).toEqual([expect.stringMatching(/core .* must not import a feature/)]);
    expect(await layeringErrors('src-main/engine/queue/queue.ts', use('../../features/index.js'))).toHaveLength(1);
    // Feature → another feature's internals: refused; → its public.ts: allowed; → its own files: allowed.
    expect(await layeringErrors('src-main/features/remove-background/service.ts', use('../library/library.js'))).toEqual([
      expect.stringMatching(/feature remove-background may use feature library only through src-main\/features\/library\/public.ts/),
    ]);
    expect(await layeringErrors('src-main/features/remove-background/jobs/x.ts', use('../../import/import-service.js'))).toHaveLength(1);
    expect(await layeringErrors('src-main/features/remove-background/service.ts', use('../library/public.js'))).toEqual([]);
    expect(await layeringErrors('src-main/features/remove-background/jobs/x.ts', use('../remove-background.js'))).toEqual([]);
    // Feature → core and contract: allowed; → the CLI runner, server or the list of features: refused.
    expect(await layeringErrors('src-main/features/import/x.ts', use('../../engine/queue/queue.js'))).toEqual([]);
    expect(await layeringErrors('src-main/features/import/x.ts', use('../../server/server.js'))).toHaveLength(1);
    expect(await layeringErrors('src-main/features/import/x.ts', use('../index.js'))).toHaveLength(1);
    // The composition roots may import every feature.
    expect(await layeringErrors('src-main/features/index.ts', use('./library/index.js'))).toEqual([]);
    expect(await layeringErrors('src-main/cli/main.ts', use('../features/index.js'))).toEqual([]);
  });

  it('keeps generic renderer code free of features, and lets renderer features meet only through public.ts', async () => {
    const use = (spec: string) => `import * as m from '${spec}';\nexport const a = m;\n`;
    // Generic UI (shell, router, backend, i18n, ui/) → a feature, even its public.ts or the list: refused.
    expect(await layeringErrors('src-renderer/app/App.tsx', use('../features/library/index.js'))).toEqual([
      expect.stringMatching(/core \(src-renderer\/app\/App.tsx\) must not import a feature/),
    ]);
    expect(await layeringErrors('src-renderer/ui/x.tsx', use('../features/remove-background/public.js'))).toHaveLength(1);
    expect(await layeringErrors('src-renderer/i18n/x.ts', use('../features/index.js'))).toHaveLength(1);
    expect(await layeringErrors('src-renderer/app/x.ts', "import '../features/queue/queue.css';\n")).toHaveLength(1);
    // The composition root may.
    expect(await layeringErrors('src-renderer/main.tsx', use('./features/index.js'))).toEqual([]);
    // Feature → another feature's internals (a module, its stylesheet): refused; → its public.ts: allowed; → its own files: allowed.
    expect(await layeringErrors('src-renderer/features/queue/x.ts', use('../library/queries.js'))).toEqual([
      expect.stringMatching(/feature queue may use feature library only through src-renderer\/features\/library\/public.ts, not queries.js/),
    ]);
    expect(await layeringErrors('src-renderer/features/queue/x.ts', "import '../remove-background/remove-background.css';\n")).toHaveLength(1);
    expect(await layeringErrors('src-renderer/features/remove-background/sub/x.tsx', use('../../models/ModelRepair.js'))).toHaveLength(1);
    expect(await layeringErrors('src-renderer/features/queue/x.ts', use('../library/public.js'))).toEqual([]);
    expect(await layeringErrors('src-renderer/features/remove-background/sub/x.tsx', use('../../models/public.js'))).toEqual([]);
    expect(await layeringErrors('src-renderer/features/remove-background/sub/x.tsx', use('../run-store.js'))).toEqual([]);
    // Feature → generic UI and the contract: allowed; → the list of features: refused.
    expect(await layeringErrors('src-renderer/features/queue/x.ts', use('../../app/registry.js'))).toEqual([]);
    expect(await layeringErrors('src-renderer/features/queue/x.ts', use('../../../src-shared/contract/index.js'))).toEqual([]);
    expect(await layeringErrors('src-renderer/features/queue/x.ts', use('../index.js'))).toHaveLength(1);
    // The renderer's list imports each feature's index.
    expect(await layeringErrors('src-renderer/features/index.ts', use('./queue/index.js'))).toEqual([]);
    // Inside a feature the renderer's own rules still hold.
    expect(await layeringErrors('src-renderer/features/queue/x.ts', "import fs from 'node:fs';\nexport const a = fs;\n")).toHaveLength(1);
  });
});
