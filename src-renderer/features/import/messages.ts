import type { Translation } from '../../i18n/types.js';

/** The import feature's English strings (merged with the shell's and the other features' at start). */
export const en = {
  dropzone: {
    title: 'Drop folders or images',
    hint: 'anywhere in the window, or',
    chooseFolder: 'Choose a folder…',
    chooseFiles: 'Choose files…',
    overlay: 'Drop to import',
    overlayHint: 'Folders keep their structure. Each drop becomes a new project.',
    overlayInto: 'Drop to add to “{{name}}”',
    overlayIntoHint: 'The images join this project; duplicates are skipped.',
  },
  imports: {
    title: 'Imports',
    collecting: 'Reading the dropped folders… {{count, number}} files',
    uploading: 'Uploading {{done, number}} of {{total, number}} files',
    starting: 'Starting the import…',
    scanning: 'Scanning…',
    running: 'Importing {{processed, number}} of {{total, number}}',
    done: 'Done',
    failed: 'Failed: {{error}}',
    uploadsFailed: 'No file could be uploaded: {{reason}}',
    interrupted: 'Interrupted: the engine stopped before this import finished',
    stats: '{{imported, number}} imported · {{duplicates, number}} duplicates · {{skipped, number}} skipped',
    uploadFailures_one: '{{count, number}} file could not be uploaded',
    uploadFailures_other: '{{count, number}} files could not be uploaded',
    dismiss: 'Dismiss',
    progressLabel: 'Progress of {{name}}',
    newProject: 'New project',
    doneToast_one: 'Imported {{count, number}} image into “{{name}}”',
    doneToast_other: 'Imported {{count, number}} images into “{{name}}”',
    detailsToast: '{{duplicates, number}} duplicates, {{skipped, number}} skipped',
    failedToast: 'Import into “{{name}}” failed: {{error}}',
    nothingToImport: 'Nothing to import: the drop held no files.',
  },
  shortcuts: {
    chooseFolder: 'Choose a folder to import',
  },
  jobTypes: {
    import_scan: 'Scan an import',
    import_file: 'Import a file',
  },
  stages: {
    scanning: 'Scanning',
  },
  batchTypes: {
    import: 'Import',
  },
};

export const tr: Translation<typeof en> = {
  dropzone: {
    title: 'Klasör ya da görsel bırakın',
    hint: 'pencerenin herhangi bir yerine ya da',
    chooseFolder: 'Klasör seç…',
    chooseFiles: 'Dosya seç…',
    overlay: 'İçe aktarmak için bırakın',
    overlayHint: 'Klasör yapısı korunur. Her bırakma yeni bir proje olur.',
    overlayInto: '“{{name}}” projesine eklemek için bırakın',
    overlayIntoHint: 'Görseller bu projeye eklenir; aynıları atlanır.',
  },
  imports: {
    title: 'İçe aktarmalar',
    collecting: 'Bırakılan klasörler okunuyor… {{count, number}} dosya',
    uploading: '{{total, number}} dosyanın {{done, number}} tanesi yüklendi',
    starting: 'İçe aktarma başlatılıyor…',
    scanning: 'Taranıyor…',
    running: '{{total, number}} dosyanın {{processed, number}} tanesi işlendi',
    done: 'Tamamlandı',
    failed: 'Başarısız: {{error}}',
    uploadsFailed: 'Hiçbir dosya yüklenemedi (motora ulaşılamadı ya da dosyalar okunamadı).',
    interrupted: 'Yarıda kaldı: motor bu içe aktarma bitmeden durdu',
    stats: '{{imported, number}} aktarıldı · {{duplicates, number}} yinelenen · {{skipped, number}} atlandı',
    uploadFailures_one: '{{count, number}} dosya yüklenemedi',
    uploadFailures_other: '{{count, number}} dosya yüklenemedi',
    dismiss: 'Kapat',
    progressLabel: '{{name}} ilerlemesi',
    newProject: 'Yeni proje',
    doneToast_one: '“{{name}}” projesine {{count, number}} görsel aktarıldı',
    doneToast_other: '“{{name}}” projesine {{count, number}} görsel aktarıldı',
    detailsToast: '{{duplicates, number}} yinelenen, {{skipped, number}} atlandı',
    failedToast: '“{{name}}” içe aktarılamadı: {{error}}',
    nothingToImport: 'Aktarılacak bir şey yok: bırakılanlar arasında dosya yoktu.',
  },
  shortcuts: {
    chooseFolder: 'İçe aktarmak için klasör seç',
  },
  jobTypes: {
    import_scan: 'İçe aktarmayı tara',
    import_file: 'Dosya içe aktar',
  },
  stages: {
    scanning: 'Taranıyor',
  },
  batchTypes: {
    import: 'İçe aktarma',
  },
};
