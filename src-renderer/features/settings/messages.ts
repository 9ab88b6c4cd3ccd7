import type { Translation } from '../../i18n/types.js';

/** The settings feature's English strings (merged with the shell's and the other features' at start). */
export const en = {
  nav: {
    settings: 'Settings',
  },
  settings: {
    title: 'Settings',
    appearance: 'Appearance',
    language: 'Language',
    languageAuto: 'Automatic ({{language}})',
    theme: 'Theme',
    themeSystem: 'Follow the system',
    themeLight: 'Light',
    themeDark: 'Dark',
    engine: 'Engine',
    version: 'Version',
    dataDir: 'Data directory',
    providers: 'Execution providers',
    platform: 'Platform',
    transport: 'Connection',
    transportWeb: 'Web mode (loopback HTTP and WebSocket)',
    transportElectron: 'Desktop app (IPC)',
    shortcuts: 'Keyboard shortcuts',
    showShortcuts: 'Show all shortcuts',
  },
};

export const tr: Translation<typeof en> = {
  nav: {
    settings: 'Ayarlar',
  },
  settings: {
    title: 'Ayarlar',
    appearance: 'Görünüm',
    language: 'Dil',
    languageAuto: 'Otomatik ({{language}})',
    theme: 'Tema',
    themeSystem: 'Sistemi izle',
    themeLight: 'Açık',
    themeDark: 'Koyu',
    engine: 'Motor',
    version: 'Sürüm',
    dataDir: 'Veri dizini',
    providers: 'Yürütme sağlayıcıları',
    platform: 'Platform',
    transport: 'Bağlantı',
    transportWeb: 'Web modu (yerel HTTP ve WebSocket)',
    transportElectron: 'Masaüstü uygulaması (IPC)',
    shortcuts: 'Klavye kısayolları',
    showShortcuts: 'Tüm kısayolları göster',
  },
};
