#!/usr/bin/env node
// The `atolye` command. From a source checkout it runs the TypeScript directly (through
// tsx, so it is never stale); an installed build without sources runs dist/.
import { existsSync } from 'node:fs';

process.env.ATOLYE_CLI_ENTRY = '1';
const source = new URL('../src-main/cli/main.ts', import.meta.url);
if (existsSync(source)) {
  const { register } = await import('tsx/esm/api');
  register();
  await import(source.href);
} else {
  await import(new URL('../dist/src-main/cli/main.js', import.meta.url).href);
}
