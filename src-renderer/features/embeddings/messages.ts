import type { Translation } from '../../i18n/types.js';

/** The embeddings feature's words: its queue job, stages and batch (the Embeddings page is not built yet). */
export const en = {
  jobTypes: {
    embeddings_extract: 'Extract embeddings',
  },
  stages: {
    embedding: 'Embedding images',
    indexing: 'Updating the index',
  },
  batchTypes: {
    embeddings: 'Extract embeddings',
  },
};

export const tr: Translation<typeof en> = {
  jobTypes: {
    embeddings_extract: 'Gömme çıkarımı',
  },
  stages: {
    embedding: 'Görseller gömülüyor',
    indexing: 'Dizin güncelleniyor',
  },
  batchTypes: {
    embeddings: 'Gömme çıkarımı',
  },
};
