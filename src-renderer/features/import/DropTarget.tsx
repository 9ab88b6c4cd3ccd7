import { useEffect, useRef, useState, type ChangeEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { dropIcon } from './icons.js';
import { useImporter } from './use-importer.js';

/** Images in the app are draggable={false}: Chromium offers a dragged <img> as a file, which would import it again. */
function carriesFiles(e: DragEvent): boolean {
  return Array.from(e.dataTransfer?.types ?? []).includes('Files');
}

/**
 * The whole window is the drop target: a drop anywhere imports, and the overlay says so
 * while files are dragged over. Also stops the browser from opening a dropped image
 * in place of the app.
 */
export function DropTarget() {
  const { t } = useTranslation();
  const { importDrop } = useImporter();
  const [active, setActive] = useState(false);
  const depth = useRef(0);

  useEffect(() => {
    const onEnter = (e: DragEvent) => {
      if (!carriesFiles(e)) return;
      e.preventDefault();
      depth.current++;
      setActive(true);
    };
    const onOver = (e: DragEvent) => {
      if (!carriesFiles(e)) return;
      e.preventDefault();
      if (e.dataTransfer) e.dataTransfer.dropEffect = 'copy';
    };
    // dragenter/dragleave fire for every child crossed; count them to know when the pointer left the window.
    const onLeave = (e: DragEvent) => {
      if (!carriesFiles(e)) return;
      depth.current = Math.max(0, depth.current - 1);
      if (depth.current === 0 || e.relatedTarget === null) {
        depth.current = 0;
        setActive(false);
      }
    };
    const onDrop = (e: DragEvent) => {
      depth.current = 0;
      setActive(false);
      if (!e.dataTransfer || !carriesFiles(e)) return;
      e.preventDefault();
      importDrop(e.dataTransfer);
    };
    window.addEventListener('dragenter', onEnter);
    window.addEventListener('dragover', onOver);
    window.addEventListener('dragleave', onLeave);
    window.addEventListener('drop', onDrop);
    return () => {
      window.removeEventListener('dragenter', onEnter);
      window.removeEventListener('dragover', onOver);
      window.removeEventListener('dragleave', onLeave);
      window.removeEventListener('drop', onDrop);
    };
  }, [importDrop]);

  if (!active) return null;
  return (
    <div className="drop-overlay" data-testid="drop-overlay" aria-hidden="true">
      <div className="drop-overlay-card">
        <div className="drop-overlay-icon">{dropIcon}</div>
        <strong>{t('dropzone.overlay')}</strong>
        <span>{t('dropzone.overlayHint')}</span>
      </div>
    </div>
  );
}

let folderInput: HTMLInputElement | null = null;
let filesInput: HTMLInputElement | null = null;

/** Opens the folder chooser (buttons and Ctrl/Cmd+O). */
export function chooseFolder(): void {
  folderInput?.click();
}

export function chooseFiles(): void {
  filesInput?.click();
}

/**
 * The two hidden file inputs, mounted once; buttons anywhere open them. No `accept`
 * filter: whether a file is an image is the engine's call (by decoding), and what it
 * cannot read is listed as skipped with the reason.
 */
export function FileInputs() {
  const { importChosen } = useImporter();
  const onChange = (e: ChangeEvent<HTMLInputElement>) => {
    const files = Array.from(e.currentTarget.files ?? []);
    // Clear so choosing the same folder again fires another change.
    e.currentTarget.value = '';
    if (files.length) importChosen(files);
  };
  return (
    <>
      <input
        ref={(el) => {
          folderInput = el;
          // React has no typed prop for it; the attribute is what browsers read.
          el?.setAttribute('webkitdirectory', '');
        }}
        type="file"
        multiple
        hidden
        data-testid="file-input-folder"
        onChange={onChange}
      />
      <input
        ref={(el) => {
          filesInput = el;
        }}
        type="file"
        multiple
        hidden
        data-testid="file-input-files"
        onChange={onChange}
      />
    </>
  );
}

export function ImportButtons() {
  const { t } = useTranslation();
  return (
    <div className="import-buttons">
      <button type="button" className="button button-primary" onClick={chooseFolder} data-testid="choose-folder">
        {t('dropzone.chooseFolder')}
      </button>
      <button type="button" className="button" onClick={chooseFiles} data-testid="choose-files">
        {t('dropzone.chooseFiles')}
      </button>
    </div>
  );
}

/** Beside the list of projects: the drop zone with its buttons on the Batch page, the buttons alone in the Gallery's header. */
export function ImportListAction({ variant }: { variant: 'prominent' | 'compact' }) {
  const { t } = useTranslation();
  if (variant === 'compact') return <ImportButtons />;
  return (
    <div className="dropzone" data-testid="dropzone">
      <div className="dropzone-icon" aria-hidden="true">
        {dropIcon}
      </div>
      <div>
        <strong>{t('dropzone.title')}</strong>
        <span className="muted"> {t('dropzone.hint')}</span>
      </div>
      <ImportButtons />
    </div>
  );
}
