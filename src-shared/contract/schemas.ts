/**
 * Basic shapes every contract slice uses. This folder imports nothing but zod: no Node,
 * no DOM, no Electron. A feature's own shapes live in its slice (library.ts, import.ts…).
 */
import { z } from 'zod';

export const Id = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, 'not a UUID');
export type Id = z.infer<typeof Id>;

/** Milliseconds since the Unix epoch. */
export const Timestamp = z.number().int().nonnegative();

export const MediaVariant = z.enum(['thumb', 'original']);
export type MediaVariant = z.infer<typeof MediaVariant>;

export const Empty = z.object({}).strict();
