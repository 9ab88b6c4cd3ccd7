import { importContract } from '../../../src-shared/contract/index.js';
import { defineFeature } from '../../app/feature.js';
import { chooseFolder, DropTarget, FileInputs, ImportListAction } from './DropTarget.js';
import './import.css';
import { ImportPanel } from './ImportPanel.js';
import { useImportLive } from './live.js';
import { en, tr } from './messages.js';

/** Folders and images in: the window-wide drop target, the file choosers, uploads (web mode) and the imports panel. */
export const importFeature = defineFeature({
  name: 'import',
  contract: importContract,
  messages: { en, tr },
  shell: [ImportPanel, DropTarget, FileInputs],
  live: [useImportLive],
  projectListActions: [{ id: 'import', order: 10, Action: ImportListAction }],
  // The imports panel says when an import is done; its batch gets no second toast.
  batchPresenters: { import: { toast: false } },
  shortcuts: [
    {
      id: 'choose-folder',
      order: 40,
      keys: (_t, mod) => `${mod}+O`,
      label: 'shortcuts.chooseFolder',
      binding: {
        key: 'o',
        mod: true,
        whileTyping: true,
        run: () => {
          chooseFolder();
          return true;
        },
      },
    },
  ],
});
