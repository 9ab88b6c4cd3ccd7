import { createReadStream, type ReadStream } from 'node:fs';
import type { Readable } from 'node:stream';

/**
 * Opens the files of a ZIP being streamed (yazl's lazy entries open one at a time) so
 * that they close when the ZIP's reader goes away: piping a file into yazl never destroys
 * it, so each aborted download (a closed tab, a cancelled save) would otherwise keep the
 * file it was reading open until the process runs out of descriptors.
 */
export function readsClosedWith(out: Readable): (file: string) => ReadStream {
  const open = new Set<ReadStream>();
  out.on('close', () => {
    for (const source of open) source.destroy();
  });
  return (file) => {
    const source = createReadStream(file);
    open.add(source);
    source.on('close', () => open.delete(source));
    if (out.destroyed) source.destroy();
    return source;
  };
}
