import { v7 } from 'uuid';

/** UUIDv7: time-sortable and unique across devices (see shared/design/domain.md). */
export function newId(): string {
  return v7();
}
