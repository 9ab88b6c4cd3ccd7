import { useTranslation } from 'react-i18next';

/** A page whose feature is not built yet says what it will hold, not "coming soon". `title` and `body` are i18n keys. */
export function PlaceholderPage({ page, title, body }: { page: string; title: string; body: string }) {
  const { t } = useTranslation();
  return (
    <div className="page placeholder" data-testid={`page-${page}`}>
      <h1>{t(title)}</h1>
      <p className="badge">{t('placeholder.notYet')}</p>
      <p className="intro">{t(body)}</p>
    </div>
  );
}

/** The page component for a route whose feature is not built yet. */
export function placeholderPage(page: string, title: string, body: string) {
  return function Placeholder() {
    return <PlaceholderPage page={page} title={title} body={body} />;
  };
}
