import type { Translation } from '../../i18n/types.js';

/** The export feature's English strings (merged with the shell's and the other features' at start). */
export const en = {
  export: {
    zip: 'Export…',
    title: 'Export “{{name}}”',
    include: 'What goes in',
    choices: {
      both: 'Originals and results',
      originals: 'Originals only',
      results: 'Results only',
    },
    hints: {
      both: 'originals/ and results/<operation>/',
      originals: 'the photos as imported',
      results_one: '{{count, number}} image has results',
      results_other: '{{count, number}} images have results',
    },
    download: 'Download ZIP',
    saveZip: 'Save ZIP…',
    toFolder: 'Export to folder…',
    writing: 'Writing…',
    written_one: '{{count, number}} file written to {{path}}',
    written_other: '{{count, number}} files written to {{path}}',
    reveal: 'Show in folder',
  },
};

export const tr: Translation<typeof en> = {
  export: {
    zip: 'Dışa aktar…',
    title: '“{{name}}” dışa aktar',
    include: 'İçerik',
    choices: {
      both: 'Özgünler ve sonuçlar',
      originals: 'Yalnızca özgünler',
      results: 'Yalnızca sonuçlar',
    },
    hints: {
      both: 'originals/ ve results/<işlem>/',
      originals: 'fotoğraflar içe aktarıldığı gibi',
      results_one: '{{count, number}} görselin sonucu var',
      results_other: '{{count, number}} görselin sonucu var',
    },
    download: 'ZIP indir',
    saveZip: 'ZIP kaydet…',
    toFolder: 'Klasöre aktar…',
    writing: 'Yazılıyor…',
    written_one: '{{count, number}} dosya {{path}} konumuna yazıldı',
    written_other: '{{count, number}} dosya {{path}} konumuna yazıldı',
    reveal: 'Klasörde göster',
  },
};
