import type { TFunction } from 'i18next';
import { useId } from 'react';
import { useTranslation } from 'react-i18next';
import { formatNumber } from '../../ui/format.js';
import { fieldKey, type ConfigField, type FieldProblem, type FieldValue, type NumberField } from './config-fields.js';

function shown(f: NumberField, v: number, language: string): string {
  if (f.percent) return `${formatNumber(v * 100, language, 1)} %`;
  if (f.scientific) return v.toExponential(1);
  return formatNumber(v, language, 4);
}

export function problemText(t: TFunction, p: FieldProblem, language: string): string {
  if (p.kind === 'warmup') return t('training.problem.warmup');
  if (p.kind === 'batch') return t('training.problem.batch', { group: p.group });
  return t('training.problem.range', { min: formatNumber(p.min, language, 6), max: formatNumber(p.max, language, 6) });
}

/** One field of the recipe: a slider with its number beside it, a number input, a select or a checkbox, with its hint and problem. */
export function ConfigFieldInput({ field, value, problem, onChange }: { field: ConfigField; value: FieldValue | undefined; problem: FieldProblem | undefined; onChange: (v: FieldValue) => void }) {
  const { t, i18n } = useTranslation();
  const id = useId();
  const key = fieldKey(field.path);
  const label = t(`training.field.${key}`);
  const hint = t(`training.hint.${key}`, { defaultValue: '' });
  const described = [hint ? `${id}-hint` : '', problem ? `${id}-problem` : ''].filter(Boolean).join(' ') || undefined;
  const common = { id, 'aria-describedby': described, 'aria-invalid': problem ? true : undefined, 'data-testid': `training-field-${key}` } as const;

  let control;
  if (field.kind === 'multi') {
    const chosen = new Set(Array.isArray(value) ? value : []);
    // Kept in the options' order, so the recipe (and its estimate) does not depend on click order.
    const toggle = (o: string, on: boolean) => onChange(field.options.filter((x) => (x === o ? on : chosen.has(x))));
    return (
      <fieldset className="training-field training-field-multi" data-testid={`training-field-${key}`} aria-describedby={hint ? `${id}-hint` : undefined}>
        <legend className="training-field-label">{label}</legend>
        <div className="training-field-row">
          {field.options.map((o) => (
            <label key={o} className="training-field-toggle">
              <input type="checkbox" checked={chosen.has(o)} onChange={(e) => toggle(o, e.currentTarget.checked)} data-testid={`training-field-${key}-${o}`} />
              {t(`training.option.${o}`)}
            </label>
          ))}
        </div>
        {hint ? (
          <span id={`${id}-hint`} className="muted">
            {hint}
          </span>
        ) : null}
      </fieldset>
    );
  }
  if (field.kind === 'toggle') {
    return (
      <div className="training-field">
        <label className="training-field-toggle">
          <input type="checkbox" {...common} checked={value === true} onChange={(e) => onChange(e.currentTarget.checked)} />
          {label}
        </label>
        {hint ? (
          <span id={`${id}-hint`} className="muted">
            {hint}
          </span>
        ) : null}
      </div>
    );
  } else if (field.kind === 'select') {
    control = (
      <select {...common} value={String(value ?? '')} onChange={(e) => onChange(typeof field.options[0] === 'number' ? Number(e.currentTarget.value) : e.currentTarget.value)}>
        {field.options.map((o) => (
          <option key={o} value={String(o)}>
            {typeof o === 'number' ? formatNumber(o, i18n.language) : t(`training.option.${o}`)}
          </option>
        ))}
      </select>
    );
  } else {
    const num = typeof value === 'number' ? value : Number.NaN;
    const onNumber = (raw: string) => onChange(raw.trim() === '' ? Number.NaN : Number(raw));
    control =
      field.kind === 'slider' ? (
        <div className="training-field-row">
          <input type="range" {...common} min={field.min} max={field.max} step={field.step} value={Number.isFinite(num) ? num : field.min} onChange={(e) => onNumber(e.currentTarget.value)} />
          <input
            type="number"
            aria-label={label}
            min={field.min}
            max={field.max}
            step={field.step}
            value={Number.isFinite(num) ? num : ''}
            onChange={(e) => onNumber(e.currentTarget.value)}
            data-testid={`training-field-${key}-number`}
          />
        </div>
      ) : (
        <input type="number" {...common} min={field.min} max={field.max} step={field.scientific ? 'any' : field.step} value={Number.isFinite(num) ? num : ''} onChange={(e) => onNumber(e.currentTarget.value)} />
      );
  }
  return (
    <div className="training-field">
      <span className="training-field-label">
        <label htmlFor={id}>{label}</label>
        {field.kind === 'slider' && typeof value === 'number' && Number.isFinite(value) ? <span className="training-field-value">{shown(field, value, i18n.language)}</span> : null}
      </span>
      {control}
      {hint ? (
        <span id={`${id}-hint`} className="muted">
          {hint}
        </span>
      ) : null}
      {problem ? (
        <span id={`${id}-problem`} className="field-error" role="alert">
          {problemText(t, problem, i18n.language)}
        </span>
      ) : null}
    </div>
  );
}
