import type { Translation } from '../../i18n/types.js';

/** The augmentation feature's English strings. */
export const en = {
  augmentation: {
    run: 'Run augmentation',
    title: 'Run augmentation',
    intro: 'Tops every product up to the targets: synthetic images from its frames’ cut-outs on backgrounds, and variants of its real photos. What exists counts, so running it again makes nothing new.',
    syntheticTarget: 'Synthetic images per product',
    realTarget: 'Real-photo variants per product',
    seed: 'Seed',
    backgroundsDir: 'Your background folder (optional, besides the {{count, number}} bundled ones)',
    start: 'Start',
    cancel: 'Cancel',
    stop: 'Stop run',
    started: 'Augmentation started for {{count, number}} products',
    runs: 'Augmentation runs',
    noRuns: 'No run yet.',
    state: {
      pending: 'Waiting',
      running: 'Running',
      paused: 'Paused',
      completed: 'Completed',
      failed: 'Finished with failures',
      cancelled: 'Stopped',
    },
    progress: '{{done, number}} / {{total, number}} products',
    totals: 'Synthetic: {{synProduced, number}} made, {{synFinal, number}} in all · Real variants: {{realProduced, number}} made, {{realFinal, number}} in all',
    perSplit: '{{split}}: {{products, number}} products, {{final, number}} augmented images',
    failures: '{{count, number}} failures',
    report: 'Report (JSON)',
    images: 'Augmented images',
    noImages: 'No augmented images in this dataset yet.',
    imageTitle: '{{kind}} #{{index, number}} · {{pipeline}} · seed {{seed, number}}',
    dataset: 'Dataset',
  },
  jobTypes: {
    augmentation_product: 'Augment a product',
  },
  stages: {
    cutting_out: 'Cutting out the product',
    synthesizing: 'Making synthetic images',
    varying_real_photos: 'Varying real photos',
  },
  batchTypes: {
    augmentation_run: 'Augmentation',
  },
};

export const tr: Translation<typeof en> = {
  augmentation: {
    run: 'Veri çoğaltmayı başlat',
    title: 'Veri çoğaltma',
    intro: 'Her ürünü hedeflere tamamlar: karelerinin dekupelerinden arka planlar üzerinde sentetik görüntüler ve gerçek fotoğraflarının varyantları. Var olanlar sayılır; yeniden çalıştırmak yeni bir şey üretmez.',
    syntheticTarget: 'Ürün başına sentetik görüntü',
    realTarget: 'Ürün başına gerçek fotoğraf varyantı',
    seed: 'Tohum',
    backgroundsDir: 'Kendi arka plan klasörünüz (isteğe bağlı, {{count, number}} hazır arka planın yanında)',
    start: 'Başlat',
    cancel: 'Vazgeç',
    stop: 'Durdur',
    started: '{{count, number}} ürün için veri çoğaltma başladı',
    runs: 'Veri çoğaltma çalıştırmaları',
    noRuns: 'Henüz çalıştırılmadı.',
    state: {
      pending: 'Bekliyor',
      running: 'Çalışıyor',
      paused: 'Duraklatıldı',
      completed: 'Tamamlandı',
      failed: 'Hatalarla bitti',
      cancelled: 'Durduruldu',
    },
    progress: '{{done, number}} / {{total, number}} ürün',
    totals: 'Sentetik: {{synProduced, number}} üretildi, toplam {{synFinal, number}} · Gerçek varyant: {{realProduced, number}} üretildi, toplam {{realFinal, number}}',
    perSplit: '{{split}}: {{products, number}} ürün, {{final, number}} çoğaltılmış görüntü',
    failures: '{{count, number}} hata',
    report: 'Rapor (JSON)',
    images: 'Çoğaltılmış görüntüler',
    noImages: 'Bu veri kümesinde henüz çoğaltılmış görüntü yok.',
    imageTitle: '{{kind}} #{{index, number}} · {{pipeline}} · tohum {{seed, number}}',
    dataset: 'Veri kümesi',
  },
  jobTypes: {
    augmentation_product: 'Bir ürünü çoğalt',
  },
  stages: {
    cutting_out: 'Ürün dekupe ediliyor',
    synthesizing: 'Sentetik görüntüler üretiliyor',
    varying_real_photos: 'Gerçek fotoğraflar çeşitlendiriliyor',
  },
  batchTypes: {
    augmentation_run: 'Veri çoğaltma',
  },
};
