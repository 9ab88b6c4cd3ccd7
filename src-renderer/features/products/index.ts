import { defineFeature } from '../../app/feature.js';
import { productsIcon } from './icons.js';
import { useProductsLive } from './live.js';
import { en, tr } from './messages.js';
import './products.css';
import { ProductsPage } from './ProductsPage.js';

/**
 * The products catalog: the Products page (a virtualized, server-searched table of the
 * whole catalog with bulk actions, import and export) and each product's page (fields,
 * barcodes, status, images). Other features add bulk actions (`productBulkActions`) and
 * panels on a product's page (`productPanels`).
 */
export const productsFeature = defineFeature({
  name: 'products',
  messages: { en, tr },
  routes: [{ page: 'products', order: 22, label: 'nav.products', icon: productsIcon, Page: ProductsPage, withProject: true }],
  live: [useProductsLive],
  // Keys the list handles itself (no binding): rows of the shortcut sheet only.
  shortcuts: [
    { id: 'products-open', order: 71, keys: () => '↑ ↓ · Enter', label: 'shortcuts.productsOpen' },
    { id: 'products-select', order: 72, keys: (t, mod) => `${t('shortcuts.spaceKey')} · Shift+${t('shortcuts.click')} · ${mod}+A`, label: 'shortcuts.productsSelect' },
    { id: 'products-delete', order: 73, keys: () => 'Delete', label: 'shortcuts.productsDelete' },
  ],
});
