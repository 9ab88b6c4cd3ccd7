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
 * What a drop would add to under the pointer: the project card there, else the project
 * open on the page, else nothing (a new project).
 */
function candidateOf(e: DragEvent): string | null {
  return cardUnder(e)?.getAttribute(CARD_ATTRIBUTE) ?? currentRoute().projectId;
}

/**
 * The pointer must rest on a project this long before a drop goes into it: the card lights
 * up and the overlay names the project first, so a drop always does what the overlay said.
 * A quick drop anywhere (the overlay still saying "Drop to import") makes a new project.
 */
const DWELL_MS = 250;

/**
 * The whole window is the drop target: a drop anywhere imports, and the overlay says so
 * while files are dragged over. Resting on a project card, or on an open project's page,
 * makes that project the target (the card lights up, the overlay names it): the drop then
 * adds to it. Also stops the browser from opening a dropped image in place of the app.
 */
export function DropTarget() {
  const { t } = useTranslation();
  const { importDrop } = useImporter();
  const projects = useProjects();
  const [active, setActive] = useState(false);
  const [targetId, setTargetId] = useState<string | null>(null);
  const depth = useRef(0);

  useEffect(() => {
    let lit: HTMLElement | null = null;
    /** What the overlay shows as the target now: what a drop goes into. */
    let shown: string | null = null;
    let pending: { id: string | null; card: HTMLElement | null } | null = null;
    let timer: ReturnType<typeof setTimeout> | null = null;
    const light = (card: HTMLElement | null) => {
      if (lit === card) return;
      lit?.removeAttribute(HOVER_ATTRIBUTE);
      card?.setAttribute(HOVER_ATTRIBUTE, 'true');
      lit = card;
    };
    const show = (id: string | null, card: HTMLElement | null) => {
      shown = id;
      light(card);
      setTargetId(id);
    };
    const end = () => {
      depth.current = 0;
      if (timer) clearTimeout(timer);
      timer = null;
      pending = null;
      setActive(false);
      show(null, null);
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
      const id = candidateOf(e);
      const card = cardUnder(e);
      if (pending && pending.id === id && pending.card === card) return;
      if (timer) clearTimeout(timer);
      timer = null;
      pending = { id, card };
      if (id === null) return show(null, null);
      // Leaving a target ends it at once; a new one takes over after the dwell.
      if (shown !== id || lit !== card) show(null, null);
      timer = setTimeout(() => {
        timer = null;
        if (pending?.id === id) show(id, card);
      }, DWELL_MS);
    };
    // dragenter/dragleave fire for every child crossed; count them to know when the pointer left the window.
    const onLeave = (e: DragEvent) => {
      if (!carriesFiles(e)) return;
      depth.current = Math.max(0, depth.current - 1);
      if (depth.current === 0 || e.relatedTarget === null) end();
    };
    const onDrop = (e: DragEvent) => {
      const projectId = shown;
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
      if (timer) clearTimeout(timer);
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
