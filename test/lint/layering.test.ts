import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

/** Lints a snippet as if it lived at `filePath`, with the project's real eslint.config.js. */
async function layeringErrors(filePath: string, code: string): Promise<string[]> {
  const eslint = new ESLint({ cwd: process.cwd() });
  const [result] = await eslint.lintText(code, { filePath });
  return result!.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
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
});
