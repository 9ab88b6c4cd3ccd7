import { useEffect, useRef, useState, type ChangeEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { currentRoute } from '../../app/router.js';
import { useProjects } from '../library/public.js';
import { dropIcon } from './icons.js';
import { useImporter } from './use-importer.js';

/** Images in the app are draggable={false}: Chromium offers a dragged <img> as a file, which would import it again. */
function carriesFiles(e: DragEvent): boolean {
  return Array.from(e.dataTransfer?.types ?? []).includes('Files');
}

/** Marks what a drop would add to; the library's project cards carry it. */
const CARD_ATTRIBUTE = 'data-drop-project-id';
/** Set on the card under the pointer while files are dragged over it (styled by the card's CSS). */
const HOVER_ATTRIBUTE = 'data-drop-over';

/** The project card under the pointer, if any. */
function cardUnder(e: DragEvent): HTMLElement | null {
  const target = e.target instanceof Element ? e.target : null;
  return target?.closest<HTMLElement>(`[${CARD_ATTRIBUTE}]`) ?? null;
}

/**
 * Where a drop lands: the project card under the pointer, else the project open on the
 * page, else a new project. Read at every dragover and again at the drop, so the overlay
 * always names what the drop will do.
 */
function dropTargetOf(e: DragEvent): string | null {
  return cardUnder(e)?.getAttribute(CARD_ATTRIBUTE) ?? currentRoute().projectId;
}

/**
 * The whole window is the drop target: a drop anywhere imports, and the overlay says so
 * while files are dragged over. A drop on a project card, or anywhere on an open project's
 * page, adds to that project; the card lights up and the overlay names the project first.
 * Also stops the browser from opening a dropped image in place of the app.
 */
export function DropTarget() {
  const { t } = useTranslation();
  const { importDrop } = useImporter();
  const projects = useProjects();
  const [active, setActive] = useState(false);
  const [targetId, setTargetId] = useState<string | null>(null);
  const depth = useRef(0);
  const lit = useRef<HTMLElement | null>(null);

  useEffect(() => {
    const light = (card: HTMLElement | null) => {
      if (lit.current === card) return;
      lit.current?.removeAttribute(HOVER_ATTRIBUTE);
      card?.setAttribute(HOVER_ATTRIBUTE, 'true');
      lit.current = card;
    };
    const end = () => {
      depth.current = 0;
      setActive(false);
      setTargetId(null);
      light(null);
    };
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
      light(cardUnder(e));
      setTargetId(dropTargetOf(e));
    };
    // dragenter/dragleave fire for every child crossed; count them to know when the pointer left the window.
    const onLeave = (e: DragEvent) => {
      if (!carriesFiles(e)) return;
      depth.current = Math.max(0, depth.current - 1);
      if (depth.current === 0 || e.relatedTarget === null) end();
    };
    const onDrop = (e: DragEvent) => {
      const projectId = dropTargetOf(e);
      end();
      if (!e.dataTransfer || !carriesFiles(e)) return;
      e.preventDefault();
      importDrop(e.dataTransfer, projectId ? { projectId } : {});
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
      light(null);
    };
  }, [importDrop]);

  if (!active) return null;
  const target = targetId ? projects.data?.find((p) => p.id === targetId) : undefined;
  return (
    <div className="drop-overlay" data-testid="drop-overlay" data-target-project-id={target?.id ?? ''} data-into-project={target ? 'true' : 'false'} aria-hidden="true">
      <div className="drop-overlay-card">
        <div className="drop-overlay-icon">{dropIcon}</div>
        <strong data-testid="drop-overlay-title">{target ? t('dropzone.overlayInto', { name: target.name }) : t('dropzone.overlay')}</strong>
        <span>{target ? t('dropzone.overlayIntoHint') : t('dropzone.overlayHint')}</span>
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
