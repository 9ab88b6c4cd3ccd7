import { useQueryClient } from '@tanstack/react-query';
import { useVirtualizer } from '@tanstack/react-virtual';
import { useLayoutEffect, useRef, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { BarcodeCode, ContractError, productTransitions, type Product, type ProductImage, type ProductImageType, type ProductStatus } from '../../../src-shared/contract/index.js';
import { useRegistry } from '../../app/registry.js';
import { hrefFor } from '../../app/router.js';
import { useBackend } from '../../backend/index.js';
import { Dialog } from '../../ui/Dialog.js';
import { formatRelative } from '../../ui/format.js';
import { showToast } from '../../ui/toasts.js';
import { checkDigitWrong } from './gtin.js';
import { takeEditWish } from './open-product.js';
import { productTitle } from './ProductList.js';
import { ProductForm } from './ProductForm.js';
import { productKey, productsKey, useProduct, useProductImages } from './queries.js';
import { StatusBadge } from './StatusBadge.js';

function useProductCall() {
  const queryClient = useQueryClient();
  const { t } = useTranslation();
  return (promise: Promise<Product>, success?: string) =>
    promise.then(
      (p) => {
        queryClient.setQueryData(productKey(p.id), p);
        void queryClient.invalidateQueries({ queryKey: [...productsKey, 'list'] });
        if (success) showToast({ kind: 'success', title: success });
        return p;
      },
      (err: unknown) => {
        showToast({ kind: 'error', title: t('toast.error', { message: (err as Error).message }), tag: err instanceof ContractError ? err.code : undefined });
        // A stale version: take the library's copy, so the next click works.
        if (err instanceof ContractError && err.code === 'conflict') void queryClient.invalidateQueries({ queryKey: productsKey });
        return null;
      },
    );
}

function StatusCard({ product }: { product: Product }) {
  const { t, i18n } = useTranslation();
  const backend = useBackend();
  const queryClient = useQueryClient();
  const [busy, setBusy] = useState(false);
  const moves = productTransitions[product.status];
  const move = async (status: ProductStatus) => {
    setBusy(true);
    try {
      const r = await backend.call('products.setStatus', { selection: { ids: [product.id] }, status });
      if (r.refused.length) showToast({ kind: 'error', title: t('products.statusRefused', { count: 1, status: t(`products.status.${status}`), detail: t(`products.status.${r.refused[0]!.from}`) }) });
    } catch (err) {
      showToast({ kind: 'error', title: t('toast.error', { message: (err as Error).message }) });
    } finally {
      setBusy(false);
      void queryClient.invalidateQueries({ queryKey: productsKey });
    }
  };
  return (
    <section className="product-card product-status-card" aria-labelledby="product-status-title" data-testid="product-status-card" data-status={product.status}>
      <h2 id="product-status-title">{t('products.detail.statusCard')}</h2>
      <p>
        <StatusBadge status={product.status} />
      </p>
      <p className="product-frame-count" data-testid="product-frame-count" data-count={product.counts.synthetic}>
        {t('products.detail.frames', { count: product.counts.synthetic })}
      </p>
      <div className="product-moves">
        {moves.length === 0 ? <span className="muted">{t('products.detail.noMoves')}</span> : null}
        {moves.map((s) => (
          <button key={s} type="button" className="button button-small" disabled={busy} onClick={() => void move(s)} data-testid={`product-move-${s}`}>
            {t('products.detail.moveTo', { status: t(`products.status.${s}`) })}
          </button>
        ))}
      </div>
      <p className="muted product-version">{t('products.detail.version', { version: product.version, when: formatRelative(product.updatedAt, i18n.language) })}</p>
    </section>
  );
}

function Barcodes({ product }: { product: Product }) {
  const { t } = useTranslation();
  const backend = useBackend();
  const call = useProductCall();
  const [code, setCode] = useState('');
  const [warn, setWarn] = useState<string | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const add = async (allowInvalidCheckDigit: boolean) => {
    const value = code.trim();
    setProblem(null);
    if (!BarcodeCode.safeParse(value).success) return setProblem(t('products.detail.barcodeFormat'));
    if (!allowInvalidCheckDigit && checkDigitWrong(value)) return setWarn(value);
    setWarn(null);
    try {
      const p = await backend.call('products.addBarcode', { id: product.id, version: product.version, code: value, primary: product.barcodes.length === 0, allowInvalidCheckDigit });
      void call(Promise.resolve(p), t('products.detail.barcodeAdded', { code: value }));
      setCode('');
    } catch (err) {
      // A barcode another product owns: the engine's message names that product.
      setProblem((err as Error).message);
    }
  };
  return (
    <section className="product-card product-barcodes" aria-labelledby="product-barcodes-title" data-testid="product-barcodes">
      <h2 id="product-barcodes-title">{t('products.detail.barcodes')}</h2>
      <ul>
        {product.barcodes.map((b) => (
          <li key={b.code} data-testid="product-barcode" data-code={b.code} data-primary={b.primary ? 'true' : 'false'}>
            <code>{b.code}</code>
            {b.primary ? <span className="product-primary">{t('products.detail.primary')}</span> : null}
            {!b.checkDigitValid ? <span className="muted"> ({t('products.detail.checkDigitOff')})</span> : null}
            <span className="product-barcode-actions">
              {!b.primary ? (
                <button type="button" className="button button-small" onClick={() => void call(backend.call('products.setPrimaryBarcode', { id: product.id, version: product.version, code: b.code }))} data-testid="product-barcode-primary">
                  {t('products.detail.makePrimary')}
                </button>
              ) : null}
              <button type="button" className="icon-button" aria-label={t('products.detail.removeBarcode', { code: b.code })} onClick={() => void call(backend.call('products.removeBarcode', { id: product.id, version: product.version, code: b.code }))} data-testid="product-barcode-remove">
                ✕
              </button>
            </span>
          </li>
        ))}
      </ul>
      <form
        className="product-barcode-add"
        onSubmit={(e: FormEvent) => {
          e.preventDefault();
          void add(false);
        }}
      >
        <input
          inputMode="numeric"
          autoComplete="off"
          value={code}
          placeholder={t('products.detail.newBarcode')}
          aria-label={t('products.detail.newBarcode')}
          onChange={(e) => {
            setCode(e.currentTarget.value);
            setWarn(null);
            setProblem(null);
          }}
          data-testid="product-barcode-input"
        />
        <button type="submit" className="button button-small" disabled={!code.trim()} data-testid="product-barcode-add">
          {t('products.detail.addBarcode')}
        </button>
      </form>
      {warn ? (
        <p className="product-warning" role="alert" data-testid="product-barcode-warning">
          {t('products.detail.checkDigitWarning', { code: warn })}{' '}
          <button type="button" className="button button-small" onClick={() => void add(true)} data-testid="product-barcode-keep">
            {t('products.detail.keepAnyway')}
          </button>
        </p>
      ) : null}
      {problem ? (
        <p className="error" role="alert" data-testid="product-barcode-problem">
          {problem}
        </p>
      ) : null}
    </section>
  );
}

const TILE = 148;
const GAP = 8;

function ImageGrid({ product, type }: { product: Product; type: ProductImageType }) {
  const { t } = useTranslation();
  const backend = useBackend();
  const images = useProductImages(product.id, type, true);
  const scroll = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(0);
  const [open, setOpen] = useState<number | null>(null);
  useLayoutEffect(() => {
    const el = scroll.current;
    if (!el) return;
    setWidth(el.clientWidth);
    const observer = new ResizeObserver(() => setWidth(el.clientWidth));
    observer.observe(el);
    return () => observer.disconnect();
  }, []);
  const items = images.data?.items ?? [];
  const cols = Math.max(1, Math.floor((width + GAP) / (TILE + GAP)));
  const rows = Math.ceil(items.length / cols);
  const virtualizer = useVirtualizer({ count: rows, getScrollElement: () => scroll.current, estimateSize: () => TILE + GAP, overscan: 3 });
  const name = productTitle(product, t('products.unnamed'));
  return (
    <div className="product-images" ref={scroll} data-testid={`product-images-${type}`} data-count={images.data?.total ?? ''}>
      {images.data && items.length === 0 ? <p className="empty">{type === 'synthetic' ? t('products.detail.noSynthetic') : t('products.detail.noImages')}</p> : null}
      <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
        {virtualizer.getVirtualItems().map((row) => (
          <div key={row.index} className="product-image-row" style={{ transform: `translateY(${row.start}px)`, gridTemplateColumns: `repeat(${cols}, ${TILE}px)` }}>
            {items.slice(row.index * cols, row.index * cols + cols).map((img, j) => {
              const n = row.index * cols + j;
              return (
                <button key={img.id} type="button" className={`product-image ${img.review === 'needs_review' ? 'needs-review' : ''}`} data-testid="product-image" data-image-id={img.id} aria-label={t('products.detail.imageOf', { n: n + 1, name })} onClick={() => setOpen(n)}>
                  <img src={backend.mediaUrl(img.id, 'thumb')} alt="" loading="lazy" decoding="async" draggable={false} />
                  {img.frameIndex !== null ? <span className="product-image-tag">{t('products.detail.frameIndex', { index: img.frameIndex })}</span> : null}
                </button>
              );
            })}
          </div>
        ))}
      </div>
      {open !== null && items[open] ? <ImageViewer product={product} images={items} index={open} setIndex={setOpen} /> : null}
    </div>
  );
}

function ImageViewer({ product, images, index, setIndex }: { product: Product; images: readonly ProductImage[]; index: number; setIndex: (i: number | null) => void }) {
  const { t } = useTranslation();
  const backend = useBackend();
  const call = useProductCall();
  const img = images[index]!;
  const name = productTitle(product, t('products.unnamed'));
  return (
    <Dialog title={t('products.detail.imageOf', { n: index + 1, name })} onClose={() => setIndex(null)} testId="product-image-viewer" className="product-viewer">
      <div
        className="product-viewer-body"
        tabIndex={-1}
        onKeyDown={(e) => {
          if (e.key === 'ArrowRight' && index < images.length - 1) setIndex(index + 1);
          if (e.key === 'ArrowLeft' && index > 0) setIndex(index - 1);
        }}
      >
        <figure>
          <img src={backend.mediaUrl(img.id, 'original')} alt={t('products.detail.original')} />
          <figcaption>
            {t('products.detail.original')}
            {img.frameIndex !== null ? ` · ${t('products.detail.frameIndex', { index: img.frameIndex })}` : ''} · {img.width}×{img.height}
            {img.review === 'needs_review' ? ` · ${t('products.detail.needsReview')}` : ''}
          </figcaption>
        </figure>
        {img.cutoutId ? (
          <figure className="checkerboard">
            <img src={backend.mediaUrl(img.cutoutId, 'original')} alt={t('products.detail.cutout')} data-testid="product-viewer-cutout" />
            <figcaption>{t('products.detail.cutout')}</figcaption>
          </figure>
        ) : null}
      </div>
      <div className="dialog-actions">
        <button type="button" className="button" disabled={index === 0} onClick={() => setIndex(index - 1)} aria-label="←">
          ←
        </button>
        <button type="button" className="button" disabled={index >= images.length - 1} onClick={() => setIndex(index + 1)} aria-label="→">
          →
        </button>
        <button type="button" className="button" disabled={product.primaryImageId === img.id} onClick={() => void call(backend.call('products.setPrimaryImage', { id: product.id, version: product.version, imageId: img.id }))}>
          {t('products.detail.makePrimaryImage')}
        </button>
        <button type="button" className="button button-primary" onClick={() => setIndex(null)} autoFocus>
          {t('products.detail.close')}
        </button>
      </div>
    </Dialog>
  );
}

type Tab = 'metadata' | ProductImageType;

/** One product: title, status and its moves, barcodes, every field, its images by type, and what other features show of it. */
export function ProductDetail({ id }: { id: string }) {
  const { t } = useTranslation();
  const product = useProduct(id);
  const registry = useRegistry();
  const [tab, setTab] = useState<Tab>('metadata');
  const [focusForm] = useState(() => takeEditWish(id));
  const contributed = registry.features.flatMap((f) => f.productPanels ?? []).sort((a, b) => a.order - b.order);
  // A panel with this id (augmentation's) is the Augmented tab's content, in place of the plain grid.
  const augmentedTab = contributed.find((x) => x.id === 'augmented-tab');
  const panels = contributed.filter((x) => x !== augmentedTab);
  const back = (
    <a className="product-back" href={hrefFor({ page: 'products', projectId: null })} data-testid="product-back">
      ← {t('products.detail.back')}
    </a>
  );
  if (product.isError) {
    return (
      <div className="page product-detail" data-testid="page-product">
        {back}
        <p className="empty" data-testid="product-not-found">
          {product.error instanceof ContractError && product.error.code === 'not_found' ? t('products.detail.notFound') : product.error.message}
        </p>
      </div>
    );
  }
  const p = product.data;
  if (!p) return <div className="page product-detail" data-testid="page-product" aria-busy="true" />;
  const tabs: [Tab, string][] = [
    ['metadata', t('products.detail.tabMetadata')],
    ['synthetic', t('products.detail.tabSynthetic', { count: p.counts.synthetic })],
    ['real', t('products.detail.tabReal', { count: p.counts.real })],
    ['augmented', t('products.detail.tabAugmented', { count: p.counts.augmented })],
  ];
  const title = [p.brandName, p.productName].filter(Boolean).join(' ') || t('products.unnamed');
  return (
    <div className="page product-detail" data-testid="page-product" data-product-id={p.id} data-version={p.version}>
      {back}
      <div className="product-detail-head">
        <h1 data-testid="product-title">{title}</h1>
        {p.variant ? <p className="muted">{p.variant}</p> : null}
      </div>
      <div className="product-detail-side">
        <StatusCard product={p} />
        <Barcodes product={p} />
        {panels.map((panel) => (
          <panel.Panel key={panel.id} product={p} />
        ))}
      </div>
      <div className="product-detail-main">
        <div className="product-tabs" role="tablist" aria-label={t('products.detail.tabs')}>
          {tabs.map(([key, label]) => (
            <button
              key={key}
              type="button"
              role="tab"
              id={`product-tab-${key}`}
              aria-selected={tab === key}
              aria-controls={`product-panel-${key}`}
              tabIndex={tab === key ? 0 : -1}
              className={`product-tab ${tab === key ? 'is-on' : ''}`}
              data-testid={`product-tab-${key}`}
              onClick={() => setTab(key)}
              onKeyDown={(e) => {
                const at = tabs.findIndex(([k]) => k === key);
                const to = e.key === 'ArrowRight' ? (at + 1) % tabs.length : e.key === 'ArrowLeft' ? (at + tabs.length - 1) % tabs.length : null;
                if (to === null) return;
                e.preventDefault();
                setTab(tabs[to]![0]);
                document.getElementById(`product-tab-${tabs[to]![0]}`)?.focus();
              }}
            >
              {label}
            </button>
          ))}
        </div>
        <div role="tabpanel" id={`product-panel-${tab}`} aria-labelledby={`product-tab-${tab}`} className="product-tabpanel">
          {tab === 'metadata' ? (
            <ProductForm key={p.id} product={p} focusFirst={focusForm} />
          ) : tab === 'augmented' && augmentedTab ? (
            <augmentedTab.Panel product={p} />
          ) : (
            <ImageGrid key={tab} product={p} type={tab} />
          )}
        </div>
      </div>
    </div>
  );
}
