#!/usr/bin/env node
/**
 * Counts import cycles among the project's own TypeScript files, twice: once over value
 * imports only (what runs at load time) and once including `import type` (what a reader
 * must hold in their head). A cycle is a strongly connected component of more than one
 * file (Tarjan), or a file importing itself.
 *
 *   node scripts/import-cycles.mjs [--json] [--list]
 *
 * Hand-written rather than madge/dpdm: relative-import resolution is all this needs, and
 * neither tool splits value from type-only imports the way TypeScript's elision does.
 */
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const roots = ['src-main', 'src-shared', 'src-renderer', 'src-preload'];
const exts = ['.ts', '.tsx'];

function walk(dir, out) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) walk(full, out);
    else if (exts.includes(path.extname(entry.name)) && !entry.name.endsWith('.d.ts')) out.push(full);
  }
  return out;
}

// import … from '…' / export … from '…' / import '…' (side effects); dynamic import() is not a load-time edge.
const IMPORT = /^\s*(import|export)\s+(type\s+)?([^'";]*?)\s*(?:from\s+)?['"]([^'"]+)['"]/gm;

function resolve(from, spec) {
  if (!spec.startsWith('.')) return null;
  const base = path.resolve(path.dirname(from), spec);
  const candidates = [base, base.replace(/\.js$/, '.ts'), base.replace(/\.js$/, '.tsx'), `${base}.ts`, `${base}.tsx`, path.join(base, 'index.ts')];
  return candidates.find((c) => exts.includes(path.extname(c)) && fs.existsSync(c)) ?? null;
}

/** True when every binding of the statement is type-only (`import type`, or `import { type A, type B }`). */
function typeOnly(keyword, typeKw, clause) {
  if (typeKw) return true;
  const braces = /^\{([^}]*)\}$/.exec(clause.trim());
  if (!braces) return false;
  const names = braces[1].split(',').map((s) => s.trim()).filter(Boolean);
  return names.length > 0 && names.every((n) => n.startsWith('type '));
}

function graph(files, includeTypes) {
  const edges = new Map(files.map((f) => [f, new Set()]));
  for (const file of files) {
    const text = fs.readFileSync(file, 'utf8');
    for (const m of text.matchAll(IMPORT)) {
      const [, keyword, typeKw, clause, spec] = m;
      if (!includeTypes && typeOnly(keyword, typeKw, clause)) continue;
      const target = resolve(file, spec);
      if (target && edges.has(target)) edges.get(file).add(target);
    }
  }
  return edges;
}

function cycles(edges) {
  let index = 0;
  const idx = new Map();
  const low = new Map();
  const stack = [];
  const onStack = new Set();
  const found = [];
  const strong = (v) => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    onStack.add(v);
    for (const w of edges.get(v)) {
      if (!idx.has(w)) {
        strong(w);
        low.set(v, Math.min(low.get(v), low.get(w)));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v), idx.get(w)));
    }
    if (low.get(v) === idx.get(v)) {
      const comp = [];
      let w;
      do {
        w = stack.pop();
        onStack.delete(w);
        comp.push(w);
      } while (w !== v);
      if (comp.length > 1 || edges.get(v).has(v)) found.push(comp.map((f) => path.relative(root, f)).sort());
    }
  };
  for (const v of edges.keys()) if (!idx.has(v)) strong(v);
  return found;
}

const files = roots.flatMap((r) => (fs.existsSync(path.join(root, r)) ? walk(path.join(root, r), []) : []));
const value = cycles(graph(files, false));
const all = cycles(graph(files, true));
const summary = {
  files: files.length,
  value_cycles: value.length,
  value_files_in_cycles: value.reduce((n, c) => n + c.length, 0),
  all_cycles: all.length,
  all_files_in_cycles: all.reduce((n, c) => n + c.length, 0),
};
if (process.argv.includes('--list')) {
  for (const [name, list] of [['value imports', value], ['value + type imports', all]]) {
    console.log(`${name}: ${list.length} cycle(s)`);
    for (const c of list) console.log(`  ${c.join(' ↔ ')}`);
  }
}
console.log(process.argv.includes('--json') ? JSON.stringify(summary) : `${summary.files} files; value-import cycles: ${summary.value_cycles} (${summary.value_files_in_cycles} files); with type-only imports: ${summary.all_cycles} (${summary.all_files_in_cycles} files)`);
