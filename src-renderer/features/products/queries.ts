import { keepPreviousData, useQueries, useQuery } from '@tanstack/react-query';
import type { ProductFilter, ProductListInput, ProductImageType } from '../../../src-shared/contract/index.js';
import type { RendererBackend } from '../../backend/index.js';
import { useBackend } from '../../backend/index.js';

/** Every products query starts with this key: one invalidation refreshes them all. */
export const productsKey = ['products'] as const;

/** Rows per `products.list` call: a screenful several times over, well under the contract's 500. */
export const PAGE_SIZE = 100;

export type ProductSortKey = NonNullable<ProductListInput['sort']>;

/** What the list shows: the engine searches, filters and sorts (the catalog is 50,000 rows). */
export interface ProductView {
  query: string;
  status: readonly NonNullable<ProductFilter['status']>[number][];
  category: string | null;
  sort: ProductSortKey;
  order: 'asc' | 'desc';
}

export function viewFilter(view: ProductView): ProductFilter {
  return {
    ...(view.query.trim() ? { query: view.query.trim() } : {}),
    ...(view.status.length ? { status: [...view.status] } : {}),
    ...(view.category !== null ? { category: [view.category] } : {}),
  };
}

function viewKey(view: ProductView): string {
  return JSON.stringify([view.query.trim(), view.status, view.category, view.sort, view.order]);
}

export const productPageKey = (view: ProductView, page: number) => [...productsKey, 'list', viewKey(view), page] as const;

function fetchPage(backend: RendererBackend, view: ProductView, page: number) {
  return backend.call('products.list', { ...viewFilter(view), sort: view.sort, order: view.order, offset: page * PAGE_SIZE, limit: PAGE_SIZE });
}

/** The pages of the list that are on screen, fetched as they scroll into view (the total comes with each). */
export function useProductPages(view: ProductView, pages: readonly number[]) {
  const backend = useBackend();
  return useQueries({
    queries: pages.map((page) => ({
      queryKey: productPageKey(view, page),
      queryFn: () => fetchPage(backend, view, page),
      // A new search keeps the old rows on screen until its first page arrives.
      placeholderData: keepPreviousData,
    })),
  });
}

export function useProductStats() {
  const backend = useBackend();
  return useQuery({ queryKey: [...productsKey, 'stats'], queryFn: () => backend.call('products.stats', {}) });
}

export function useProductCategories() {
  const backend = useBackend();
  return useQuery({ queryKey: [...productsKey, 'categories'], queryFn: () => backend.call('products.categories', {}) });
}

export const productKey = (id: string) => [...productsKey, 'one', id] as const;

export function useProduct(id: string) {
  const backend = useBackend();
  return useQuery({ queryKey: productKey(id), queryFn: () => backend.call('products.get', { id }), retry: false });
}

export function useProductImages(productId: string, type: ProductImageType, enabled: boolean) {
  const backend = useBackend();
  return useQuery({
    queryKey: [...productsKey, 'images', productId, type],
    // The contract's page is 1,000 images; a product's frames stay well under that.
    queryFn: () => backend.call('products.images', { productId, type, limit: 1000 }),
    enabled,
  });
}
