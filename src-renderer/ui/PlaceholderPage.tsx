import { useTranslation } from 'react-i18next';

type Unbuilt = 'matching' | 'training';

/** A page whose feature is not built yet says what it will hold, not "coming soon". */
export function PlaceholderPage({ page }: { page: Unbuilt }) {
  const { t } = useTranslation();
  return (
    <div className="page placeholder" data-testid={`page-${page}`}>
      <h1>{t(`placeholder.${page}Title`)}</h1>
      <p className="badge">{t('placeholder.notYet')}</p>
      <p className="intro">{t(`placeholder.${page}Body`)}</p>
    </div>
  );
}
