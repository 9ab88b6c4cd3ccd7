import type { BrowserWindowConstructorOptions } from 'electron';

export interface WindowOptionsInput {
  /** Absolute path of the bundled preload (dist/preload/preload.cjs). */
  preloadPath: string;
  /** Window icon (Linux/Windows; macOS takes it from the bundle). */
  iconPath?: string;
  /** Paint the window in the theme's background before the first frame. */
  dark?: boolean;
}

/**
 * The main window. The renderer is an untrusted web page: isolated context, OS sandbox,
 * no Node, same-origin policy on, no <webview>, and a file dropped outside the app's drop
 * zones does not navigate the window to file://.
 */
export function windowOptions({ preloadPath, iconPath, dark = false }: WindowOptionsInput): BrowserWindowConstructorOptions {
  return {
    width: 1360,
    height: 880,
    minWidth: 900,
    minHeight: 600,
    show: false,
    title: 'Atölye',
    backgroundColor: dark ? '#16171a' : '#f6f6f4',
    ...(iconPath ? { icon: iconPath } : {}),
    webPreferences: {
      preload: preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      safeDialogs: true,
      spellcheck: false,
    },
  };
}
