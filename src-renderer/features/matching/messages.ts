import type { Translation } from '../../i18n/types.js';

/** The matching feature's English strings (merged with the shell's and the other features' at start). */
export const en = {
  nav: {
    matching: 'Matching',
  },
  matching: {
    title: 'Matching',
    body: 'Image embeddings and a nearest-neighbour (HNSW) index over your projects. For each product you will review the candidate images the index finds and approve, reject or skip them; approved pairs become training data.',
  },
};

export const tr: Translation<typeof en> = {
  nav: {
    matching: 'Eşleştirme',
  },
  matching: {
    title: 'Eşleştirme',
    body: 'Projeleriniz üzerinde görsel gömmeleri ve bir en yakın komşu (HNSW) dizini. Her ürün için dizinin bulduğu aday görselleri inceleyip onaylayacak, reddedecek ya da geçeceksiniz; onaylanan eşleşmeler eğitim verisi olur.',
  },
};
