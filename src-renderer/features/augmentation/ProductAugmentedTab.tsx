import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { AugmentedImage, Product } from '../../../src-shared/contract/index.js';
import { hrefFor } from '../../app/router.js';
import { useBackend } from '../../backend/index.js';
import { Dialog } from '../../ui/Dialog.js';
import { augmentationKey } from './queries.js';

const PAGE = 120;
/** The select's value for every dataset at once. */
const ALL = '';

/**
 * The product page's Augmented tab (contributed as the product panel AUGMENTED_TAB_PANEL,
 * which the products page shows inside that tab): its augmented images, filtered by the
 * datasets that hold some (with counts), each opening with the origin it was made from.
 */
export function ProductAugmentedTab({ product }: { product: Product }) {
  const { t } = useTranslation();
  const backend = useBackend();
  const [chosen, setChosen] = useState(ALL);
  const [limit, setLimit] = useState(PAGE);
  const [open, setOpen] = useState<AugmentedImage | null>(null);
  const datasets = useQuery({
    queryKey: [...augmentationKey, 'productDatasets', product.id, product.counts.augmented],
    queryFn: () => backend.call('augmentation.productDatasets', { productId: product.id }),
  });
  // A dataset deleted meanwhile (its images went with it) falls back to all.
  const datasetId = datasets.data?.some((d) => d.datasetId === chosen) ? chosen : ALL;
  const images = useQuery({
    queryKey: [...augmentationKey, 'images', datasetId || 'all', product.id, limit, product.counts.augmented],
    queryFn: () => backend.call('augmentation.images', { productId: product.id, ...(datasetId ? { datasetId } : {}), limit }),
    placeholderData: (previous) => previous,
  });
  const list = datasets.data ?? [];
  const total = list.reduce((n, d) => n + d.count, 0);
  const items = images.data?.items ?? [];
  const nameOf = (id: string) => list.find((d) => d.datasetId === id)?.name ?? '';
  return (
    <div className="augment-tab" data-testid="product-augmented">
      {list.length ? (
        <div className="augment-tab-head">
          <label>
            {t('augmentation.dataset')}{' '}
            <select
              value={datasetId}
              onChange={(e) => {
                setChosen(e.target.value);
                setLimit(PAGE);
              }}
              data-testid="product-augmented-dataset"
            >
              <option value={ALL}>{t('augmentation.allDatasets', { count: total })}</option>
              {list.map((d) => (
                <option key={d.datasetId} value={d.datasetId}>
                  {t('augmentation.datasetOption', { name: d.name, count: d.count })}
                </option>
              ))}
            </select>
          </label>
          {datasetId ? <a href={hrefFor({ page: 'datasets', projectId: datasetId })}>{t('augmentation.openDataset')}</a> : null}
        </div>
      ) : null}
      {datasets.isSuccess && list.length === 0 ? <p className="empty">{t('augmentation.tabEmpty')}</p> : null}
      {items.length ? (
        <ul className="augment-images" data-testid="product-augmented-images" data-total={images.data?.total ?? ''}>
          {items.map((i) => (
            <li key={i.imageId}>
              <button type="button" className="augment-image" onClick={() => setOpen(i)} data-testid="product-augmented-image" title={t('augmentation.imageTitle', { kind: i.kind, index: i.index, pipeline: i.pipeline, seed: i.seed })}>
                <img src={backend.mediaUrl(i.imageId, 'thumb')} alt="" loading="lazy" />
              </button>
            </li>
          ))}
        </ul>
      ) : null}
      {images.data && items.length < images.data.total ? (
        <button type="button" className="button" onClick={() => setLimit((l) => Math.min(1000, l + PAGE * 4))} disabled={limit >= 1000}>
          {t('augmentation.showMore', { shown: items.length, total: images.data.total })}
        </button>
      ) : null}
      {open ? (
        <Dialog title={t('augmentation.imageTitle', { kind: open.kind, index: open.index, pipeline: open.pipeline, seed: open.seed })} onClose={() => setOpen(null)} testId="product-augmented-viewer">
          <figure className="augment-viewer">
            <img src={backend.mediaUrl(open.imageId, 'original')} alt="" />
            <figcaption className="muted">
              {nameOf(open.datasetId)} · {t('augmentation.madeFrom')}
            </figcaption>
            <img className="augment-viewer-source" src={backend.mediaUrl(open.sourceImageId, 'thumb')} alt="" />
          </figure>
        </Dialog>
      ) : null}
    </div>
  );
}
