import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useRegistry } from '../../app/registry.js';
import { useBackend } from '../../backend/index.js';
import { Dialog } from '../../ui/Dialog.js';
import { formatBytes } from '../../ui/format.js';
import { icons } from '../../ui/icons.js';
import { nextIcon, previousIcon } from './icons.js';
import { useAssetAt } from './queries.js';

/**
 * One image at full resolution with its details; arrows walk the project in import
 * order. The thumbnail shows at once and the original replaces it when decoded; a
 * format the browser cannot show (TIFF, HEIF) stays on the thumbnail, with a note.
 */
export function Lightbox({ projectId, index, onIndex, onClose }: { projectId: string; index: number; onIndex: (i: number) => void; onClose: () => void }) {
  const { t, i18n } = useTranslation();
  const backend = useBackend();
  const { asset, total } = useAssetAt(projectId, index);
  const [failedId, setFailedId] = useState<string | null>(null);
  const [loadedId, setLoadedId] = useState<string | null>(null);
  const { viewerPanels } = useRegistry();
  // Where the features' viewer panels draw: over the image, and in the details column.
  const [stage, setStage] = useState<HTMLElement | null>(null);
  const [side, setSide] = useState<HTMLElement | null>(null);

  const go = (delta: number) => {
    const next = index + delta;
    if (next >= 0 && next < total) onIndex(next);
  };

  // Warm the cache for the neighbours so arrowing through is instant.
  const { asset: nextAsset } = useAssetAt(projectId, Math.min(index + 1, Math.max(total - 1, 0)));
  useEffect(() => {
    if (!nextAsset) return;
    const img = new Image();
    img.decoding = 'async';
    img.src = backend.mediaUrl(nextAsset.id, 'original');
  }, [backend, nextAsset]);

  const title = t('lightbox.label', { index: index + 1, total });
  return (
    <Dialog title={title} hideTitle onClose={onClose} className="lightbox" testId="lightbox">
      <div
        className="lightbox-body"
        onKeyDown={(e) => {
          if (e.key === 'ArrowRight') {
            e.preventDefault();
            go(1);
          } else if (e.key === 'ArrowLeft') {
            e.preventDefault();
            go(-1);
          }
        }}
      >
        <div className="lightbox-stage">
          {asset ? (
            // Sized like the original will be (never larger than it is): the thumbnail holds its place without a jump.
            <div
              className="lightbox-frame"
              style={{
                aspectRatio: `${asset.width} / ${asset.height}`,
                width: `min(calc(100cqw - 2rem), ${asset.width}px, calc((100cqh - 2rem) * ${asset.width / asset.height}))`,
              }}
            >
              <img key={`t-${asset.id}`} className="lightbox-thumb" src={backend.mediaUrl(asset.id, 'thumb')} alt="" aria-hidden="true" draggable={false} />
              {failedId === asset.id ? null : (
                <img
                  key={`o-${asset.id}`}
                  className={`lightbox-image ${loadedId === asset.id ? 'is-loaded' : ''}`}
                  src={backend.mediaUrl(asset.id, 'original')}
                  alt={asset.fileName}
                  decoding="async"
                  draggable={false}
                  data-testid="lightbox-image"
                  onLoad={() => setLoadedId(asset.id)}
                  onError={() => setFailedId(asset.id)}
                />
              )}
              <div className="lightbox-layers" ref={setStage} />
            </div>
          ) : (
            <span className="muted">{t('lightbox.loading')}</span>
          )}
        </div>
        <aside className="lightbox-info">
          <div className="lightbox-nav">
            <button type="button" className="icon-button" onClick={() => go(-1)} disabled={index <= 0} aria-label={t('lightbox.previous')} data-testid="lightbox-prev">
              {previousIcon}
            </button>
            <span className="lightbox-position" data-testid="lightbox-position">
              {title}
            </span>
            <button type="button" className="icon-button" onClick={() => go(1)} disabled={index >= total - 1} aria-label={t('lightbox.next')} data-testid="lightbox-next">
              {nextIcon}
            </button>
            <button type="button" className="icon-button" onClick={onClose} aria-label={t('lightbox.close')} data-testid="lightbox-close" autoFocus>
              {icons.close}
            </button>
          </div>
          {asset ? (
            <dl className="details">
              <dt className="visually-hidden">{t('lightbox.path')}</dt>
              <dd className="lightbox-name" data-testid="lightbox-name">
                {asset.fileName}
              </dd>
              <dt>{t('lightbox.path')}</dt>
              <dd>
                <code>{asset.relPath}</code>
              </dd>
              <dt>{t('lightbox.size')}</dt>
              <dd>
                {t('lightbox.dimensions', { width: asset.width, height: asset.height })} · {formatBytes(asset.bytes, i18n.language)}
              </dd>
              <dt>{t('lightbox.format')}</dt>
              <dd>{asset.format.toUpperCase()}</dd>
            </dl>
          ) : null}
          {asset && failedId === asset.id ? <p className="muted">{t('lightbox.noPreview')}</p> : null}
          <div className="lightbox-panels" ref={setSide} />
        </aside>
        {viewerPanels.map(({ id, Panel }) => (
          <Panel key={id} projectId={projectId} asset={asset} stage={stage} side={side} />
        ))}
      </div>
    </Dialog>
  );
}
