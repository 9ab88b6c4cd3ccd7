import type { Translation } from '../../i18n/types.js';

/** The export feature's English strings (merged with the shell's and the other features' at start). */
export const en = {
  export: {
    zip: 'Export ZIP',
  },
};

export const tr: Translation<typeof en> = {
  export: {
    zip: 'ZIP olarak dışa aktar',
  },
};
