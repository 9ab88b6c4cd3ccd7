import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Batch } from '../../../src-shared/contract/index.js';
import { useBatchDetails } from '../../app/batch-details.js';
import { summarizeBatch } from '../../app/batch-summary.js';
import { BatchSummaryText, SummaryCountsBar } from '../../app/BatchSummaryText.js';
import { batchName, batchTitle, batchTypeLabel, callErrorText } from '../../app/labels.js';
import { useRegistry } from '../../app/registry.js';
import { StateBadge } from '../../ui/badges.js';
import { formatRelative } from '../../ui/format.js';
import { projectHref } from '../library/public.js';
import { useErrorToast } from './error-toast.js';
import { useBatches, useQueueAction } from './queries.js';
import { etaMeter, formatEta } from './eta.js';

const BATCH_STEP = 10;
const finishedBatch = (b: Batch) => b.state === 'completed' || b.state === 'failed' || b.state === 'cancelled';
const noReview = () => 0;

function BatchRow({ batch, detail, projectName, onShowJobs }: { batch: Batch; detail: unknown; projectName: string | undefined; onShowJobs: (b: Batch, name: string) => void }) {
  const { t, i18n } = useTranslation();
  const presenter = useRegistry().presenter(batch.type);
  const RowDetails = presenter?.RowDetails;
  const action = useQueueAction();
  const onError = useErrorToast();
  const finished = finishedBatch(batch);
  const title = batchTitle(t, batch, presenter, detail, projectName);
  const name = batchName(t, batch, presenter, detail);
  // The presenter's hook for this batch type; a row's type never changes, so the hook order holds.
  const useNeedsReview = presenter?.useNeedsReview ?? noReview;
  const summary = summarizeBatch(batch, useNeedsReview(batch, detail));
  const eta = etaMeter.secondsLeft(batch);
  const run = (method: 'queue.pause' | 'queue.resume' | 'queue.cancelBatch' | 'queue.retryFailedBatch') =>
    action.mutate(
      method === 'queue.cancelBatch' ? { method, input: { id: batch.id } } : { method, input: { batchId: batch.id } },
      { onError },
    );
  return (
    <li className="batch-row" data-testid="batch-row" data-batch-id={batch.id} data-type={batch.type} data-state={summary.state}>
      <div className="batch-head">
        <div className="batch-title">
          <strong title={title}>{name}</strong>
          <span className="muted">
            {batchTypeLabel(t, batch.type)}
            {batch.projectId && projectName ? (
              <>
                {' · '}
                <a href={projectHref(batch.projectId)}>{projectName}</a>
              </>
            ) : null}
            {' · '}
            {formatRelative(batch.createdAt, i18n.language)}
          </span>
        </div>
        <StateBadge state={summary.state} testId="batch-state" />
      </div>
      <SummaryCountsBar summary={summary} label={t('queue.batchProgress', { name: title })} />
      <div className="batch-foot">
        <span className="batch-counts" data-testid="batch-counts">
          <BatchSummaryText summary={summary} testIdPrefix="batch" />
          {eta !== null ? (
            <span className="muted" data-testid="batch-eta">
              {' · '}
              {t('batchSummary.eta', { time: formatEta(eta, i18n.language) })}
            </span>
          ) : null}
        </span>
        <span className="batch-actions">
          <button type="button" className="button button-small" onClick={() => onShowJobs(batch, name)} data-testid="batch-show-jobs">
            {t('queue.showJobs')}
          </button>
          {!finished ? (
            batch.paused ? (
              <button type="button" className="button button-small" onClick={() => run('queue.resume')} disabled={action.isPending} data-testid="batch-resume">
                {t('queue.resume')}
              </button>
            ) : (
              <button type="button" className="button button-small" onClick={() => run('queue.pause')} disabled={action.isPending} data-testid="batch-pause">
                {t('queue.pause')}
              </button>
            )
          ) : null}
          {batch.failed > 0 ? (
            <button type="button" className="button button-small" onClick={() => run('queue.retryFailedBatch')} disabled={action.isPending} data-testid="batch-retry-failed">
              {t('queue.retryFailed')}
            </button>
          ) : null}
          {!finished ? (
            <button type="button" className="button button-small button-danger-outline" onClick={() => run('queue.cancelBatch')} disabled={action.isPending} data-testid="batch-cancel">
              {t('common.cancel')}
            </button>
          ) : null}
        </span>
      </div>
      {RowDetails ? <RowDetails batch={batch} detail={detail} /> : null}
    </li>
  );
}

export function Batches({ onShowJobs, projectNames }: { onShowJobs: (b: Batch, name: string) => void; projectNames: Map<string, string> }) {
  const { t } = useTranslation();
  const [limit, setLimit] = useState(BATCH_STEP);
  const batches = useBatches(limit);
  const details = useBatchDetails(batches.data?.items ?? []);
  return (
    <section className="queue-section" aria-labelledby="queue-batches-title">
      <h2 id="queue-batches-title">
        {t('queue.batches')} {batches.data ? <span className="muted count">({batches.data.total})</span> : null}
      </h2>
      {batches.isError ? (
        <p className="error">{callErrorText(t, batches.error)}</p>
      ) : !batches.data ? (
        <p className="muted">{t('common.loading')}</p>
      ) : batches.data.items.length === 0 ? (
        <p className="empty" data-testid="batches-empty">
          {t('queue.noBatches')}
        </p>
      ) : (
        <>
          <ul className="batch-list" data-testid="batch-list">
            {batches.data.items.map((b) => (
              <BatchRow key={b.id} batch={b} detail={details.get(b.id)} projectName={b.projectId ? projectNames.get(b.projectId) : undefined} onShowJobs={onShowJobs} />
            ))}
          </ul>
          {batches.data.total > batches.data.items.length ? (
            <button type="button" className="link-button more" onClick={() => setLimit((l) => Math.min(l + BATCH_STEP * 2, 1000))} data-testid="batches-more">
              {t('queue.showMoreBatches', { count: batches.data.total - batches.data.items.length })}
            </button>
          ) : null}
        </>
      )}
    </section>
  );
}
