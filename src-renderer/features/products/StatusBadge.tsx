import { useTranslation } from 'react-i18next';
import type { ProductStatus } from '../../../src-shared/contract/index.js';

/**
 * A status as colour, shape and word: the colours are from the Okabe–Ito set (told apart
 * with the common colour-vision deficiencies), and the glyph and text carry it without them.
 */
const GLYPH: Record<ProductStatus, string> = {
  pending: '○',
  processing: '◔',
  needs_matching: '◆',
  ready: '✓',
  rejected: '✕',
};

export function StatusBadge({ status }: { status: ProductStatus }) {
  const { t } = useTranslation();
  return (
    <span className={`product-status product-status-${status}`} data-testid="product-status" data-status={status}>
      <span aria-hidden="true">{GLYPH[status]}</span> {t(`products.status.${status}`)}
    </span>
  );
}
