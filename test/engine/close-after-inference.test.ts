/**
 * An engine that has run the model closes cleanly: the inference worker releases its
 * onnxruntime sessions before it is terminated. Terminated with them loaded, the process
 * aborted ("terminate called after throwing an instance of 'Napi::Error'", exit 134) at
 * every shutdown of the app, the server and the CLI after a background removal.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/tmp.js';

describe('engine close after inference', () => {
  it('ends the process with code 0 and no native abort', async () => {
    const { dir, cleanup } = await tempDir('atolye-close-inference-');
    const child = spawnSync(process.execPath, ['--import', 'tsx', new URL('./fixtures/close-after-inference.ts', import.meta.url).pathname, dir, 'isnet-imgly-small'], {
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(child.stderr).not.toMatch(/terminate called|Napi::Error/);
    expect(child.stdout).toContain('closed');
    await cleanup();
    expect(child.status).toBe(0);
  }, 150_000);
});
