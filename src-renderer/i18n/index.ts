import i18next from 'i18next';
import { initReactI18next } from 'react-i18next';
import type { RendererFeature } from '../app/feature.js';
import { mergeMessages } from '../app/registry.js';
import { storageGet, storageRemove, storageSet } from '../app/storage.js';
import { en } from './en.js';
import { tr } from './tr.js';

export const languages = ['en', 'tr'] as const;
export type Language = (typeof languages)[number];
export type LanguageSetting = Language | 'auto';

const STORAGE_KEY = 'atolye.language';

/** The first of the browser's preferred languages we have strings for; English otherwise. */
export function detectLanguage(preferred: readonly string[] = navigator.languages?.length ? navigator.languages : [navigator.language]): Language {
  for (const tag of preferred) {
    const base = tag.toLowerCase().split('-')[0];
    const found = languages.find((l) => l === base);
    if (found) return found;
  }
  return 'en';
}

export function readLanguageSetting(): LanguageSetting {
  const stored = storageGet(STORAGE_KEY);
  return stored === 'en' || stored === 'tr' ? stored : 'auto';
}

export function resolveLanguage(setting: LanguageSetting): Language {
  return setting === 'auto' ? detectLanguage() : setting;
}

export async function setLanguageSetting(setting: LanguageSetting): Promise<void> {
  if (setting === 'auto') storageRemove(STORAGE_KEY);
  else storageSet(STORAGE_KEY, setting);
  await i18next.changeLanguage(resolveLanguage(setting));
}

/**
 * Synchronous: the strings are bundled, so the first paint is already in the right
 * language. The shell's strings and every feature's make one resource per language.
 */
export function initI18n(features: readonly RendererFeature[]): typeof i18next {
  const messages = mergeMessages({ en, tr }, features);
  void i18next.use(initReactI18next).init({
    resources: { en: { translation: messages.en }, tr: { translation: messages.tr } },
    lng: resolveLanguage(readLanguageSetting()),
    fallbackLng: 'en',
    supportedLngs: [...languages],
    initAsync: false,
    // React escapes text itself.
    interpolation: { escapeValue: false },
    returnNull: false,
  });
  const apply = (lng: string) => {
    document.documentElement.lang = lng;
  };
  apply(i18next.language);
  i18next.on('languageChanged', apply);
  return i18next;
}
