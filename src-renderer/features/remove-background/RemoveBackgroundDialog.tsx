import { useEffect, useId, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Project, RemoveBackgroundOptionsInput } from '../../../src-shared/contract/index.js';
import { Dialog } from '../../ui/Dialog.js';
import { showToast } from '../../ui/toasts.js';
import { useSelection } from '../library/public.js';
import { isUsable, modelChoiceLabel, ModelRepair, useModels } from '../models/public.js';
import { removeBackgroundIcon } from './icons.js';
import { defaultOptions, OptionsForm, optionsFor, type EditableOptions } from './OptionsForm.js';
import { isModelProblem, lastPreset, rememberPreset, uiPresetNames, uiPresets, type UiPreset } from './presets.js';
import { LivePreview } from './Preview.js';
import { useStartRun } from './queries.js';

/** The options a preset card starts from: the contract's defaults with the card's own. */
function startingOptions(preset: UiPreset): EditableOptions {
  const { preset: kind, ...card }: RemoveBackgroundOptionsInput = uiPresets[preset];
  const format = card.format ?? (kind === 'white' || kind === 'square' ? 'jpeg' : 'png');
  return { ...defaultOptions, ...card, format };
}

/**
 * Remove background: which images, which output with every option the CLI has, which
 * model, and a live preview of the first image; starts one run through the queue.
 */
export function RemoveBackgroundDialog({ project, onClose }: { project: Project; onClose: () => void }) {
  const { t } = useTranslation();
  const formId = useId();
  const selection = useSelection(project.id);
  const models = useModels();
  const start = useStartRun();
  const selected = selection.ids.size;
  const [scope, setScope] = useState<'all' | 'selection'>(selected > 0 ? 'selection' : 'all');
  const [preset, setPreset] = useState<UiPreset>(lastPreset);
  const [edited, setEdited] = useState<EditableOptions>(() => startingOptions(lastPreset()));
  const choosePreset = (p: UiPreset) => {
    setPreset(p);
    // A card sets its own format (and the cut-out cards differ only by it); the other options stay as the user set them.
    setEdited((o) => ({ ...o, format: startingOptions(p).format }));
  };
  const candidates = (models.data ?? []).filter((m) => m.task === 'background-removal');
  const defaultModel = candidates.find((m) => m.isDefault);
  const [modelId, setModelId] = useState<string | null>(null);
  const chosen = modelId ?? defaultModel?.id ?? null;
  const count = scope === 'selection' ? selected : project.assetCount;
  const startRef = useRef<HTMLButtonElement>(null);
  // After the dialog has opened (it focuses its first control): Enter starts with the choices shown.
  useEffect(() => startRef.current?.focus(), []);

  const submit = () => {
    rememberPreset(preset);
    const options: RemoveBackgroundOptionsInput = optionsFor(uiPresets[preset].preset, edited);
    start.mutate(
      {
        projectId: project.id,
        assetIds: scope === 'selection' && selected > 0 ? [...selection.ids] : null,
        options,
        ...(chosen && chosen !== defaultModel?.id ? { modelId: chosen } : {}),
      },
      {
        onSuccess: () => {
          showToast({ kind: 'info', title: t('removeBackground.started', { count }) });
          onClose();
        },
      },
    );
  };
  const error = start.error as (Error & { code?: string }) | null;

  return (
    <Dialog title={t('removeBackground.title')} onClose={onClose} className="segment-dialog" testId="segment-dialog">
      <form
        className="segment-form"
        id={formId}
        onSubmit={(e) => {
          e.preventDefault();
          submit();
        }}
      >
        <fieldset className="choice-group">
          <legend>{t('removeBackground.images')}</legend>
          <label className="choice">
            <input type="radio" name="scope" value="all" checked={scope === 'all'} onChange={() => setScope('all')} data-testid="scope-all" />
            <span>{t('removeBackground.wholeProject', { count: project.assetCount })}</span>
          </label>
          <label className={`choice ${selected === 0 ? 'is-disabled' : ''}`}>
            <input
              type="radio"
              name="scope"
              value="selection"
              checked={scope === 'selection'}
              disabled={selected === 0}
              onChange={() => setScope('selection')}
              data-testid="scope-selection"
            />
            <span>{selected ? t('removeBackground.selection', { count: selected }) : t('removeBackground.noSelection')}</span>
          </label>
        </fieldset>

        <fieldset className="choice-group preset-group">
          <legend>{t('removeBackground.output')}</legend>
          <div className="preset-grid">
            {uiPresetNames.map((name) => (
              <label key={name} className={`preset-card ${preset === name ? 'is-selected' : ''}`}>
                <input type="radio" name="preset" value={name} checked={preset === name} onChange={() => choosePreset(name)} data-testid={`preset-${name}`} />
                <span className={`preset-swatch preset-swatch-${name}`} aria-hidden="true" />
                <span className="preset-text">
                  <strong>{t(`presets.${name}`)}</strong>
                  <span className="muted">{t(`presets.${name}Hint`)}</span>
                </span>
              </label>
            ))}
          </div>
        </fieldset>

        <OptionsForm preset={uiPresets[preset].preset} value={edited} onChange={setEdited} />

        <div className="field">
          <label htmlFor={`${formId}-model`}>{t('removeBackground.model')}</label>
          <select id={`${formId}-model`} value={chosen ?? ''} onChange={(e) => setModelId(e.currentTarget.value)} data-testid="segment-model">
            {candidates.map((m) => (
              <option key={m.id} value={m.id} disabled={!isUsable(m)}>
                {modelChoiceLabel(t, m)}
              </option>
            ))}
          </select>
        </div>

        <LivePreview
          projectId={project.id}
          firstSelected={scope === 'selection' ? ([...selection.ids][0] ?? null) : null}
          options={optionsFor(uiPresets[preset].preset, edited)}
          modelId={chosen}
        />

        {error ? (
          isModelProblem(error.message) && chosen ? (
            <ModelRepair modelId={chosen} message={error.message} onRepaired={() => start.reset()} />
          ) : (
            <p className="error" role="alert" data-testid="segment-error">
              {error.message}
            </p>
          )
        ) : null}

        <div className="dialog-actions">
          <button type="button" className="button" onClick={onClose}>
            {t('common.cancel')}
          </button>
          <button ref={startRef} type="submit" className="button button-primary" disabled={start.isPending || count === 0 || !chosen} data-testid="segment-start">
            {removeBackgroundIcon}
            {t('removeBackground.start', { count })}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
