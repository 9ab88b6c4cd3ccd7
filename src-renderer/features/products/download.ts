import type { ExportFormat, Product, ProductSelection } from '../../../src-shared/contract/index.js';
import type { RendererBackend } from '../../backend/index.js';

/**
 * Where the browser downloads an export (web mode); null in the desktop app, which asks
 * where to save instead (saveExport).
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

const FILTERS: Record<ExportFormat, { name: string; extensions: string[] }> = {
  zip: { name: 'ZIP', extensions: ['zip'] },
  csv: { name: 'CSV', extensions: ['csv'] },
  json: { name: 'JSON', extensions: ['json'] },
};

/** The name the save dialog suggests: `{barcode}.zip` for one product's frames, `products-<date>.<ext>` otherwise (as the download route names them). */
export function exportName(format: ExportFormat, one?: Pick<Product, 'id' | 'barcode'>): string {
  if (one) return `${one.barcode ?? one.id}.${format}`;
  return `products-${new Date().toISOString().slice(0, 10)}.${format}`;
}

/**
 * Desktop: asks where to save (the OS's dialog, shown by main, which lets this window name
 * the chosen path) and has the engine write the export there. Null when the user cancelled
 * or the backend has no dialog (web mode downloads instead).
 */
export async function saveExport(
  backend: RendererBackend,
  format: ExportFormat,
  selection: ProductSelection | undefined,
  defaultName: string,
): Promise<{ path: string; bytes: number; products: number } | null> {
  if (!backend.choosePath) return null;
  const destPath = await backend.choosePath({ kind: 'save', defaultName, filters: [FILTERS[format]] });
  if (!destPath) return null;
  return backend.call('products.exportTo', selection ? { destPath, format, selection } : { destPath, format });
}
