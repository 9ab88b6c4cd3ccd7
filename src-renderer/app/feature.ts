/**
 * How a capability plugs into the renderer. A feature is a folder under
 * src-renderer/features/<name>/ whose index.ts exports one `defineFeature({...})`: plain
 * data and components for the contribution points below (in the manner of VS Code's
 * `contributes`). Generic code (the shell, the router, i18n, ui/) reads them through the
 * registry and never names a feature; the list of features is handed to `App` by the
 * composition root (src-renderer/main.tsx, from src-renderer/features/index.ts).
 *
 * Contribution points, and who reads them:
 *   routes, shell, live, shortcuts, messages        the shell (App, router, i18n)
 *   batchPresenters                                 anything showing a queue batch (Queue page, toasts)
 *   projectActions, projectPanels, gridOverlays,    the project view, its grid and viewer
 *   viewerPanels, projectListActions                (owned by the library feature, which reads them here)
 *   productBulkActions, productPanels               the products list and a product's page (owned by the products feature)
 */
import type { TFunction } from 'i18next';
import type { ComponentType, ReactNode } from 'react';
import type { Asset, Batch, BatchTypeName, BatchTypeSpec, JobTypeSpec, Product, ProductSelection, Project } from '../../src-shared/contract/index.js';
import type { RendererBackend } from '../backend/index.js';
import type { MessageTree, Translation } from '../i18n/types.js';
import type { Route } from './router.js';

/** A page of the shell: `#/<page>`, with a nav entry (Ctrl/Cmd+1… follow `order`). */
export interface RouteContribution {
  page: string;
  order: number;
  /** i18n key of its name in the nav and the shortcut sheet. */
  label: string;
  icon: ReactNode;
  Page: ComponentType<{ projectId: string | null }>;
  /** `#/<page>/<projectId>` opens a project on this page. */
  withProject?: boolean;
}

/**
 * How the UI shows a queue batch of one type. `D` is what the engine knows of a batch
 * beyond its counts (a background-removal run's options), fetched once per batch.
 */
export interface BatchPresenter<D = unknown> {
  /** A finished batch gets a toast (web mode); should agree with the contract's `notify`, which the desktop app's notification follows. */
  toast: boolean;
  detail?: {
    /** Known in this window without a call (a run it started). */
    known?(batchId: string): D | undefined;
    fetch(backend: RendererBackend, batchId: string): Promise<D>;
  };
  /** The batch's title in the UI language; null keeps the engine's label. */
  title?(t: TFunction, batch: Batch, detail: D | undefined): string | null;
  /** More about the batch, under the counts of its row on the Queue page. */
  RowDetails?: ComponentType<{ batch: Batch; detail: D | undefined }>;
  /**
   * A hook: how many of the batch's completed jobs left a result that needs review (the
   * queue cannot tell), kept live. The Queue page's row and the feature's own banner both
   * summarize the batch with it (app/batch-summary.ts), so they never disagree.
   */
  useNeedsReview?(batch: Batch, detail: D | undefined): number;
  /** The same count outside a component (a batch's end toast), from its detail. */
  needsReview?(detail: D | undefined): number;
}

/** Erases a presenter's detail type for the registry (each presenter is only ever handed its own detail). */
export function batchPresenter<D>(presenter: BatchPresenter<D>): BatchPresenter {
  return presenter as unknown as BatchPresenter;
}

/** A row of the keyboard-shortcut sheet, and the global key behind it when the shell handles it. */
export interface ShortcutContribution {
  id: string;
  order: number;
  /** The keys as the sheet shows them; `mod` is Ctrl or ⌘. */
  keys(t: TFunction, mod: string): string;
  /** i18n key of what it does. */
  label: string;
  /**
   * A key the shell handles on every page. Absent for keys a view handles itself (the
   * grid's Ctrl+A, a project action's key). `run` answers false when the key does not
   * apply here (no project to rename): it is then left to others.
   */
  binding?: { key: string; mod?: boolean; whileTyping?: boolean; run(route: Route): boolean };
}

/** A control in the project view's toolbar, with the dialog it opens. */
export interface ProjectAction {
  id: string;
  order: number;
  /** A button that calls `open` (for `Dialog`), or a link. */
  Control: ComponentType<{ project: Project; open: () => void }>;
  Dialog?: ComponentType<{ project: Project; onClose: () => void }>;
  /** A key (no modifier) that opens `Dialog` in the project view when `enabled`. */
  key?: string;
  enabled?(project: Project): boolean;
}

/** Shown in the project view's header, under the title (a feature's runs on this project). */
export interface ProjectPanel {
  id: string;
  order: number;
  Panel: ComponentType<{ project: Project }>;
}

/** Beside the list of projects: `prominent` on the Batch page, `compact` in the Gallery's header. */
export interface ProjectListAction {
  id: string;
  order: number;
  Action: ComponentType<{ variant: 'prominent' | 'compact' }>;
}

/** What an overlay adds to one cell of the project grid. */
export interface CellDecoration {
  /** Words added to the cell's accessible name. */
  label?: string | null;
  /** A line added to the cell's tooltip. */
  title?: string | null;
  /** Attributes for styles and tests (`data-…`). */
  data?: Readonly<Record<`data-${string}`, string | number | undefined>>;
  /** Drawn over the thumbnail (badges, rings). */
  content?: ReactNode;
}

export type CellDecorator = (asset: Asset) => CellDecoration | null;

