import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useBackend } from '../../backend/index.js';
import { detectLanguage, languages, readLanguageSetting, setLanguageSetting, type LanguageSetting } from '../../i18n/index.js';
import { setThemeSetting, useThemeSetting, type ThemeSetting } from '../../app/theme.js';
import { saveSetting } from './library-settings.js';
import { useEngineInfo } from './queries.js';
import { openShortcutHelp } from '../../app/shortcuts.js';

const themes: ThemeSetting[] = ['system', 'light', 'dark'];
const themeLabel = { system: 'settings.themeSystem', light: 'settings.themeLight', dark: 'settings.themeDark' } as const;

export function SettingsPage() {
  const { t } = useTranslation();
  const backend = useBackend();
  const theme = useThemeSetting();
  const info = useEngineInfo();
  const [languageSetting, setLanguage] = useState<LanguageSetting>(readLanguageSetting);

  return (
    <div className="page settings" data-testid="page-settings">
      <h1>{t('settings.title')}</h1>

      <section className="settings-section" aria-labelledby="settings-appearance">
        <h2 id="settings-appearance">{t('settings.appearance')}</h2>
        <div className="field">
          <label htmlFor="settings-language">{t('settings.language')}</label>
          <select
            id="settings-language"
            data-testid="settings-language"
            value={languageSetting}
            onChange={(e) => {
              const next = e.currentTarget.value as LanguageSetting;
              setLanguage(next);
              void setLanguageSetting(next);
              saveSetting(backend, { language: next });
            }}
          >
            <option value="auto">{t('settings.languageAuto', { language: t(`languages.${detectLanguage()}`) })}</option>
            {languages.map((l) => (
              <option key={l} value={l} lang={l}>
                {t(`languages.${l}`)}
              </option>
            ))}
          </select>
        </div>
        <fieldset className="field">
          <legend>{t('settings.theme')}</legend>
          <div className="segmented" role="radiogroup" aria-label={t('settings.theme')} data-testid="settings-theme">
            {themes.map((option) => (
              <label key={option} className={theme === option ? 'is-selected' : ''}>
                <input
                  type="radio"
                  name="theme"
                  value={option}
                  checked={theme === option}
                  onChange={() => {
                    setThemeSetting(option);
                    saveSetting(backend, { theme: option });
                  }}
                  data-testid={`theme-${option}`}
                />
                {t(themeLabel[option])}
              </label>
            ))}
          </div>
        </fieldset>
      </section>

      <section className="settings-section" aria-labelledby="settings-engine">
        <h2 id="settings-engine">{t('settings.engine')}</h2>
        {info.data ? (
          <dl className="details" data-testid="engine-info">
            <dt>{t('settings.version')}</dt>
            <dd data-testid="engine-version">{info.data.version}</dd>
            <dt>{t('settings.transport')}</dt>
            <dd>{backend.kind === 'web' ? t('settings.transportWeb') : t('settings.transportElectron')}</dd>
            <dt>{t('settings.dataDir')}</dt>
            <dd>
              <code>{info.data.dataDir}</code>
            </dd>
            <dt>{t('settings.providers')}</dt>
            <dd>{info.data.executionProviders.join(', ')}</dd>
            <dt>{t('settings.platform')}</dt>
            <dd>
              {info.data.platform} {info.data.arch} · Node {info.data.node} · {info.data.cpus} CPU
            </dd>
          </dl>
        ) : info.isError ? (
          <p className="error">{(info.error as Error).message}</p>
        ) : (
          <p className="muted">…</p>
        )}
      </section>

      <section className="settings-section" aria-labelledby="settings-shortcuts">
        <h2 id="settings-shortcuts">{t('settings.shortcuts')}</h2>
        <button type="button" className="button" onClick={openShortcutHelp} data-testid="show-shortcuts">
          {t('settings.showShortcuts')} (?)
        </button>
      </section>
    </div>
  );
}
