import { useId } from 'react';
import { useTranslation } from 'react-i18next';
import type { RemoveBackgroundOptions, RemoveBackgroundPreset } from '../../../src-shared/contract/index.js';

/** Everything the CLI can set, as the dialog edits it (the preset comes from the preset cards). */
export type EditableOptions = Omit<RemoveBackgroundOptions, 'preset' | 'format'> & { format: 'png' | 'webp' | 'jpeg' };

/** The contract's defaults (src-shared/contract/remove-background.ts); the engine fills the same ones in. */
export const defaultOptions: EditableOptions = {
  format: 'png',
  refine: true,
  threshold: null,
  feather: 0,
  margin: 0.05,
  canvas: null,
  fill: 0.85,
  background: '#ffffff',
  shadow: true,
};

/** The formats a preset can write: transparency (cut-outs) and masks cannot be JPEG. */
export function formatsFor(preset: RemoveBackgroundPreset): readonly EditableOptions['format'][] {
  if (preset === 'mask') return ['png'];
  if (preset === 'white' || preset === 'square') return ['jpeg', 'png', 'webp'];
  return ['png', 'webp'];
}

/** Which options mean something for a preset (the others are not shown, and not sent). */
export function appliesTo(preset: RemoveBackgroundPreset) {
  return {
    margin: preset === 'crop' || preset === 'square',
    canvas: preset === 'square',
    fill: preset === 'square',
    background: preset === 'white' || preset === 'square',
    shadow: preset === 'white' || preset === 'square',
  };
}

/** The options a run or a preview is given: only what applies to the preset. */
export function optionsFor(preset: RemoveBackgroundPreset, o: EditableOptions): Partial<RemoveBackgroundOptions> & { preset: RemoveBackgroundPreset } {
  const applies = appliesTo(preset);
  const formats = formatsFor(preset);
  return {
    preset,
    format: formats.includes(o.format) ? o.format : formats[0]!,
    refine: o.refine,
    threshold: o.threshold,
    feather: o.feather,
    ...(applies.margin ? { margin: o.margin } : {}),
    ...(applies.canvas ? { canvas: o.canvas } : {}),
    ...(applies.fill ? { fill: o.fill } : {}),
    ...(applies.background ? { background: o.background } : {}),
    ...(applies.shadow ? { shadow: o.shadow } : {}),
  };
}

const CANVAS_DEFAULT = 2000;

