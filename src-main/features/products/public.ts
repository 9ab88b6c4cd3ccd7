/** What other features may use of the products catalog. */
export { productsFeature } from './index.js';
export type { ProductsApi } from './api.js';
export type { NewProductImage, ProductCatalog } from './catalog.js';
export { gtinCheckDigitValid } from './gtin.js';
