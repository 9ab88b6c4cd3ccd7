import { useSyncExternalStore } from 'react';
import { storageGet, storageRemove, storageSet } from './storage.js';

export type ThemeSetting = 'system' | 'light' | 'dark';
export type Theme = 'light' | 'dark';

const STORAGE_KEY = 'atolye.theme';
const listeners = new Set<() => void>();
let media: MediaQueryList | null = null;

let setting: ThemeSetting = 'system';

function readSetting(): ThemeSetting {
  const stored = storageGet(STORAGE_KEY);
  return stored === 'light' || stored === 'dark' ? stored : 'system';
}

export function resolvedTheme(s: ThemeSetting = setting): Theme {
  if (s !== 'system') return s;
  return media?.matches ? 'dark' : 'light';
}

/**
 * The stylesheet follows the OS by itself (color-scheme + light-dark()); this attribute
 * pins a choice and tells tests and CSS which theme is showing.
 */
function apply(): void {
  const root = document.documentElement;
  root.dataset.theme = resolvedTheme();
  root.dataset.themeSetting = setting;
  for (const l of listeners) l();
}

export function initTheme(): void {
  setting = readSetting();
  media = window.matchMedia('(prefers-color-scheme: dark)');
  apply();
  media.addEventListener('change', () => {
    if (setting === 'system') apply();
  });
}

export function setThemeSetting(next: ThemeSetting): void {
  setting = next;
  if (next === 'system') storageRemove(STORAGE_KEY);
  else storageSet(STORAGE_KEY, next);
  apply();
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function useThemeSetting(): ThemeSetting {
  return useSyncExternalStore(subscribe, () => setting);
}
