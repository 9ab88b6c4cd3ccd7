import { useCallback, useEffect, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { DEFAULT_EMBEDDER_ID, DEFAULT_MATCH_THRESHOLD, type Candidate, type LockAnswer, type MatchingPool, type WorkItem } from '../../../src-shared/contract/index.js';
import { useBackend } from '../../backend/index.js';
import { Dialog } from '../../ui/Dialog.js';
import { formatDateTime, formatFixed, formatNumber } from '../../ui/format.js';
import { pageSearch } from '../../app/page-search.js';
import { showToast } from '../../ui/toasts.js';
import { useCandidates, useEmbedders, useProjects, useRefreshMatching, useWorkQueue } from './queries.js';
import { holderText, useReviewLock, windowHolder } from './review-lock.js';

/** Above this a similarity badge is emphasised. */
const STRONG = 0.85;

function poolKey(pool: MatchingPool | null): string {
  return pool ? (pool.kind === 'project' ? pool.projectId : 'library') : '';
}

function WorkQueuePanel({ selected, onSelect }: { selected: string | null; onSelect: (id: string) => void }) {
  const { t } = useTranslation();
  const backend = useBackend();
  const [query, setQuery] = useState('');
  const queue = useWorkQueue(query);
  const next = async () => {
    const item = await backend.call('matching.next', { after: selected ?? undefined });
    if (item) onSelect(item.productId);
    else showToast({ kind: 'info', title: t('matching.noneLeft') });
  };
  return (
    <section className="match-queue" aria-labelledby="match-queue-title">
      <h2 id="match-queue-title">{t('matching.queueTitle', { count: queue.data?.total ?? 0 })}</h2>
      <div className="match-queue-tools">
        <input type="search" value={query} onChange={(e) => setQuery(e.target.value)} placeholder={t('matching.search')} aria-label={t('matching.search')} data-testid="match-search" {...pageSearch} />
        <button type="button" className="button" onClick={() => void next()} data-testid="match-next">
          {t('matching.next')}
        </button>
      </div>
      <ul className="match-queue-list" data-testid="match-queue">
        {queue.data?.items.map((p) => (
          <li key={p.productId}>
            <button type="button" className={`match-queue-item${p.productId === selected ? ' selected' : ''}`} aria-current={p.productId === selected} onClick={() => onSelect(p.productId)} data-testid="match-queue-item" data-product-id={p.productId}>
              <span className="match-queue-name">{p.name || p.barcode || t('matching.unnamed')}</span>
              <span className="muted">{p.barcode ?? ''}</span>
              <span className="match-queue-meta">
                {t('matching.approvedCount', { count: p.approved })}
                {p.lock ? <span className="match-lock-dot" title={t('matching.lockedBy', { holder: holderText(t, p.lock.holder) })} aria-label={t('matching.lockedBy', { holder: holderText(t, p.lock.holder) })} /> : null}
              </span>
            </button>
          </li>
        ))}
        {queue.data && queue.data.items.length === 0 ? <li className="muted">{t('matching.emptyQueue')}</li> : null}
      </ul>
    </section>
  );
}

function ProductPanel({ item, lock, onTakeOver }: { item: WorkItem; lock: LockAnswer | null; onTakeOver: () => void }) {
  const { t, i18n } = useTranslation();
  const backend = useBackend();
  return (
    <section className="match-product" data-testid="match-product" data-product-id={item.productId}>
      {item.primaryImageId ? <img className="match-product-image" src={backend.mediaUrl(item.primaryImageId, 'thumb')} alt="" /> : <span className="match-product-image none" aria-hidden="true" />}
      <div className="match-product-text">
        <strong>{[item.brand, item.name].filter(Boolean).join(' · ') || t('matching.unnamed')}</strong>
        <span>{item.barcodes.length ? item.barcodes.map((b) => <code key={b}>{b}</code>) : <span className="muted">{t('matching.noBarcode')}</span>}</span>
        <span data-testid="match-approved" data-count={item.approved}>
          {t('matching.approvedCount', { count: item.approved })} · {t('matching.framesCount', { count: item.frames })}
        </span>
        {lock?.mode === 'edit' ? (
          <span className="match-lock mine" data-testid="match-lock" data-mode="edit">
            {t('matching.lockMine')}
          </span>
        ) : lock?.mode === 'readOnly' ? (
          <span className="match-lock theirs" data-testid="match-lock" data-mode="readOnly">
            {t('matching.lockTheirs', { holder: holderText(t, lock.lock.holder), until: formatDateTime(lock.lock.expiresAt, i18n.language) })}{' '}
            <button type="button" className="link-button" onClick={onTakeOver} title={t('matching.takeOverHint')} data-testid="match-take-over">
              {t('matching.takeOver')}
            </button>
          </span>
        ) : null}
      </div>
    </section>
  );
}

function Tile({ candidate, focused, selected, onClick }: { candidate: Candidate; focused: boolean; selected: boolean; onClick: (shift: boolean) => void }) {
  const { t, i18n } = useTranslation();
  const backend = useBackend();
  const strong = candidate.score > STRONG;
  return (
    <li
      role="option"
      aria-selected={selected}
      className={`match-tile${focused ? ' focused' : ''}${selected ? ' selected' : ''}`}
      data-testid="match-candidate"
      data-asset-id={candidate.assetId}
      data-score={candidate.score.toFixed(3)}
      onClick={(e) => onClick(e.shiftKey || e.ctrlKey || e.metaKey)}
    >
      <img src={backend.mediaUrl(candidate.assetId, 'thumb')} alt={candidate.fileName} loading="lazy" draggable={false} />
      <span className={`match-score${strong ? ' strong' : ''}`} data-testid="match-score" data-strong={strong} title={t('matching.similarity')}>
        {formatNumber(candidate.score, i18n.language, 2)}
      </span>
      <span className="match-source" title={candidate.fileName}>
        {candidate.fileName}
      </span>
    </li>
  );
}

export function MatchingPage() {
  const { t, i18n } = useTranslation();
  const backend = useBackend();
  const refresh = useRefreshMatching();
  const projects = useProjects();
  const [productId, setProductId] = useState<string | null>(null);
  const [poolId, setPoolId] = useState<string>('');
  const [threshold, setThreshold] = useState(DEFAULT_MATCH_THRESHOLD);
  const embedders = useEmbedders();
  // Until the reviewer picks one, the active embedder (a trained model once one is set as active).
  const [chosenModel, setModelId] = useState<string | null>(null);
  const modelId = chosenModel ?? embedders.data?.find((m) => m.active && m.installed)?.id ?? DEFAULT_EMBEDDER_ID;
  const [focus, setFocus] = useState(0);
  const [selection, setSelection] = useState<ReadonlySet<string>>(new Set());
  const [zoom, setZoom] = useState<Candidate | null>(null);
  const gridRef = useRef<HTMLUListElement>(null);

  const queue = useWorkQueue('');
  const item = queue.data?.items.find((p) => p.productId === productId) ?? null;
  useEffect(() => {
    if (!productId && queue.data?.items[0]) setProductId(queue.data.items[0].productId);
  }, [productId, queue.data]);
  useEffect(() => {
    if (!poolId && projects.data?.[0]) setPoolId(projects.data[0].id);
  }, [poolId, projects.data]);
  const pool: MatchingPool | null = poolId === 'library' ? { kind: 'library' } : poolId ? { kind: 'project', projectId: poolId } : null;

  const { lock, takeOver } = useReviewLock(productId);
  const editable = lock?.mode === 'edit';
  const candidates = useCandidates(productId, pool, threshold, modelId);
  const pages = candidates.data?.pages ?? [];
  const items = useMemo(() => pages.flatMap((p) => p.items), [pages]);
  const last = pages.at(-1);
  const total = pages[0]?.total ?? 0;
  const best = pages[0]?.best ?? null;
  // The slider's step (0.01) at or under the best score: the threshold that shows it.
  const lowerTo = best !== null && best < threshold ? Math.max(0, Math.floor(best * 100) / 100) : null;
  const indexing = last?.state === 'indexing';

  // A new product, pool or threshold starts a fresh review of the grid.
  useEffect(() => {
    setFocus(0);
    setSelection(new Set());
  }, [productId, poolKey(pool), threshold, modelId]);
  // Decisions shrink the grid: keep the focus on a tile.
  useEffect(() => {
    if (focus > 0 && focus >= items.length) setFocus(Math.max(0, items.length - 1));
  }, [focus, items.length]);
  // While the pool is being indexed, ask again every two seconds.
  useEffect(() => {
    if (!indexing) return;
    const timer = setInterval(() => void candidates.refetch(), 2000);
    return () => clearInterval(timer);
  }, [indexing, candidates]);

  const decide = useCallback(
    async (decision: 'approve' | 'reject' | 'skip') => {
      if (!productId || lock?.mode !== 'edit') return;
      const chosen = selection.size ? items.filter((c) => selection.has(c.assetId)) : items[focus] ? [items[focus]!] : [];
      if (decision !== 'skip' && chosen.length === 0) return;
      try {
        await backend.call('matching.decide', {
          productId,
          token: lock.token,
          decision,
          assets: decision === 'skip' ? [] : chosen.map((c) => ({ assetId: c.assetId, score: c.score })),
          decider: windowHolder(),
        });
        setSelection(new Set());
        if (decision === 'skip') {
          const next = await backend.call('matching.next', { after: productId });
          if (next) setProductId(next.productId);
        }
      } catch (err) {
        showToast({ kind: 'error', title: t('toast.error', { message: (err as Error).message }) });
      }
      await refresh();
    },
    [backend, focus, items, lock, productId, refresh, selection, t],
  );

  const undo = useCallback(async () => {
    if (!productId || lock?.mode !== 'edit') return;
    try {
      const r = await backend.call('matching.undo', { productId, token: lock.token });
      if (!r.undone) showToast({ kind: 'info', title: t('matching.nothingToUndo') });
    } catch (err) {
      showToast({ kind: 'error', title: t('toast.error', { message: (err as Error).message }) });
    }
    await refresh();
  }, [backend, lock, productId, refresh, t]);

  const finish = async () => {
    if (!productId || lock?.mode !== 'edit') return;
    try {
      await backend.call('matching.finish', { productId, token: lock.token, done: true });
      const next = await backend.call('matching.next', { after: productId });
      setProductId(next?.productId ?? null);
    } catch (err) {
      showToast({ kind: 'error', title: t('toast.error', { message: (err as Error).message }) });
    }
    await refresh();
  };

  const columns = () => {
    const grid = gridRef.current;
    const first = grid?.firstElementChild as HTMLElement | null;
    return grid && first ? Math.max(1, Math.round(grid.clientWidth / first.offsetWidth)) : 1;
  };
  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    if ((e.target as HTMLElement).closest('input, select, textarea') || e.ctrlKey || e.metaKey || e.altKey) return;
    const key = e.key.toLowerCase();
    const move = (to: number) => setFocus(Math.max(0, Math.min(items.length - 1, to)));
    if (key === 'arrowright') move(focus + 1);
    else if (key === 'arrowleft') move(focus - 1);
    else if (key === 'arrowdown') move(focus + columns());
    else if (key === 'arrowup') move(focus - columns());
    else if (key === ' ') {
      const c = items[focus];
      if (!c) return;
      setSelection((s) => {
        const n = new Set(s);
        if (n.has(c.assetId)) n.delete(c.assetId);
        else n.add(c.assetId);
        return n;
      });
    } else if (key === 'a') void decide('approve');
    else if (key === 'r') void decide('reject');
    else if (key === 's') void decide('skip');
    else if (key === 'u') void undo();
    else if (key === 'z') setZoom(items[focus] ?? null);
    else return;
    e.preventDefault();
  };
  useEffect(() => {
    (gridRef.current?.children[focus] as HTMLElement | undefined)?.scrollIntoView?.({ block: 'nearest' });
  }, [focus]);

  return (
    <div className="page matching-page" data-testid="page-matching" tabIndex={-1} onKeyDown={onKeyDown}>
      <WorkQueuePanel selected={productId} onSelect={setProductId} />
      <section className="match-review" aria-label={t('matching.candidates')}>
        {item ? <ProductPanel item={item} lock={lock} onTakeOver={takeOver} /> : <p className="muted">{t('matching.pickProduct')}</p>}
        <div className="match-controls">
          <label>
            {t('matching.pool')}{' '}
            <select value={poolId} onChange={(e) => setPoolId(e.target.value)} data-testid="match-pool">
              {projects.data?.map((p) => (
                <option key={p.id} value={p.id}>
                  {p.name}
                </option>
              ))}
              <option value="library">{t('matching.poolLibrary')}</option>
            </select>
          </label>
          {(embedders.data?.length ?? 0) > 1 ? (
            <label>
              {t('matching.embedder')}{' '}
              <select value={modelId} onChange={(e) => setModelId(e.target.value)} data-testid="match-embedder">
                {embedders.data?.map((m) => (
                  <option key={m.id} value={m.id}>
                    {m.name}
                  </option>
                ))}
              </select>
            </label>
          ) : null}
          <label className="match-threshold">
            {t('matching.threshold')}{' '}
            {/* From 0: how high a true match scores depends on the embedder and the frames (the offline one's contrast scores can sit near 0.3). */}
            <input type="range" min={0} max={0.99} step={0.01} value={threshold} onChange={(e) => setThreshold(Number(e.target.value))} data-testid="match-threshold" />
            <output data-testid="match-threshold-value">{formatFixed(threshold, i18n.language)}</output>
          </label>
          <span className="muted" data-testid="match-total" data-total={total}>
            {indexing ? t('matching.indexing') : t('matching.candidateCount', { count: total })}
          </span>
        </div>
        <div className="match-actions">
          <button type="button" className="button" disabled={!editable} onClick={() => void decide('approve')} data-testid="match-approve">
            {t('matching.approve')} <kbd>A</kbd>
          </button>
          <button type="button" className="button" disabled={!editable} onClick={() => void decide('reject')} data-testid="match-reject">
            {t('matching.reject')} <kbd>R</kbd>
          </button>
          <button type="button" className="button" disabled={!editable} onClick={() => void decide('skip')} data-testid="match-skip">
            {t('matching.skip')} <kbd>S</kbd>
          </button>
          <button type="button" className="button" disabled={!editable} onClick={() => void undo()} data-testid="match-undo">
            {t('matching.undo')} <kbd>U</kbd>
          </button>
          <button type="button" className="button button-primary" disabled={!editable} onClick={() => void finish()} data-testid="match-finish">
            {t('matching.finish')}
          </button>
          <span className="muted">{t('matching.keys')}</span>
        </div>
        <ul className="match-grid" role="listbox" aria-multiselectable="true" aria-label={t('matching.candidates')} ref={gridRef} data-testid="match-grid">
          {items.map((c, i) => (
            <Tile
              key={c.assetId}
              candidate={c}
              focused={i === focus}
              selected={selection.has(c.assetId)}
              onClick={(multi) => {
                setFocus(i);
                if (multi)
                  setSelection((s) => {
                    const n = new Set(s);
                    if (n.has(c.assetId)) n.delete(c.assetId);
                    else n.add(c.assetId);
                    return n;
                  });
              }}
            />
          ))}
        </ul>
        {!indexing && candidates.isSuccess && total === 0 ? (
          <div className="match-empty" data-testid="match-empty">
            {lowerTo !== null ? (
              <>
                <p>{t('matching.noneAbove', { threshold: formatFixed(threshold, i18n.language), best: formatFixed(best!, i18n.language) })}</p>
                <button type="button" className="button" onClick={() => setThreshold(lowerTo)} data-testid="match-lower-threshold">
                  {t('matching.lowerTo', { threshold: formatFixed(lowerTo, i18n.language) })}
                </button>
              </>
            ) : (
              <p>{t('matching.noneInPool')}</p>
            )}
          </div>
        ) : null}
        {candidates.hasNextPage ? (
          <button type="button" className="button" onClick={() => void candidates.fetchNextPage()} disabled={candidates.isFetchingNextPage} data-testid="match-more">
            {t('matching.more')}
          </button>
        ) : null}
      </section>
      {zoom ? (
        <Dialog title={zoom.fileName} onClose={() => setZoom(null)} testId="match-zoom" className="match-zoom">
          <img src={backend.mediaUrl(zoom.assetId, 'original')} alt={zoom.fileName} />
          <p>
            {t('matching.similarity')}: {formatFixed(zoom.score, i18n.language, 3)}
          </p>
        </Dialog>
      ) : null}
    </div>
  );
}
