/**
 * Versioned schema migrations. Each feature owns its file; numbers are reserved here so
 * parallel work never collides: 1 library, 2 queue, 3 models.
 */
import { libraryMigration } from './0001-library.js';
import { queueMigration } from './0002-queue.js';
import { modelsMigration } from './0003-models.js';

export interface Migration {
  version: number;
  name: string;
  up: string;
}

export const migrations: readonly Migration[] = [libraryMigration, queueMigration, modelsMigration];
