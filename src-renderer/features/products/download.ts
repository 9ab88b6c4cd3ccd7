import type { ExportFormat, ProductSelection } from '../../../src-shared/contract/index.js';
import type { RendererBackend } from '../../backend/index.js';

/**
 * Where the browser downloads an export (web mode); null in the desktop app, which has
 * no save dialog in its backend yet (products.exportTo takes the path one would give).
 */
export function exportHref(backend: RendererBackend, format: ExportFormat, selection?: ProductSelection): string | null {
  return backend.downloadUrl ? backend.downloadUrl('products-export', selection ? { format, selection } : { format }) : null;
}

/** Starts a download from a URL the way a link with `download` would (the file name comes from the server). */
export function startDownload(href: string): void {
  const a = document.createElement('a');
  a.href = href;
  a.download = '';
  document.body.append(a);
  a.click();
  a.remove();
}

/** A file made in the page (a refused-rows report) offered as a download. */
export function downloadText(name: string, text: string, type: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
