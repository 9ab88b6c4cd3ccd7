/**
 * What the desktop page may ask of the OS's file dialogs: where to save a file the engine
 * writes, a folder to write into or read from, or one file to open. Shared by the preload
 * (which forwards the request), main (which validates it again and shows the dialog) and
 * the renderer's backend (which types it). Not part of the engine's contract: the engine
 * never shows a dialog; it only receives the path the user chose.
 */
import { z } from 'zod';

const fileFilter = z.object({
  name: z.string().min(1).max(80),
  extensions: z.array(z.string().regex(/^[A-Za-z0-9*]{1,16}$/)).min(1).max(16),
});

export const chooseRequestSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('save'),
    /** A file name only (no folder): the dialog opens in Downloads with it filled in. */
    defaultName: z.string().max(255).optional(),
    filters: z.array(fileFilter).max(8).optional(),
  }),
  z.object({ kind: z.literal('folder') }),
  z.object({ kind: z.literal('open'), filters: z.array(fileFilter).max(8).optional() }),
]);

export type ChooseRequest = z.infer<typeof chooseRequestSchema>;

/**
 * A suggested file name a page may pass, reduced to a plain name: no folders, no control
 * characters, no leading dots (a page must not steer the dialog to ~/.ssh/config).
 */
export function safeDefaultName(name: string | undefined): string | undefined {
  if (!name) return undefined;
  const base = name.split(/[\\/]/).pop() ?? '';
  // eslint-disable-next-line no-control-regex
  const cleaned = base.replace(/[\u0000-\u001f\u007f<>:"|?*]/g, '_').replace(/^[.\s]+/, '').trim().slice(0, 200);
  return cleaned.length > 0 ? cleaned : undefined;
}
