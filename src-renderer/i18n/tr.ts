import type { en } from './en.js';
import type { Translation } from './types.js';

/** Kabuğun Türkçe metinleri. Anahtarlar en.ts ile aynı olmalı (tür denetimi bunu zorlar). */
export const tr: Translation<typeof en> = {
  app: {
    name: 'Atölye',
    skipToContent: 'İçeriğe geç',
  },
  nav: {
    label: 'Ana gezinme',
  },
  connection: {
    connecting: 'Motora bağlanılıyor…',
    reconnecting: 'Motorla bağlantı koptu, yeniden bağlanılıyor…',
  },
  unauthorized: {
    title: 'Bu pencere motora giriş yapmamış',
    body: '“atolye serve” ya da “npm start” komutunun yazdığı adresi açın: ?token=… ile biter ve bu tarayıcıyı oturuma alır. Motor her başlatıldığında yeni bir anahtar üretir; eski bir sekme yeni adrese ihtiyaç duyar.',
  },
  states: {
    pending: 'Bekliyor',
    paused: 'Duraklatıldı',
    running: 'Çalışıyor',
    completed: 'Tamamlandı',
    failed: 'Başarısız',
    cancelled: 'İptal edildi',
    needs_review: 'Gözden geçirilmeli',
  },
  batchSummary: {
    done: '{{total, number}} işten {{done, number}} tanesi bitti',
    needsReview_one: '{{count, number}} gözden geçirilmeli',
    needsReview_other: '{{count, number}} gözden geçirilmeli',
    failed_one: '{{count, number}} başarısız',
    failed_other: '{{count, number}} başarısız',
    cancelled_one: '{{count, number}} iptal edildi',
    cancelled_other: '{{count, number}} iptal edildi',
    eta: 'yaklaşık {{time}} kaldı',
  },
  resources: {
    gpu: 'GPU yuvası',
    cpu: 'CPU yuvası',
    io: 'Disk ve ağ yuvası',
  },
  priorities: {
    urgent: 'Acil',
    normal: 'Normal',
    background: 'Arka plan',
  },
  errorKinds: {
    permanent: 'kalıcı: yeniden denenmez',
    transient: 'geçici: yeniden denenir',
    oom: 'bellek yetmedi',
    timeout: 'zaman aşımı',
    poison: 'motoru defalarca çökertti',
    rate_limited: 'hız sınırına takıldı',
  },
  providers: {
    cuda: 'CUDA (NVIDIA GPU)',
    dml: 'DirectML (GPU)',
    coreml: 'Core ML',
    cpu: 'CPU',
  },
  toast: {
    error: '{{message}}',
    dismiss: 'Bildirimi kapat',
  },
  languages: {
    en: 'English',
    tr: 'Türkçe',
  },
  shortcuts: {
    title: 'Klavye kısayolları',
    goTo: '{{page}} sayfasına git',
    help: 'Bu listeyi göster',
    key: 'Tuşlar',
    action: 'İşlem',
  },
  common: {
    cancel: 'Vazgeç',
    close: 'Kapat',
    delete: 'Sil',
    save: 'Kaydet',
    loading: 'Yükleniyor…',
  },
  placeholder: {
    notYet: 'Henüz hazır değil',
  },
  callErrors: {
    invalid_input: 'Motor bu isteği geçersiz buldu.',
    not_found: 'İstenen şey bulunamadı: silinmiş ya da taşınmış olabilir.',
    conflict: 'Bu, mevcut bir şeyle çakışıyor (aynı ad ya da başka bir pencereden yapılan bir değişiklik).',
    unavailable: 'Motora şu an ulaşılamıyor; biraz sonra yeniden deneyin.',
    unauthorized: 'Bu pencere motora giriş yapmamış.',
    forbidden: 'Motor bu isteğe izin vermiyor.',
    internal: 'Motorda beklenmedik bir hata oldu.',
  },
  errors: {
    uncoded: 'Motor bir hata bildirdi (İngilizce ayrıntısı üzerine gelince görünür).',
    disk_full: 'Disk dolu: biraz yer açıp yeniden deneyin.',
    poison: 'Motoru defalarca çökerttiği için yeniden çalıştırılmıyor.',
  },
};
