import { useTranslation } from 'react-i18next';
import { CountsBar } from '../ui/badges.js';
import { summaryParts, type BatchSummary, type SummaryPart } from './batch-summary.js';

const CLASS: Record<SummaryPart, string | undefined> = { done: undefined, needsReview: 'summary-review', failed: 'error', cancelled: 'muted' };

/** A batch summary's phrases, each in its own span (tests and styles find "needs review" and "failed" apart). */
export function BatchSummaryText({ summary, testIdPrefix }: { summary: BatchSummary; testIdPrefix: string }) {
  const { t } = useTranslation();
  return (
    <>
      {summaryParts(t, summary).map(({ part, text }, i) => (
        <span key={part} className={CLASS[part]} data-testid={`${testIdPrefix}-${part === 'needsReview' ? 'review' : part}`}>
          {i ? ' · ' : ''}
          {text}
        </span>
      ))}
    </>
  );
}

/** A batch summary's bar: done, needs review, failed and cancelled as parts of the total (the Queue page and a project's run banner). */
export function SummaryCountsBar({ summary, label }: { summary: BatchSummary; label: string }) {
  return <CountsBar total={summary.total} completed={summary.done} review={summary.needsReview} failed={summary.failed} cancelled={summary.cancelled} label={label} />;
}
