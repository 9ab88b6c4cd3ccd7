import { useTranslation } from 'react-i18next';

export function StateBadge({ state, testId }: { state: string; testId?: string }) {
  const { t } = useTranslation();
  return (
    <span className={`state-badge state-${state}`} data-testid={testId} data-state={state}>
      {t(`states.${state}`, { defaultValue: state })}
    </span>
  );
}

/** Done, failed and cancelled as one bar: a batch with failures should look like it. */
export function CountsBar({ total, completed, failed, cancelled, label }: { total: number; completed: number; failed: number; cancelled: number; label: string }) {
  const share = (n: number) => `${total ? (100 * n) / total : 0}%`;
  const done = completed + failed + cancelled;
  return (
    <div className="counts-bar" role="progressbar" aria-label={label} aria-valuemin={0} aria-valuemax={total} aria-valuenow={done} data-testid="counts-bar">
      <span className="counts-bar-completed" style={{ width: share(completed) }} />
      <span className="counts-bar-failed" style={{ width: share(failed) }} />
      <span className="counts-bar-cancelled" style={{ width: share(cancelled) }} />
    </div>
  );
}
