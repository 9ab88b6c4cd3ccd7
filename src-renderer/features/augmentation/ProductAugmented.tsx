import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Product } from '../../../src-shared/contract/index.js';
import { useBackend } from '../../backend/index.js';
import { augmentationKey } from './queries.js';

/**
 * A product's augmented images filtered by dataset (the product page's panel): the
 * products feature's Augmented tab lists them all; this one says which dataset made which.
 */
export function ProductAugmented({ product }: { product: Product }) {
  const { t } = useTranslation();
  const backend = useBackend();
  const datasets = useQuery({ queryKey: ['datasets', 'list'], queryFn: () => backend.call('datasets.list', {}), enabled: product.counts.augmented > 0 });
  const [chosen, setChosen] = useState<string | null>(null);
  const datasetId = chosen ?? datasets.data?.[0]?.id ?? null;
  const images = useQuery({
    queryKey: [...augmentationKey, 'images', datasetId, product.id],
    queryFn: () => backend.call('augmentation.images', { datasetId: datasetId!, productId: product.id, limit: 60 }),
    enabled: datasetId !== null,
  });
  if (product.counts.augmented === 0 || !datasets.data?.length) return null;
  return (
    <section className="augment-product" data-testid="product-augmented">
      <h3>{t('augmentation.images')}</h3>
      <select value={datasetId ?? ''} onChange={(e) => setChosen(e.target.value)} aria-label={t('augmentation.dataset')} data-testid="product-augmented-dataset">
        {datasets.data.map((d) => (
          <option key={d.id} value={d.id}>
            {d.name}
          </option>
        ))}
      </select>
      {images.data?.items.length ? (
        <ul className="augment-images" data-total={images.data.total}>
          {images.data.items.map((i) => (
            <li key={i.imageId}>
              <img src={backend.mediaUrl(i.imageId, 'thumb')} alt="" loading="lazy" title={t('augmentation.imageTitle', { kind: i.kind, index: i.index, pipeline: i.pipeline, seed: i.seed })} />
            </li>
          ))}
        </ul>
      ) : (
        <p className="muted">{t('augmentation.noImages')}</p>
      )}
    </section>
  );
}
