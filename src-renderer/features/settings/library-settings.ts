import { useEffect } from 'react';
import type { AppSettings } from '../../../src-shared/contract/index.js';
import { useBackend, type RendererBackend } from '../../backend/index.js';
import { storageGet } from '../../app/storage.js';
import { setThemeSetting, type ThemeSetting } from '../../app/theme.js';
import { readLanguageSetting, setLanguageSetting } from '../../i18n/index.js';

/** The theme choice as localStorage caches it (theme.ts keeps it under this key). */
function cachedTheme(): ThemeSetting {
  const stored = storageGet('atolye.theme');
  return stored === 'light' || stored === 'dark' ? stored : 'system';
}

/** Shows the library's preferences here (localStorage is only their cache, for the first paint). */
function apply(settings: AppSettings): void {
  if (readLanguageSetting() !== settings.language) void setLanguageSetting(settings.language);
  if (cachedTheme() !== settings.theme) setThemeSetting(settings.theme);
}

/**
 * Language and theme live in the library (settings.get/set), so a restart, another
 * browser, a cleared localStorage or the desktop window all show the same. At start the
 * library's values win over the cache; a library that has only defaults while this cache
 * holds a choice (made before settings moved into the library) takes the cached choice.
 * Changes made elsewhere arrive as settings.changed.
 */
export function useLibrarySettings(): void {
  const backend = useBackend();
  useEffect(() => {
    let active = true;
    void (async () => {
      try {
        let settings = await backend.call('settings.get', {});
        const cached = { language: readLanguageSetting(), theme: cachedTheme() };
        const fresh = settings.language === 'auto' && settings.theme === 'system';
        if (fresh && (cached.language !== 'auto' || cached.theme !== 'system')) settings = await backend.call('settings.set', cached);
        if (active) apply(settings);
      } catch {
        /* an engine without settings (older) or unreachable: the cache stays in charge */
      }
    })();
    const off = backend.subscribe((e) => {
      if (e.type === 'settings.changed') apply(e.payload);
    });
    return () => {
      active = false;
      off();
    };
  }, [backend]);
}

/** Records a change in the library (and so in every other window); the cache was already updated. */
export function saveSetting(backend: RendererBackend, changes: Partial<AppSettings>): void {
  void backend.call('settings.set', changes).catch(() => undefined);
}
