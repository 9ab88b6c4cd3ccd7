import { useEffect, useRef, useState, type PointerEvent as ReactPointerEvent, type WheelEvent as ReactWheelEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { useRegistry } from '../../app/registry.js';
import { useBackend } from '../../backend/index.js';
import { Dialog } from '../../ui/Dialog.js';
import { formatBytes } from '../../ui/format.js';
import { icons } from '../../ui/icons.js';
import { deleteIcon, nextIcon, previousIcon } from './icons.js';
import { useDeleteImages } from './delete-images.js';
import { useAssetAt } from './queries.js';
import type { ListView } from './view-store.js';

/** The most a photo is enlarged: past 8× its own pixels there is nothing more to see. */
const MAX_PIXEL_ZOOM = 8;
const WHEEL_STEP = 0.0015;

interface Zoom {
  /** Size relative to the fitted frame: 1 is fit. */
  k: number;
  /** The frame's centre, moved from the stage's (px on screen). */
  x: number;
  y: number;
}

const FIT: Zoom = { k: 1, x: 0, y: 0 };

/**
 * One image at full resolution with its details; arrows walk the project in the grid's
 * order. The thumbnail shows at once and the original replaces it when decoded; a
 * format the browser cannot show (TIFF, HEIF) stays on the thumbnail, with a note.
 * The wheel zooms around the pointer, a drag pans when zoomed, Fit and 1:1 reset; what
 * other features draw over the image (before/after) zooms with it.
 */
export function Lightbox({ projectId, view, index, onIndex, onClose }: { projectId: string; view: ListView; index: number; onIndex: (i: number) => void; onClose: () => void }) {
  const { t, i18n } = useTranslation();
  const backend = useBackend();
  const { asset, total, isLoading } = useAssetAt(projectId, view, index);
  const [failedId, setFailedId] = useState<string | null>(null);
  const [loadedId, setLoadedId] = useState<string | null>(null);
  const { viewerPanels } = useRegistry();
  // Where the features' viewer panels draw: over the image, and in the details column.
  const [stage, setStage] = useState<HTMLElement | null>(null);
  const [side, setSide] = useState<HTMLElement | null>(null);
  const [zoom, setZoom] = useState<Zoom>(FIT);
  const stageRef = useRef<HTMLDivElement>(null);
  const frameRef = useRef<HTMLDivElement>(null);
  const drag = useRef<{ id: number; x: number; y: number; from: Zoom } | null>(null);
  const deleteImages = useDeleteImages(projectId);

  const go = (delta: number) => {
    const next = index + delta;
    if (next >= 0 && next < total) onIndex(next);
  };

  // The list changed under the viewer (a delete, a review that took the image out of the filter):
  // the last image steps back, and an empty list closes the viewer.
  useEffect(() => {
    if (isLoading) return;
    if (total === 0) onClose();
    else if (index >= total) onIndex(total - 1);
  }, [isLoading, total, index, onClose, onIndex]);

  // Each image opens fitted.
  useEffect(() => setZoom(FIT), [asset?.id]);

  /** The zoom at which one image pixel is one screen pixel (the fitted frame is never larger than the image). */
  const oneToOne = () => {
    const frame = frameRef.current;
    if (!frame || !asset) return 1;
    return Math.max(1, asset.width / frame.offsetWidth);
  };
  const maxZoom = () => Math.max(2, oneToOne() * MAX_PIXEL_ZOOM);

  /** Zoom to `k`, keeping the image point under (cx, cy) (relative to the stage's centre) where it is. */
  const zoomAt = (k: number, cx: number, cy: number) =>
    setZoom((z) => {
      const next = Math.min(maxZoom(), Math.max(1, k));
      if (next === 1) return FIT;
      const px = (cx - z.x) / z.k;
      const py = (cy - z.y) / z.k;
      return clampPan({ k: next, x: cx - px * next, y: cy - py * next });
    });

  const clampPan = (z: Zoom): Zoom => {
    const frame = frameRef.current;
    if (!frame) return z;
    // The image may move until its edge reaches the stage's centre, not out of sight.
    const mx = (frame.offsetWidth * z.k) / 2;
    const my = (frame.offsetHeight * z.k) / 2;
    return { k: z.k, x: Math.max(-mx, Math.min(mx, z.x)), y: Math.max(-my, Math.min(my, z.y)) };
  };

  const centreOf = (e: { clientX: number; clientY: number }) => {
    const r = stageRef.current!.getBoundingClientRect();
    return { cx: e.clientX - (r.left + r.width / 2), cy: e.clientY - (r.top + r.height / 2) };
  };

  const onWheel = (e: ReactWheelEvent) => {
    if (!asset) return;
    const { cx, cy } = centreOf(e);
    zoomAt(zoom.k * Math.exp(-e.deltaY * WHEEL_STEP), cx, cy);
  };

  const onPointerDown = (e: ReactPointerEvent) => {
    if (zoom.k <= 1 || e.button !== 0 || (e.target as HTMLElement).closest('[data-no-pan]')) return;
    drag.current = { id: e.pointerId, x: e.clientX, y: e.clientY, from: zoom };
    (e.currentTarget as HTMLElement).setPointerCapture(e.pointerId);
    e.preventDefault();
  };
  const onPointerMove = (e: ReactPointerEvent) => {
    const d = drag.current;
    if (!d || d.id !== e.pointerId) return;
    setZoom(clampPan({ k: d.from.k, x: d.from.x + e.clientX - d.x, y: d.from.y + e.clientY - d.y }));
  };
  const endDrag = (e: ReactPointerEvent) => {
    if (drag.current?.id === e.pointerId) drag.current = null;
  };

  const remove = () => {
    if (!asset) return;
    const last = total - 1;
    deleteImages([asset.id], () => {
      // The next image takes this place; the last one steps back; nothing left closes the viewer.
      if (last <= 0) onClose();
      else if (index >= last) onIndex(last - 1);
    });
  };

  // Warm the cache for the neighbours so arrowing through is instant.
  const { asset: nextAsset } = useAssetAt(projectId, view, Math.min(index + 1, Math.max(total - 1, 0)));
  useEffect(() => {
    if (!nextAsset) return;
    const img = new Image();
    img.decoding = 'async';
    img.src = backend.mediaUrl(nextAsset.id, 'original');
  }, [backend, nextAsset]);

  const title = t('lightbox.label', { index: index + 1, total });
  const percent = asset && frameRef.current ? Math.round(((zoom.k * frameRef.current.offsetWidth) / asset.width) * 100) : null;
  return (
    <Dialog title={title} hideTitle onClose={onClose} className="lightbox" testId="lightbox">
      <div
        className="lightbox-body"
        onKeyDown={(e) => {
          if (e.ctrlKey || e.metaKey || e.altKey) return;
          if (e.key === 'ArrowRight') {
            e.preventDefault();
            go(1);
          } else if (e.key === 'ArrowLeft') {
            e.preventDefault();
            go(-1);
          } else if (e.key === 'Delete') {
            e.preventDefault();
            remove();
          } else if (e.key === '+' || e.key === '=') {
            e.preventDefault();
            zoomAt(zoom.k * 1.25, 0, 0);
          } else if (e.key === '-') {
            e.preventDefault();
            zoomAt(zoom.k / 1.25, 0, 0);
          } else if (e.key === '0') {
            e.preventDefault();
            setZoom(FIT);
          } else if (e.key === '1') {
            e.preventDefault();
            zoomAt(oneToOne(), 0, 0);
          }
        }}
      >
        <div
          ref={stageRef}
          className={`lightbox-stage ${zoom.k > 1 ? 'is-zoomed' : ''} ${drag.current ? 'is-panning' : ''}`}
          onWheel={onWheel}
          onPointerDown={onPointerDown}
          onPointerMove={onPointerMove}
          onPointerUp={endDrag}
          onPointerCancel={endDrag}
          data-testid="lightbox-stage"
        >
          {asset ? (
            // Sized like the original will be (never larger than it is): the thumbnail holds its place without a jump.
            <div
              ref={frameRef}
              className="lightbox-frame"
              data-testid="lightbox-frame"
              data-zoom={zoom.k.toFixed(3)}
              data-pan={`${Math.round(zoom.x)},${Math.round(zoom.y)}`}
              style={{
                aspectRatio: `${asset.width} / ${asset.height}`,
                width: `min(calc(100cqw - 2rem), ${asset.width}px, calc((100cqh - 2rem) * ${asset.width / asset.height}))`,
                transform: zoom.k === 1 ? undefined : `translate(${zoom.x}px, ${zoom.y}px) scale(${zoom.k})`,
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
          <div className="lightbox-zoom" role="group" aria-label={t('lightbox.zoom')}>
            <button type="button" className="button button-small" aria-pressed={zoom.k === 1} onClick={() => setZoom(FIT)} title="0" data-testid="lightbox-zoom-fit">
              {t('lightbox.fit')}
            </button>
            <button type="button" className="button button-small" onClick={() => zoomAt(oneToOne(), 0, 0)} title="1" data-testid="lightbox-zoom-1to1">
              1:1
            </button>
            <span className="muted" data-testid="lightbox-zoom-level">
              {percent !== null ? `${percent}%` : ''}
            </span>
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
          {asset ? (
            <button type="button" className="button button-danger-outline lightbox-delete" onClick={remove} title="Delete" data-testid="lightbox-delete">
              {deleteIcon}
              {t('lightbox.delete')}
            </button>
          ) : null}
        </aside>
        {viewerPanels.map(({ id, Panel }) => (
          <Panel key={id} projectId={projectId} asset={asset} stage={stage} side={side} />
        ))}
      </div>
    </Dialog>
  );
}
