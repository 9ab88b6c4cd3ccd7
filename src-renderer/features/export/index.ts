import { defineFeature } from '../../app/feature.js';
import { ExportLink } from './ExportLink.js';
import { en, tr } from './messages.js';

/** A project's images as a ZIP, from the project view's toolbar. */
export const exportFeature = defineFeature({
  name: 'export',
  messages: { en, tr },
  projectActions: [{ id: 'export-zip', order: 20, Control: ExportLink }],
});
