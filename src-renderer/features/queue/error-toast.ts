import { useTranslation } from 'react-i18next';
import { showToast } from '../../ui/toasts.js';
import { callErrorText } from '../../app/labels.js';

/** A failed queue control says why, in a toast. */
export function useErrorToast() {
  const { t } = useTranslation();
  return (err: unknown) => showToast({ kind: 'error', title: t('toast.error', { message: callErrorText(t, err) }) });
}
