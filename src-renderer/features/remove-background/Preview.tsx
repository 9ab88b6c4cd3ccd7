import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { QualityCode, RemoveBackgroundOptionsInput } from '../../../src-shared/contract/index.js';
import { useBackend } from '../../backend/index.js';
import { callErrorText } from '../../app/labels.js';

/** Sliders fire on every step; the engine renders when the hand rests. */
const SETTLE_MS = 250;
/** Big enough to judge an edge, small enough to come back in a blink once the mask is cached. */
const PREVIEW_SIDE = 360;
/** Below this the enlargement is not visible; above it the dialog warns. */
const UPSCALE_WARNING = 1.05;

export function reasonsText(t: (key: string) => string, reasons: readonly QualityCode[]): string {
  return reasons.map((r) => t(`bgQuality.${r}`)).join(', ');
}

/** The image the preview shows: the first selected one, else the project's first. */
function usePreviewAsset(projectId: string, firstSelected: string | null) {
  const backend = useBackend();
  return useQuery({
    queryKey: ['rb-preview-asset', projectId, firstSelected],
    queryFn: async () => {
      if (firstSelected) return backend.call('assets.get', { id: firstSelected });
      const { items } = await backend.call('assets.list', { projectId, offset: 0, limit: 1 });
      return items[0] ?? null;
    },
    staleTime: 60_000,
  });
}

/**
 * The dialog's live preview: the chosen preset and options rendered by the engine on one
 * image at a small size (remove-background.preview: nothing is recorded, and the model's
 * mask is cached, so only the first preview of an image waits for the model).
 */
export function LivePreview({
  projectId,
  firstSelected,
  options,
  modelId,
}: {
  projectId: string;
  firstSelected: string | null;
  options: RemoveBackgroundOptionsInput;
  modelId: string | null;
}) {
  const { t, i18n } = useTranslation();
  const backend = useBackend();
  const asset = usePreviewAsset(projectId, firstSelected).data ?? null;
  const wanted = JSON.stringify(options);
  const [settled, setSettled] = useState(wanted);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(wanted), SETTLE_MS);
    return () => clearTimeout(timer);
  }, [wanted]);

  const preview = useQuery({
    queryKey: ['rb-preview', asset?.id ?? null, settled, modelId],
    queryFn: () =>
      backend.call('remove-background.preview', {
        assetId: asset!.id,
        options: JSON.parse(settled) as RemoveBackgroundOptionsInput,
        ...(modelId ? { modelId } : {}),
        maxSide: PREVIEW_SIDE,
      }),
    enabled: !!asset,
    placeholderData: keepPreviousData,
    staleTime: Infinity,
    retry: false,
  });
  const data = preview.data;
  const upscale = data?.upscale ?? null;
  const busy = preview.isFetching || settled !== wanted;

  if (!asset) return null;
  return (
    <section className="segment-preview" aria-label={t('bgPreview.of', { name: asset.fileName })} data-testid="segment-preview" data-state={busy ? 'rendering' : preview.isError ? 'failed' : 'ready'}>
      <div className="segment-preview-stage checkerboard">
        {data ? (
          <img src={data.image} alt={t('bgPreview.of', { name: asset.fileName })} width={data.width} height={data.height} data-testid="segment-preview-image" />
        ) : (
          <span className="muted">{preview.isError ? null : t('bgPreview.rendering')}</span>
        )}
        {busy && data ? <span className="segment-preview-busy" aria-hidden="true" /> : null}
      </div>
      <p className="muted segment-preview-name" title={asset.relPath}>
        {asset.fileName}
      </p>
      {preview.isError ? (
        <p className="error" role="alert" data-testid="segment-preview-error">
          {t('bgPreview.failed', { message: callErrorText(t, preview.error) })}
        </p>
      ) : null}
      {data ? (
        <p className="muted" data-testid="segment-preview-size">
          {t('bgPreview.output', { width: data.outputWidth, height: data.outputHeight })}
        </p>
      ) : null}
      {data && !data.maskCached && !busy ? <p className="muted small">{t('bgPreview.firstRun')}</p> : null}
      {upscale !== null && upscale > UPSCALE_WARNING ? (
        <p className="warning-note" role="status" data-testid="segment-upscale-warning">
          {t('bgPreview.upscale', { factor: new Intl.NumberFormat(i18n.language, { maximumFractionDigits: 1 }).format(upscale) })}
        </p>
      ) : null}
      {data && data.review.verdict === 'needs_review' ? (
        <p className="warning-note" role="status" data-testid="segment-preview-review">
          {t('bgPreview.needsReview', { reasons: reasonsText(t, data.review.reasons) })}
        </p>
      ) : null}
    </section>
  );
}
