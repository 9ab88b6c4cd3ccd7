import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Product, Video } from '../../../src-shared/contract/index.js';
import { useBackend } from '../../backend/index.js';
import { formatDuration } from '../../ui/format.js';
import { videosKey } from './queries.js';

/** A product's source video(s) on its page: a player each, with name, length, state and frames kept. */
export function ProductVideos({ product }: { product: Product }) {
  const { t } = useTranslation();
  const backend = useBackend();
  const videos = useQuery({ queryKey: [...videosKey, 'product', product.id], queryFn: () => backend.call('videos.list', { productId: product.id, limit: 20 }) });
  const items = videos.data?.items ?? [];
  if (items.length === 0) return null;
  return (
    <section className="product-videos" data-testid="product-videos" aria-label={t('videos.sourceVideo', { count: items.length })}>
      <h2>{t('videos.sourceVideo', { count: items.length })}</h2>
      {items.map((v) => (
        <SourceVideo key={v.id} video={v} />
      ))}
    </section>
  );
}

function SourceVideo({ video: v }: { video: Video }) {
  const { t, i18n } = useTranslation();
  const backend = useBackend();
  const [unplayable, setUnplayable] = useState(false);
  const facts = [v.probe ? formatDuration(v.probe.duration * 1000, i18n.language) : null, t(`videos.states.${v.state}`), t('videos.framesKept', { count: v.framesKept })].filter(Boolean);
  return (
    <figure className="product-video" data-testid="product-video" data-video-id={v.id} data-state={v.state} data-frames={v.framesKept}>
      {unplayable ? (
        <p className="muted" data-testid="product-video-unplayable">
          {t('videos.cannotPlay', { codec: v.probe?.codec ?? '?' })}
        </p>
      ) : (
        <video
          controls
          preload="metadata"
          src={backend.mediaUrl(v.id, 'video')}
          poster={v.posterId ? backend.mediaUrl(v.posterId, 'original') : undefined}
          aria-label={t('videos.playerLabel', { name: v.originalName })}
          onError={() => setUnplayable(true)}
        />
      )}
      <figcaption>
        <span className="product-video-name" title={v.originalName}>
          {v.originalName}
        </span>
        <span className="muted" data-testid="product-video-facts">
          {facts.join(' · ')}
        </span>
      </figcaption>
    </figure>
  );
}
