/**
 * docs/security.md states, method by method, what each transport may call; this keeps
 * that table equal to the contract (a method gaining a local-path field or losing a
 * transport must be documented).
 */
import fs from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { transportAllows } from '../../src-shared/contract/define.js';
import { methods } from '../../src-shared/contract/index.js';

function expectedRows(): string[] {
  const rows: string[] = [];
  for (const [name, spec] of Object.entries(methods)) {
    const local = spec.local ?? [];
    const fields = local.map((f) => `\`${f}\``).join(', ');
    const http = !transportAllows(spec, 'http') ? 'no' : local.length ? `without ${fields}` : 'yes';
    const ipc = !transportAllows(spec, 'ipc') ? 'no' : local.length ? `${fields} only a path the user dropped or picked` : 'yes';
    const cli = transportAllows(spec, 'local') ? 'yes' : 'no';
    if (http === 'yes' && ipc === 'yes' && cli === 'yes') continue;
    rows.push(`| \`${name}\` | ${http} | ${ipc} | ${cli} |`);
  }
  return rows;
}

describe('docs/security.md', () => {
  it('lists exactly the methods whose transports or local-path fields are restricted, as the contract says', async () => {
    const doc = await fs.readFile(new URL('../../docs/security.md', import.meta.url), 'utf8');
    const section = /<!-- transports:begin[^>]*-->\n([\s\S]*?)<!-- transports:end -->/.exec(doc);
    expect(section, 'the generated transports table is missing').not.toBeNull();
    const rows = section![1]!
      .split('\n')
      .filter((l) => l.startsWith('| `'));
    expect(rows).toEqual(expectedRows());
  });
});