/** The dialog's option controls, each the CLI flag of the same name. */
export function OptionsForm({ preset, value, onChange }: { preset: RemoveBackgroundPreset; value: EditableOptions; onChange: (o: EditableOptions) => void }) {
  const { t } = useTranslation();
  const id = useId();
  const set = (patch: Partial<EditableOptions>) => onChange({ ...value, ...patch });
  const applies = appliesTo(preset);
  const formats = formatsFor(preset);
  const format = formats.includes(value.format) ? value.format : formats[0]!;

  return (
    <fieldset className="choice-group options-group" data-testid="segment-options">
      <legend>{t('bgOptions.title')}</legend>
      <div className="options-grid">
        <label className="option-check" title={t('bgOptions.refineHint')}>
          <input type="checkbox" checked={value.refine} onChange={(e) => set({ refine: e.currentTarget.checked })} data-testid="opt-refine" />
          <span>{t('bgOptions.refine')}</span>
        </label>

        <div className="option-row">
          <label className="option-check" title={t('bgOptions.thresholdHint')}>
            <input
              type="checkbox"
              checked={value.threshold !== null}
              onChange={(e) => set({ threshold: e.currentTarget.checked ? 0.5 : null })}
              data-testid="opt-threshold-on"
            />
            <span>{t('bgOptions.threshold')}</span>
          </label>
          {value.threshold !== null ? (
            <span className="option-range">
              <input
                type="range"
                min={0.05}
                max={0.95}
                step={0.05}
                value={value.threshold}
                aria-label={t('bgOptions.threshold')}
                onChange={(e) => set({ threshold: Number(e.currentTarget.value) })}
                data-testid="opt-threshold"
              />
              <output>{value.threshold.toFixed(2)}</output>
            </span>
          ) : null}
        </div>

        <div className="option-row">
          <label htmlFor={`${id}-feather`}>{t('bgOptions.feather')}</label>
          <span className="option-range">
            <input id={`${id}-feather`} type="range" min={0} max={20} step={0.5} value={value.feather} onChange={(e) => set({ feather: Number(e.currentTarget.value) })} data-testid="opt-feather" />
            <output>{t('bgOptions.featherValue', { value: value.feather })}</output>
          </span>
        </div>

        {applies.margin ? (
          <div className="option-row">
            <label htmlFor={`${id}-margin`}>{t('bgOptions.margin')}</label>
            <span className="option-range">
              <input
                id={`${id}-margin`}
                type="range"
                min={0}
                max={0.5}
                step={0.01}
                value={value.margin}
                onChange={(e) => set({ margin: Number(e.currentTarget.value) })}
                data-testid="opt-margin"
              />
              <output>{t('bgOptions.percent', { value: Math.round(value.margin * 100) })}</output>
            </span>
          </div>
        ) : null}

        {applies.canvas ? (
          <div className="option-row is-wide">
            <label htmlFor={`${id}-canvas`}>{t('bgOptions.canvas')}</label>
            <span className="option-inline">
              <select
                id={`${id}-canvas`}
                value={value.canvas === null ? 'follow' : 'fixed'}
                onChange={(e) => set({ canvas: e.currentTarget.value === 'follow' ? null : CANVAS_DEFAULT })}
                data-testid="opt-canvas-mode"
              >
                <option value="follow">{t('bgOptions.canvasFollow')}</option>
                <option value="fixed">{t('bgOptions.canvasFixed')}</option>
              </select>
              {value.canvas !== null ? (
                <input
                  type="number"
                  min={64}
                  max={8000}
                  step={1}
                  value={value.canvas}
                  aria-label={t('bgOptions.canvasSize')}
                  onChange={(e) => {
                    const n = Math.round(Number(e.currentTarget.value));
                    if (Number.isFinite(n)) set({ canvas: Math.min(8000, Math.max(64, n)) });
                  }}
                  data-testid="opt-canvas"
                />
              ) : null}
            </span>
          </div>
        ) : null}

        {applies.fill ? (
          <div className="option-row">
            <label htmlFor={`${id}-fill`}>{t('bgOptions.fill')}</label>
            <span className="option-range">
              <input id={`${id}-fill`} type="range" min={0.1} max={1} step={0.01} value={value.fill} onChange={(e) => set({ fill: Number(e.currentTarget.value) })} data-testid="opt-fill" />
              <output>{t('bgOptions.percent', { value: Math.round(value.fill * 100) })}</output>
            </span>
          </div>
        ) : null}

        {applies.background ? (
          <div className="option-row">
            <label htmlFor={`${id}-bg`}>{t('bgOptions.background')}</label>
            <span className="option-inline">
              <input id={`${id}-bg`} type="color" value={value.background} onChange={(e) => set({ background: e.currentTarget.value })} data-testid="opt-background" />
              <code>{value.background}</code>
            </span>
          </div>
        ) : null}

        {applies.shadow ? (
          <label className="option-check">
            <input type="checkbox" checked={value.shadow} onChange={(e) => set({ shadow: e.currentTarget.checked })} data-testid="opt-shadow" />
            <span>{t('bgOptions.shadow')}</span>
          </label>
        ) : null}

        {formats.length > 1 ? (
          <div className="option-row">
            <label htmlFor={`${id}-format`}>{t('bgOptions.format')}</label>
            <select id={`${id}-format`} value={format} onChange={(e) => set({ format: e.currentTarget.value as EditableOptions['format'] })} data-testid="opt-format">
              {formats.map((f) => (
                <option key={f} value={f}>
                  {t(`bgOptions.formats.${f}`)}
                </option>
              ))}
            </select>
          </div>
        ) : null}
      </div>
    </fieldset>
  );
}
