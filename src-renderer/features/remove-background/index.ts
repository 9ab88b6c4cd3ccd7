import { removeBackgroundContract } from '../../../src-shared/contract/index.js';
import { defineFeature } from '../../app/feature.js';
import { removeBackgroundGridOverlay } from './grid-overlay.js';
import { useRemoveBackgroundLive } from './live.js';
import { en, tr } from './messages.js';
import { removeBackgroundPresenter } from './presenter.js';
import { RemoveBackgroundButton } from './RemoveBackgroundButton.js';
import './remove-background.css';
import { RemoveBackgroundDialog } from './RemoveBackgroundDialog.js';
import { RemoveBackgroundRuns } from './RunList.js';
import { ReviewPanel } from './review.js';
import { RemoveBackgroundViewerPanel } from './ViewerPanel.js';

/**
 * Remove background of a project or a selection: the toolbar button and its dialog (B),
 * the project's runs under its title, per-image state on the grid, before/after in the
 * viewer, and how its batches look on the Queue page.
 */
export const removeBackgroundFeature = defineFeature({
  name: 'remove-background',
  contract: removeBackgroundContract,
  messages: { en, tr },
  live: [useRemoveBackgroundLive],
  batchPresenters: { 'remove-background': removeBackgroundPresenter },
  projectActions: [
    { id: 'remove-background', order: 10, Control: RemoveBackgroundButton, Dialog: RemoveBackgroundDialog, key: 'b', enabled: (p) => p.assetCount > 0 },
  ],
  projectPanels: [
    { id: 'remove-background-runs', order: 10, Panel: RemoveBackgroundRuns },
    { id: 'remove-background-review', order: 20, Panel: ReviewPanel },
  ],
  gridOverlays: [removeBackgroundGridOverlay],
  viewerPanels: [{ id: 'remove-background-compare', order: 10, Panel: RemoveBackgroundViewerPanel }],
  shortcuts: [{ id: 'remove-background', order: 50, keys: () => 'B', label: 'shortcuts.removeBackground' }],
});
