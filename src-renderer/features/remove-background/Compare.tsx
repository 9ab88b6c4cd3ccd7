import { useTranslation } from 'react-i18next';
import type { CSSProperties } from 'react';
import type { DerivedResult } from '../../../src-shared/contract/index.js';
import { useBackend } from '../../backend/index.js';
import { formatBytes, formatRelative } from '../../ui/format.js';
import { downloadIcon } from './icons.js';
import { presetOf } from './presets.js';
import { ReviewNote } from './review.js';

/**
 * Where the result goes over the original's frame so the subject lines up: its recorded
 * placement in percent of the original (a crop sits on its region, a square canvas reaches
 * past the photo's edges). Without one (older results) it is fitted into the frame.
 */
export function alignedStyle(result: DerivedResult, original: { width: number; height: number }): CSSProperties | undefined {
  const p = result.placement;
  if (!p || !original.width || !original.height) return undefined;
  const pct = (v: number, of: number) => `${(100 * v) / of}%`;
  return { left: pct(p.x, original.width), top: pct(p.y, original.height), width: pct(p.width, original.width), height: pct(p.height, original.height), objectFit: 'fill' };
}

/**
 * The result over the original, cut at the slider: original left of the line, result
 * right of it, on a checkerboard so transparency shows. An <input type=range> over the
 * whole frame is the control: drag anywhere, or arrows when it has focus.
 */
export function CompareLayer({
  result,
  original,
  position,
  onPosition,
}: {
  result: DerivedResult;
  original: { width: number; height: number };
  position: number;
  onPosition: (p: number) => void;
}) {
  const { t } = useTranslation();
  const backend = useBackend();
  const aligned = alignedStyle(result, original);
  return (
    <>
      <div className="compare-after checkerboard" style={{ clipPath: `inset(0 0 0 ${position}%)` }} data-testid="compare-after" data-aligned={aligned ? 'true' : 'false'}>
        <img
          src={backend.mediaUrl(result.asset.id, 'original')}
          alt={result.asset.fileName}
          decoding="async"
          draggable={false}
          style={aligned}
          data-testid="compare-result"
        />
      </div>
      <div className="compare-line" style={{ left: `${position}%` }} aria-hidden="true">
        <span className="compare-knob" />
      </div>
      <span className="compare-tag compare-tag-before" aria-hidden="true">
        {t('compare.before')}
      </span>
      <span className="compare-tag compare-tag-after" aria-hidden="true">
        {t('compare.after')}
      </span>
      <input
        type="range"
        className="compare-range"
        min={0}
        max={100}
        step={1}
        value={position}
        aria-label={t('compare.slider')}
        aria-valuetext={t('compare.valueText', { percent: position })}
        onChange={(e) => onPosition(Number(e.currentTarget.value))}
        // The viewer's arrows walk images; on the slider they move it.
        onKeyDown={(e) => {
          if (e.key === 'ArrowLeft' || e.key === 'ArrowRight' || e.key === 'Home' || e.key === 'End') e.stopPropagation();
        }}
        data-testid="compare-slider"
      />
    </>
  );
}

/** Compare off: the result alone over the original's place, on the checkerboard (the original is one click away). */
export function ResultLayer({ result }: { result: DerivedResult }) {
  const backend = useBackend();
  return (
    <div className="compare-after checkerboard" data-testid="result-only">
      <img src={backend.mediaUrl(result.asset.id, 'original')} alt={result.asset.fileName} decoding="async" draggable={false} data-testid="compare-result" />
    </div>
  );
}

/** The results of one original in the viewer's side panel: pick one to compare, download it. */
export function ResultsPanel({
  projectId,
  results,
  chosenId,
  onChoose,
  compare,
  onCompare,
}: {
  projectId: string;
  results: DerivedResult[];
  chosenId: string | null;
  onChoose: (id: string) => void;
  compare: boolean;
  onCompare: (on: boolean) => void;
}) {
  const { t, i18n } = useTranslation();
  const backend = useBackend();
  return (
    <section className="results-panel" aria-labelledby="results-title" data-testid="results-panel">
      <div className="results-head">
        <h3 id="results-title">{t('compare.results', { count: results.length })}</h3>
        <label className="toggle">
          <input type="checkbox" checked={compare} onChange={(e) => onCompare(e.currentTarget.checked)} data-testid="compare-toggle" />
          {t('compare.show')}
        </label>
      </div>
      {results[0] ? <ReviewNote projectId={projectId} result={results[0]} /> : null}
      <ul className="result-list">
        {results.map((r) => {
          const preset = presetOf(r.options);
          return (
            <li key={r.asset.id} className={`result-item ${r.asset.id === chosenId ? 'is-selected' : ''}`} data-testid="result-item" data-asset-id={r.asset.id}>
              <label className="result-choose">
                <input type="radio" name="result" checked={r.asset.id === chosenId} onChange={() => onChoose(r.asset.id)} />
                <span>
                  <strong>{preset ? t(`presets.${preset}`) : r.operation}</strong>
                  <span className="muted">
                    {r.asset.width} × {r.asset.height} · {r.asset.format.toUpperCase()} · {formatBytes(r.asset.bytes, i18n.language)}
                  </span>
                  <span className="muted">
                    {formatRelative(r.asset.createdAt, i18n.language)}
                    {r.modelId ? ` · ${r.modelId}` : ''}
                    {r.provider ? ` · ${t(`providers.${r.provider}`)}` : ''}
                  </span>
                </span>
              </label>
              <a
                className="icon-button"
                href={backend.mediaUrl(r.asset.id, 'original')}
                download={r.asset.fileName}
                aria-label={t('compare.download', { name: r.asset.fileName })}
                title={t('compare.download', { name: r.asset.fileName })}
                data-testid="result-download"
              >
                {downloadIcon}
              </a>
            </li>
          );
        })}
      </ul>
    </section>
  );
}
