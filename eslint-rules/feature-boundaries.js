/**
 * The feature-module rule, by resolved path rather than by import string (a relative
 * import's text says little about where it lands):
 *   - core (src-main/engine/, and src-renderer/ outside features/ but for main.tsx) never
 *     imports a feature;
 *   - a feature (src-main/features/<a>/, src-renderer/features/<a>/) imports another
 *     feature <b> only through <b>'s public.ts;
 *   - an engine feature imports core and the contract, never the CLI runner, the server,
 *     the engine host or the Electron shell (those are built on top of features).
 * Each runtime's list of features (src-main/features/index.ts, src-renderer/features/index.ts)
 * is the composition root and may import every feature's index.
 */
import path from 'node:path';

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');

function where(file) {
  const rel = path.relative(ROOT, file).split(path.sep).join('/');
  for (const runtime of ['src-main', 'src-renderer']) {
    const features = `${runtime}/features/`;
    if (rel.startsWith(features)) {
      const rest = rel.slice(features.length);
      const slash = rest.indexOf('/');
      return slash < 0 ? { runtime, kind: 'registry', rel } : { runtime, kind: 'feature', feature: rest.slice(0, slash), inside: rest.slice(slash + 1), rel };
    }
  }
  if (rel.startsWith('src-main/engine/')) return { runtime: 'src-main', kind: 'core', rel };
  if (rel === 'src-renderer/main.tsx') return { runtime: 'src-renderer', kind: 'root', rel };
  if (rel.startsWith('src-renderer/')) return { runtime: 'src-renderer', kind: 'core', rel };
  if (rel.startsWith('src-main/')) return { runtime: 'src-main', kind: 'app', rel };
  return { kind: 'other', rel };
}

const isPublic = (inside) => /^public(\.(ts|tsx|js))?$/.test(inside);

export default {
  meta: {
    type: 'problem',
    docs: { description: 'core never imports a feature; features meet only through public.ts' },
    schema: [],
  },
  create(context) {
    const file = context.filename ?? context.getFilename();
    const from = where(file);
    if (from.kind === 'other' || from.kind === 'registry' || from.kind === 'root') return {};
    const check = (node, spec) => {
      if (typeof spec !== 'string' || !spec.startsWith('.')) return;
      const to = where(path.resolve(path.dirname(file), spec));
      if (to.kind === 'other') return;
      if (to.kind === 'feature' || to.kind === 'registry') {
        if (from.kind === 'core') {
          context.report({ node, message: `core (${from.rel}) must not import a feature (${to.rel}): features plug into core through their index.ts` });
          return;
        }
        if (from.kind === 'feature' && to.kind === 'feature' && to.feature !== from.feature && !isPublic(to.inside)) {
          context.report({ node, message: `feature ${from.feature} may use feature ${to.feature} only through ${to.runtime}/features/${to.feature}/public.ts, not ${to.inside}` });
          return;
        }
        if (from.kind === 'feature' && to.kind === 'registry') context.report({ node, message: `feature ${from.feature} must not import the list of features (${to.rel})` });
        return;
      }
      if (from.kind === 'feature' && from.runtime === 'src-main' && to.kind === 'app') {
        context.report({ node, message: `engine feature ${from.feature} must not import ${to.rel}: features use core (src-main/engine/) and the contract; the CLI, server and shells are built on features` });
      }
    };
    return {
      ImportDeclaration: (node) => check(node, node.source.value),
      ExportNamedDeclaration: (node) => node.source && check(node, node.source.value),
      ExportAllDeclaration: (node) => check(node, node.source.value),
      ImportExpression: (node) => node.source.type === 'Literal' && check(node, node.source.value),
    };
  },
};
