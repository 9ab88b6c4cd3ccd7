import { createContext, useContext } from 'react';
import { ElectronBackend, findBridge } from './electron-backend.js';
import { HttpBackend } from './http-backend.js';
import type { RendererBackend } from './types.js';

export type { ConnectionState, RendererBackend, UploadProgress, UploadResult } from './types.js';

/** The desktop app's preload puts the bridge on `window.atolye`; anything else is web mode. */
export function pickBackend(): RendererBackend {
  const bridge = findBridge();
  return bridge ? new ElectronBackend(bridge) : new HttpBackend();
}

export const BackendContext = createContext<RendererBackend | null>(null);

export function useBackend(): RendererBackend {
  const backend = useContext(BackendContext);
  if (!backend) throw new Error('useBackend outside <BackendContext>');
  return backend;
}
