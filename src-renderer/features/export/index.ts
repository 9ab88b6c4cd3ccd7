import { defineFeature } from '../../app/feature.js';
import { ExportButton, ExportDialog } from './ExportDialog.js';
import { en, tr } from './messages.js';

/** A project's images as a ZIP (originals, results or both), from the project view's toolbar. */
export const exportFeature = defineFeature({
  name: 'export',
  messages: { en, tr },
  projectActions: [{ id: 'export-zip', order: 20, Control: ExportButton, Dialog: ExportDialog, enabled: (p) => p.assetCount > 0 }],
});
