import { useTranslation } from 'react-i18next';
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
