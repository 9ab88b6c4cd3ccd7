// Layering is enforced here, not hoped for: a file's folder says what it may import.
//   src-main/engine/ (core) never imports src-main/features/; a feature uses another only through its
//   public.ts (eslint-rules/feature-boundaries.js, by resolved path; the same for src-renderer/features/)
//   src-shared/   the contract: zod only — no Node, no DOM-only code, no Electron, no other src-*
//   src-main/     the engine, server, CLI and engine host: Node, never `electron`…
//   src-main/electron/  …except this folder, the thin desktop shell
//   src-preload/  electron's contextBridge only, plus the contract
//   src-renderer/ browser code: no Node built-ins, no Electron, no src-main
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';
import featureBoundaries from './eslint-rules/feature-boundaries.js';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];
const noNode = nodeBuiltins.map((name) => ({ name, message: 'browser/shared code must not import Node built-ins' }));
const noElectron = { name: 'electron', message: 'only src-main/electron/ and src-preload/ may import electron' };
const pattern = (group, message) => ({ group, message });

export default tseslint.config(
  { ignores: ['dist/**', 'release/**', 'node_modules/**', 'test-results/**', 'playwright-report/**', '.scratch/**', '**/*.d.ts'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
    },
  },
  {
    // Feature modules: core never imports a feature; features meet only through public.ts.
    files: ['src-main/**/*.ts', 'src-renderer/**/*.{ts,tsx}'],
    plugins: { atolye: { rules: { 'feature-boundaries': featureBoundaries } } },
    rules: { 'atolye/feature-boundaries': 'error' },
  },
  {
    files: ['src-main/**'],
    ignores: ['src-main/electron/**'],
    rules: {
      'no-restricted-imports': ['error', { paths: [noElectron], patterns: [pattern(['**/src-renderer/**', '**/src-preload/**'], 'engine code must not import renderer or preload code')] }],
    },
  },
  {
    files: ['src-main/electron/**'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [pattern(['**/src-renderer/**'], 'the shell must not import renderer code')] }],
    },
  },
  {
    files: ['src-shared/**'],
    languageOptions: { globals: {} },
    rules: {
      'no-restricted-imports': [
        'error',
        { paths: [noElectron, ...noNode], patterns: [pattern(['**/src-main/**', '**/src-renderer/**', '**/src-preload/**'], 'the contract imports nothing but zod')] },
      ],
    },
  },
  {
    files: ['src-preload/**'],
    rules: {
      'no-restricted-imports': ['error', { paths: noNode, patterns: [pattern(['**/src-main/**', '**/src-renderer/**'], 'the preload bridges IPC only')] }],
    },
  },
  {
    files: ['src-renderer/**'],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      'no-restricted-imports': [
        'error',
        { paths: [noElectron, ...noNode], patterns: [pattern(['**/src-main/**', '**/src-preload/**'], 'the renderer talks to the engine only through the Backend interface')] },
      ],
    },
  },
);
