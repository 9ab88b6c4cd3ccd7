import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app/App.js';
import { pickBackend } from './backend/index.js';
import { initI18n } from './i18n/index.js';
import { initTheme } from './app/theme.js';
import './styles/base.css';
import './styles/shell.css';
import './features/library/library.css';
import './features/remove-background/remove-background.css';

initTheme();
initI18n();
const backend = pickBackend();
const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root');
createRoot(root).render(
  <StrictMode>
    <App backend={backend} />
  </StrictMode>,
);
