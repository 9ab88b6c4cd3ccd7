import { navigate } from '../../app/router.js';

/**
 * "Edit" from the list opens the product's page with its form focused. The route has no
 * room for it (it is `#/products/<id>`), so the wish waits here for the page to take it.
 */
let editWanted: string | null = null;

export function openForEdit(id: string): void {
  editWanted = id;
  navigate({ page: 'products', projectId: id });
}

/** True once for the product "Edit" was asked for. */
export function takeEditWish(id: string): boolean {
  if (editWanted !== id) return false;
  editWanted = null;
  return true;
}
