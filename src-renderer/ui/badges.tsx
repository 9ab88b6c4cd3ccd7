import { useTranslation } from 'react-i18next';

export function StateBadge({ state, testId }: { state: string; testId?: string }) {
  const { t } = useTranslation();
  return (
    <span className={`state-badge state-${state}`} data-testid={testId} data-state={state}>
      {t(`states.${state}`, { defaultValue: state })}
    </span>
  );
}

/** Done, needing review, failed and cancelled as one bar: a batch with failures should look like it. */
export function CountsBar({
  total,
  completed,
  review = 0,
  failed,
  cancelled,
  label,
}: {
  total: number;
  completed: number;
  /** Finished, but with a result the user should look at. */
  review?: number;
  failed: number;
  cancelled: number;
  label: string;
}) {
  const share = (n: number) => `${total ? (100 * n) / total : 0}%`;
  const done = completed + review + failed + cancelled;
  return (
    <div className="counts-bar" role="progressbar" aria-label={label} aria-valuemin={0} aria-valuemax={total} aria-valuenow={done} data-testid="counts-bar">
      <span className="counts-bar-completed" style={{ width: share(completed) }} />
      <span className="counts-bar-review" style={{ width: share(review) }} />
      <span className="counts-bar-failed" style={{ width: share(failed) }} />
      <span className="counts-bar-cancelled" style={{ width: share(cancelled) }} />
    </div>
  );
}
