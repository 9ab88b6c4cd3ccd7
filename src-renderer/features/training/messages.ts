import type { Translation } from '../../i18n/types.js';

/** The training feature's English strings (merged with the shell's and the other features' at start). */
export const en = {
  nav: {
    training: 'Training',
  },
  training: {
    title: 'Training',
    body: 'Train a product recognizer on the approved matches, on this machine, and see how much it improves retrieval against the model you started from.',
  },
};

export const tr: Translation<typeof en> = {
  nav: {
    training: 'Eğitim',
  },
  training: {
    title: 'Eğitim',
    body: 'Onaylanan eşleşmelerle bu bilgisayarda bir ürün tanıyıcı eğitin ve başlangıç modeline göre aramayı ne kadar iyileştirdiğini görün.',
  },
};
