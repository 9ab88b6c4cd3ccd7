import { defineFeature } from '../../engine/feature.js';
import { productsApi, type ProductsApi } from './api.js';
import { ProductCatalog } from './catalog.js';
import { exportStream } from './catalog-files.js';
import { productsCommand } from './cli-products.js';
import { productsMigrations } from './migrations.js';

/** The products catalog: barcodes, fields, status workflow, typed images; CSV/JSON in, ZIP/CSV/JSON out. */
export const productsFeature = defineFeature<ProductsApi>({
  name: 'products',
  migrations: productsMigrations,
  create: (ctx) => productsApi(new ProductCatalog(ctx.db, ctx.store, ctx.events), ctx.db, ctx.uploads),
  handlers: ({ catalog, importFile, exportTo }) => ({
    'products.list': (input) => catalog.list(input),
    'products.categories': () => catalog.categories(),
    'products.stats': () => catalog.stats(),
    'products.get': ({ id }) => catalog.get(id),
    'products.byBarcode': ({ code }) => catalog.byBarcode(code),
    'products.create': (input) => catalog.create(input),
    'products.update': ({ id, version, fields }) => catalog.update(id, version, fields),
    'products.setStatus': ({ selection, status }) => catalog.setStatus(catalog.resolve(selection), status),
    'products.addBarcode': ({ id, version, code, primary, allowInvalidCheckDigit }) => catalog.addBarcode(id, version, code, { primary, allowInvalidCheckDigit }),
    'products.removeBarcode': ({ id, version, code }) => catalog.removeBarcode(id, version, code),
    'products.setPrimaryBarcode': ({ id, version, code }) => catalog.setPrimaryBarcode(id, version, code),
    'products.delete': ({ selection }) => catalog.delete(catalog.resolve(selection)),
    'products.restore': ({ undoToken }) => catalog.restore(undoToken),
    'products.images': ({ productId, type, offset, limit }) => catalog.images(productId, type, offset, limit),
    'products.setPrimaryImage': ({ id, version, imageId }) => catalog.setPrimaryImage(id, version, imageId),
    'products.import': (input) => importFile(input),
    'products.exportTo': ({ destPath, format, selection }) => exportTo(destPath, format, catalog.resolve(selection)),
  }),
  downloads: ({ catalog }) => ({
    'products-export': ({ format, selection }) => exportStream(catalog, catalog.resolve(selection), format),
  }),
  media: ({ catalog }, id, variant) => catalog.media(id, variant),
  cli: (self) => [productsCommand(self)],
});
