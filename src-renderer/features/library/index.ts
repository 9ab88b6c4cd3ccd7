import { defineFeature } from '../../app/feature.js';
import { DeleteProjectDialog } from './DeleteProjectDialog.js';
import { batchIcon, galleryIcon } from './icons.js';
import './library.css';
import { useLibraryLive } from './live.js';
import { en, tr } from './messages.js';
import { BatchPage, GalleryPage } from './pages.js';
import { UndoBar } from './UndoBar.js';
import { libraryShortcuts } from './shortcuts.js';

/**
 * Projects and their images: the Batch and Gallery pages, the project view with its
 * grid and viewer (which show what other features contribute), rename and delete.
 */
export const libraryFeature = defineFeature({
  name: 'library',
  messages: { en, tr },
  routes: [
    { page: 'batch', order: 10, label: 'nav.batch', icon: batchIcon, Page: BatchPage, withProject: true },
    { page: 'gallery', order: 20, label: 'nav.gallery', icon: galleryIcon, Page: GalleryPage, withProject: true },
  ],
  live: [useLibraryLive],
  shell: [DeleteProjectDialog, UndoBar],
  shortcuts: libraryShortcuts,
});