/** The originals of one page of the grid that is on screen (undefined while it loads). */
export interface VisiblePage {
  page: number;
  assets: readonly Asset[] | undefined;
}

/**
 * Per-cell state a feature draws on the project grid. `useDecorator` is a hook, called
 * once per grid render (the feature list never changes, so the order of hooks holds);
 * the decorator it returns must keep its identity until what it draws changes, so that
 * scrolling re-renders only the rows that enter.
 */
export interface GridOverlay {
  id: string;
  order: number;
  useDecorator(projectId: string, visible: readonly VisiblePage[]): CellDecorator;
}

/**
 * A feature's part of the image viewer. One component per feature, rendered while the
 * viewer is open; it portals what it draws into `stage` (over the image, positioned like
 * it) and `side` (the details column), so both parts share its state.
 */
export interface ViewerPanelProps {
  projectId: string;
  asset: Asset | null;
  stage: HTMLElement | null;
  side: HTMLElement | null;
}

export interface ViewerPanel {
  id: string;
  order: number;
  Panel: ComponentType<ViewerPanelProps>;
}

/**
 * A button in the products list's bulk bar, acting on the current selection as the engine
 * reads it (ids, or a filter minus exceptions). `id: 'add-to-dataset'` takes the place of
 * the list's disabled "Add to dataset" placeholder.
 */
export interface ProductBulkAction {
  id: string;
  order: number;
  Action: ComponentType<{ selection: ProductSelection; count: number; clear: () => void }>;
}

/** A panel on a product's page, beside its status card (a product's source video). Renders nothing when it has nothing to show. */
export interface ProductPanel {
  id: string;
  order: number;
  Panel: ComponentType<{ product: Product }>;
}

/** Hooks that turn engine events into fresh queries and stores; mounted once by the shell. */
export type LiveHook = () => void;

/** The contract slice a feature speaks for: its job types and batch types get words. */
export interface SliceJobs {
  jobs: Record<string, JobTypeSpec>;
  batchTypes: Record<string, BatchTypeSpec>;
}

/** A job type's or stage's name as one i18n key (dots, dashes and spaces become `_`): i18next reads dots as nesting. */
export type MessageSlug<S extends string> = S extends `${infer A}.${infer B}`
  ? MessageSlug<`${A}_${B}`>
  : S extends `${infer A}-${infer B}`
    ? MessageSlug<`${A}_${B}`>
    : S extends `${infer A} ${infer B}`
      ? MessageSlug<`${A}_${B}`>
      : S;

export function messageSlug(name: string): string {
  return name.replace(/[^a-z0-9]/gi, '_');
}

/**
 * The stages the slice's jobs declare. A job type declared without stages reads as
 * `JobTypeSpec<string>` (its `jobType()` call infers `string` from the slice's record
 * type), which would make the set `string`; such a job has no stage to word, so it is left out.
 */
type StagesOf<S extends SliceJobs> = { [J in keyof S['jobs']]: string extends S['jobs'][J]['stages'][number] ? never : S['jobs'][J]['stages'][number] }[keyof S['jobs']];
type Group<K extends string, Names extends string> = [Names] extends [never] ? unknown : { [P in K]: { [N in Names as MessageSlug<N>]: string } };

/**
 * The words a feature owes its contract slice: a name for each job type and batch type,
 * and a message for every stage its jobs report (`jobTypes`, `batchTypes`, `stages`).
 */
export type ContractMessages<S extends SliceJobs> = Group<'jobTypes', keyof S['jobs'] & string> &
  Group<'stages', StagesOf<S> & string> &
  Group<'batchTypes', keyof S['batchTypes'] & string>;

export interface RendererFeature {
  /** The folder's name. */
  readonly name: string;
  /** Its contract slice, when it has job or batch types (their words are checked against it). */
  readonly contract?: SliceJobs;
  /**
   * Its strings, merged with every other feature's into one resource per language; a
   * key two features both define is refused at start. Failures the engine reports with
   * an `errorCode` are worded under `errors.<code>`.
   */
  readonly messages: { readonly en: MessageTree; readonly tr: MessageTree };
  readonly routes?: readonly RouteContribution[];
  readonly batchPresenters?: { readonly [B in BatchTypeName]?: BatchPresenter };
  readonly live?: readonly LiveHook[];
  /** Mounted once beside the pages (panels, drop targets, dialogs any page can open). */
  readonly shell?: readonly ComponentType[];
  readonly shortcuts?: readonly ShortcutContribution[];
  readonly projectActions?: readonly ProjectAction[];
  readonly projectPanels?: readonly ProjectPanel[];
  readonly projectListActions?: readonly ProjectListAction[];
  readonly gridOverlays?: readonly GridOverlay[];
  readonly viewerPanels?: readonly ViewerPanel[];
  readonly productBulkActions?: readonly ProductBulkAction[];
  readonly productPanels?: readonly ProductPanel[];
}

type NoSlice = { jobs: Record<never, never>; batchTypes: Record<never, never> };

/**
 * A feature, with its strings checked: Turkish has every English key, and English words
 * every job type, stage and batch type of `contract`.
 */
export function defineFeature<S extends SliceJobs = NoSlice, E extends MessageTree & ContractMessages<S> = MessageTree & ContractMessages<S>>(
  feature: Omit<RendererFeature, 'contract' | 'messages'> & { contract?: S; messages: { en: E; tr: Translation<E> } },
): RendererFeature {
  return feature as RendererFeature;
}
