/**
 * The composition root: the generic app, given the renderer's features. The only file
 * outside src-renderer/features/ that may import them (eslint.config.js enforces it).
 */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import './styles/base.css';
import './styles/shell.css';
import './styles/ui.css';
import { App } from './app/App.js';
import { initTheme } from './app/theme.js';
import { pickBackend } from './backend/index.js';
import { features } from './features/index.js';
import { initI18n } from './i18n/index.js';

initTheme();
initI18n(features);
const backend = pickBackend();
const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root');
createRoot(root).render(
  <StrictMode>
    <App backend={backend} features={features} />
  </StrictMode>,
);
