import { useRef, type KeyboardEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { routeQuery, useRoute } from '../../app/router.js';
import { Models } from './Models.js';
import { NewTraining } from './NewTraining.js';
import { useRuns, useTrainedModels } from './queries.js';
import { Runs } from './Runs.js';

const TABS = ['new', 'runs', 'models'] as const;
type Tab = (typeof TABS)[number];

/** The tab lives in the address (#/training?tab=runs): it survives a reload and can be linked to. */
function useTab(): [Tab, (t: Tab) => void] {
  const route = useRoute();
  void route;
  const asked = routeQuery().get('tab');
  const tab: Tab = TABS.includes(asked as Tab) ? (asked as Tab) : 'new';
  const set = (next: Tab) => {
    const href = next === 'new' ? '#/training' : `#/training?tab=${next}`;
    window.history.pushState(null, '', href);
    window.dispatchEvent(new HashChangeEvent('hashchange'));
  };
  return [tab, set];
}

/**
 * Whether the engine lacks the training feature: its methods are in the contract, but an
 * engine without the feature answers `unavailable … not served` (the engine side of
 * training is not wired yet). The page says so once instead of failing call by call.
 */
function notServed(err: unknown): boolean {
  return err instanceof Error && (err as Error & { code?: string }).code === 'unavailable' && /not served/.test(err.message);
}

/** Training: start a run, follow runs live, and manage the models they made. */
export function TrainingPage() {
  const { t } = useTranslation();
  const [tab, setTab] = useTab();
  const runs = useRuns();
  const models = useTrainedModels();
  const running = runs.data?.filter((r) => r.state === 'running' || r.state === 'queued').length ?? 0;
  const refs = useRef<Record<Tab, HTMLButtonElement | null>>({ new: null, runs: null, models: null });
  // The tab list's keys (WAI-ARIA tabs): arrows move between tabs, Home and End to the ends.
  const onKey = (e: KeyboardEvent) => {
    const i = TABS.indexOf(tab);
    const next = e.key === 'ArrowRight' ? TABS[(i + 1) % TABS.length] : e.key === 'ArrowLeft' ? TABS[(i + TABS.length - 1) % TABS.length] : e.key === 'Home' ? TABS[0] : e.key === 'End' ? TABS[TABS.length - 1] : null;
    if (!next) return;
    e.preventDefault();
    setTab(next);
    refs.current[next]?.focus();
  };
  const count = (n: number | undefined) => (n ? <span className="training-tab-count">{n}</span> : null);
  return (
    <div className="page training-page" data-testid="page-training">
      <h1>{t('training.title')}</h1>
      <p className="intro">{t('training.intro')}</p>
      {notServed(runs.error) ? (
        <p className="error training-refusal" role="status" data-testid="training-not-served">
          {t('training.notServed')}
        </p>
      ) : null}
      <div className="training-tabs" role="tablist" aria-label={t('training.title')} onKeyDown={onKey}>
        {TABS.map((x) => (
          <button
            key={x}
            ref={(el) => {
              refs.current[x] = el;
            }}
            type="button"
            role="tab"
            id={`training-tab-${x}`}
            aria-selected={tab === x}
            aria-controls={`training-panel-${x}`}
            tabIndex={tab === x ? 0 : -1}
            onClick={() => setTab(x)}
            data-testid={`training-tab-${x}`}
          >
            {t(`training.tab.${x}`)}
            {x === 'runs' ? count(running || runs.data?.length) : x === 'models' ? count(models.data?.length) : null}
          </button>
        ))}
      </div>
      <div role="tabpanel" id={`training-panel-${tab}`} aria-labelledby={`training-tab-${tab}`}>
        {tab === 'new' ? <NewTraining onStarted={() => setTab('runs')} /> : tab === 'runs' ? <Runs /> : <Models />}
      </div>
    </div>
  );
}
