import { useId, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ProjectName, type Project } from '../../../src-shared/contract/index.js';
import { showToast } from '../../ui/toasts.js';
import { endRename } from './intents.js';
import { useRenameProject } from './queries.js';
import { callErrorText } from '../../app/labels.js';

/** Inline rename: Enter or leaving the field saves, Escape cancels. Validated with the contract's own rule. */
export function RenameInput({ project, className }: { project: Project; className?: string }) {
  const { t } = useTranslation();
  const rename = useRenameProject();
  const [value, setValue] = useState(project.name);
  const [error, setError] = useState<string | null>(null);
  const errorId = useId();
  const done = useRef(false);

  const commit = () => {
    if (done.current) return;
    const parsed = ProjectName.safeParse(value);
    if (!parsed.success) {
      setError(t('projects.nameInvalid'));
      return;
    }
    done.current = true;
    endRename();
    if (parsed.data === project.name) return;
    rename.mutate(
      { id: project.id, name: parsed.data },
      {
        onSuccess: (p) => showToast({ kind: 'success', title: t('projects.renamedToast', { name: p.name }) }),
        onError: (err) => showToast({ kind: 'error', title: t('toast.error', { message: callErrorText(t, err) }) }),
      },
    );
  };

  return (
    <span className={`rename ${className ?? ''}`}>
      <input
        className="rename-input"
        data-testid="rename-input"
        aria-label={t('projects.newName', { name: project.name })}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? errorId : undefined}
        value={value}
        maxLength={200}
        autoFocus
        onFocus={(e) => e.currentTarget.select()}
        onChange={(e) => {
          setValue(e.currentTarget.value);
          setError(null);
        }}
        onKeyDown={(e) => {
          if (e.key === 'Enter') {
            e.preventDefault();
            commit();
          } else if (e.key === 'Escape') {
            e.preventDefault();
            e.stopPropagation();
            done.current = true;
            endRename();
          }
        }}
        onBlur={() => {
          // An invalid name on blur is dropped rather than trapping focus in the field.
          if (!ProjectName.safeParse(value).success) {
            done.current = true;
            endRename();
            return;
          }
          commit();
        }}
      />
      {error ? (
        <span id={errorId} className="field-error" role="alert">
          {error}
        </span>
      ) : null}
    </span>
  );
}
