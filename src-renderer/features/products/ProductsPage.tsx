import { ProductDetail } from './ProductDetail.js';
import { ProductList } from './ProductList.js';

/** `#/products` is the catalog; `#/products/<id>` one product (the shell's route carries the id where a project's would be). */
export function ProductsPage({ projectId }: { projectId: string | null }) {
  return projectId ? <ProductDetail key={projectId} id={projectId} /> : <ProductList />;
}
