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
import ts from 'typescript';

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

/**
 * The module specifiers a file imports at top level, each with whether it is type-only.
 * TypeScript's own parser, not a regex: a regex also "finds" imports in strings and
 * comments (it once read `'.'` inside a template literal as an import of ./index.ts).
 * Dynamic import() is not a load-time edge and is not listed.
 */
function importsOf(file) {
  const text = fs.readFileSync(file, 'utf8');
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false, file.endsWith('.tsx') ? ts.ScriptKind.TSX : ts.ScriptKind.TS);
  const out = [];
  for (const st of source.statements) {
    if (ts.isImportDeclaration(st) && ts.isStringLiteral(st.moduleSpecifier)) {
      const c = st.importClause;
      const typeOnly =
        !!c && (c.isTypeOnly || (!c.name && !!c.namedBindings && ts.isNamedImports(c.namedBindings) && c.namedBindings.elements.length > 0 && c.namedBindings.elements.every((e) => e.isTypeOnly)));
      out.push({ spec: st.moduleSpecifier.text, typeOnly });
    } else if (ts.isExportDeclaration(st) && st.moduleSpecifier && ts.isStringLiteral(st.moduleSpecifier)) {
      const typeOnly =
        st.isTypeOnly || (!!st.exportClause && ts.isNamedExports(st.exportClause) && st.exportClause.elements.length > 0 && st.exportClause.elements.every((e) => e.isTypeOnly));
      out.push({ spec: st.moduleSpecifier.text, typeOnly });
    }
  }
  return out;
}

function resolve(from, spec) {
  if (!spec.startsWith('.')) return null;
  const base = path.resolve(path.dirname(from), spec);
  const candidates = [base, base.replace(/\.js$/, '.ts'), base.replace(/\.js$/, '.tsx'), `${base}.ts`, `${base}.tsx`, path.join(base, 'index.ts')];
  return candidates.find((c) => exts.includes(path.extname(c)) && fs.existsSync(c)) ?? null;
}

function graph(files, includeTypes) {
  const edges = new Map(files.map((f) => [f, new Set()]));
  for (const file of files) {
    for (const { spec, typeOnly } of importsOf(file)) {
      if (!includeTypes && typeOnly) continue;
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
