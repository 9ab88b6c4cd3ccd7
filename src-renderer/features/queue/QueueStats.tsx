import { useTranslation } from 'react-i18next';
import { JobState, type QueueStats } from '../../../src-shared/contract/index.js';
import { jobTypeLabel } from '../../app/labels.js';
import { formatDuration, formatNumber } from '../../ui/format.js';
import type { JobFilter } from './queries.js';

export function Stats({ stats, filter, onState }: { stats: QueueStats; filter: JobFilter; onState: (s: JobState | null) => void }) {
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  return (
    <section className="queue-stats" aria-label={t('queue.countsTitle')}>
      <ul className="stat-cards">
        {JobState.options.map((state) => (
          <li key={state}>
            <button
              type="button"
              className={`stat-card stat-${state}`}
              aria-pressed={filter.state === state}
              onClick={() => onState(filter.state === state ? null : state)}
              data-testid={`queue-count-${state}`}
              data-count={stats.counts[state]}
              title={t('queue.filterBy', { state: t(`states.${state}`) })}
            >
              <span className="stat-value">{formatNumber(stats.counts[state], lang)}</span>
              <span className="stat-label">{t(`states.${state}`)}</span>
            </button>
          </li>
        ))}
      </ul>
      <dl className="queue-figures">
        <div>
          <dt>{t('queue.throughput')}</dt>
          <dd data-testid="queue-throughput">
            {t('queue.perMinute', { value: formatNumber(stats.throughput.lastMinute, lang, 1) })}
            <span className="muted"> · {t('queue.last15', { value: formatNumber(stats.throughput.last15Minutes, lang, 1) })}</span>
          </dd>
        </div>
        <div>
          <dt>{t('queue.batchesFigure')}</dt>
          <dd>{t('queue.batchCounts', { active: stats.batches.active, finished: stats.batches.finished })}</dd>
        </div>
        <div>
          <dt>{t('queue.slots')}</dt>
          <dd data-testid="queue-resources">
            {stats.resources.map((r) => (
              <span key={r.resource} className="slot" title={t(`resources.${r.resource}`)}>
                {r.resource.toUpperCase()} {r.running}/{r.limit}
              </span>
            ))}
          </dd>
        </div>
      </dl>
    </section>
  );
}

export function TypeTable({ stats }: { stats: QueueStats }) {
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  if (stats.types.length === 0) return null;
  return (
    <section className="queue-section" aria-labelledby="queue-types-title">
      <h2 id="queue-types-title">{t('queue.byType')}</h2>
      <div className="table-scroll">
        <table className="data-table" data-testid="queue-types">
          <thead>
            <tr>
              <th scope="col">{t('queue.type')}</th>
              <th scope="col" className="num">{t('states.pending')}</th>
              <th scope="col" className="num">{t('states.running')}</th>
              <th scope="col" className="num">{t('states.completed')}</th>
              <th scope="col" className="num">{t('states.failed')}</th>
              <th scope="col" className="num">{t('queue.completedLastHour')}</th>
              <th scope="col" className="num">{t('queue.meanDuration')}</th>
            </tr>
          </thead>
          <tbody>
            {stats.types.map((row) => (
              <tr key={row.type} data-testid="queue-type-row" data-type={row.type}>
                <th scope="row">
                  {jobTypeLabel(t, row.type)} <code className="muted">{row.type}</code>
                </th>
                <td className="num">{formatNumber(row.counts.pending + row.counts.paused, lang)}</td>
                <td className="num">{formatNumber(row.counts.running, lang)}</td>
                <td className="num">{formatNumber(row.counts.completed, lang)}</td>
                <td className="num">{formatNumber(row.counts.failed, lang)}</td>
                <td className="num">{formatNumber(row.completedLastHour, lang)}</td>
                <td className="num" data-testid="queue-type-mean">
                  {row.meanDurationMs === null ? '—' : formatDuration(row.meanDurationMs, lang)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
