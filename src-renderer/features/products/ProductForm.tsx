import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { ContractError, type Product, type ProductFields } from '../../../src-shared/contract/index.js';
import { useBackend } from '../../backend/index.js';
import { useLeaveGuard } from '../../app/leave-guard.js';
import { showToast } from '../../ui/toasts.js';
import { productKey, productsKey } from './queries.js';

/** The form's state: text inputs hold strings until saved (a half-typed number is not a number yet). */
interface Draft {
  brandName: string;
  subBrand: string;
  productName: string;
  variant: string;
  category: string;
  containerType: string;
  netQuantity: string;
  groundingPrompt: string;
  visibilityScore: string;
  claims: string[];
  nutrition: { name: string; amount: string; unit: string; per: string }[];
}

const TEXT_FIELDS = ['brandName', 'subBrand', 'productName', 'variant', 'category', 'containerType', 'netQuantity', 'groundingPrompt'] as const;
const NULLABLE = new Set<string>(['subBrand', 'variant', 'category', 'containerType', 'netQuantity', 'groundingPrompt']);

function toDraft(p: Product): Draft {
  return {
    brandName: p.brandName,
    subBrand: p.subBrand ?? '',
    productName: p.productName,
    variant: p.variant ?? '',
    category: p.category ?? '',
    containerType: p.containerType ?? '',
    netQuantity: p.netQuantity ?? '',
    groundingPrompt: p.groundingPrompt ?? '',
    visibilityScore: p.visibilityScore === null ? '' : String(p.visibilityScore),
    claims: [...p.claims],
    nutrition: p.nutrition.map((n) => ({ name: n.name, amount: String(n.amount), unit: n.unit, per: n.per ?? '' })),
  };
}

type Patch = Partial<ProductFields>;

/** The fields the draft changes against `p`, as the engine takes them; or the first problem, as an i18n key and its values. */
function toPatch(d: Draft, p: Product): { patch: Patch } | { error: [string, Record<string, unknown>?] } {
  const patch: Record<string, unknown> = {};
  for (const f of TEXT_FIELDS) {
    const value = d[f].trim();
    const next = NULLABLE.has(f) && value === '' ? null : value;
    if (next !== (p[f] ?? (NULLABLE.has(f) ? null : ''))) patch[f] = next;
  }
  if (!d.brandName.trim() && !d.productName.trim()) return { error: ['products.form.required'] };
  const vis = d.visibilityScore.trim() === '' ? null : Number(d.visibilityScore.replace(',', '.'));
  if (vis !== null && (!Number.isFinite(vis) || vis < 0 || vis > 1)) return { error: ['products.form.invalidNumber'] };
  if (vis !== p.visibilityScore) patch.visibilityScore = vis;
  const claims = d.claims.map((c) => c.trim()).filter(Boolean);
  if (JSON.stringify(claims) !== JSON.stringify(p.claims)) patch.claims = claims;
  const nutrition: ProductFields['nutrition'] = [];
  for (const [i, n] of d.nutrition.entries()) {
    if (!n.name.trim() && !n.amount.trim()) continue;
    const amount = Number(n.amount.replace(',', '.'));
    if (!n.name.trim() || n.amount.trim() === '' || !Number.isFinite(amount) || amount < 0) return { error: ['products.form.invalidAmount', { n: i + 1 }] };
    nutrition.push({ name: n.name.trim(), amount, unit: n.unit.trim(), ...(n.per.trim() ? { per: n.per.trim() } : {}) });
  }
  if (JSON.stringify(nutrition) !== JSON.stringify(p.nutrition)) patch.nutrition = nutrition;
  return { patch: patch as Patch };
}

/** A patch back into a draft (the "your changes" note re-applies it over the fresh product). */
function applyPatch(d: Draft, patch: Patch): Draft {
  const next = { ...d };
  for (const f of TEXT_FIELDS) if (f in patch) next[f] = (patch[f] as string | null) ?? '';
  if ('visibilityScore' in patch) next.visibilityScore = patch.visibilityScore === null || patch.visibilityScore === undefined ? '' : String(patch.visibilityScore);
  if (patch.claims) next.claims = [...patch.claims];
  if (patch.nutrition) next.nutrition = patch.nutrition.map((n) => ({ name: n.name, amount: String(n.amount), unit: n.unit, per: n.per ?? '' }));
  return next;
}

function patchValue(value: unknown, empty: string): string {
  if (value === null || value === undefined || value === '') return empty;
  if (Array.isArray(value)) return value.map((v) => (typeof v === 'object' ? `${(v as { name: string }).name} ${(v as { amount: number }).amount}${(v as { unit: string }).unit}` : String(v))).join(', ') || empty;
  return String(value);
}

/**
 * Every field of a product. A save sends the version the form was loaded from; when the
 * product changed since (another window), the engine refuses it with `conflict`: the
 * form reloads with the library's product and keeps the user's changes in a note, to be
 * applied again.
 */
export function ProductForm({ product, focusFirst }: { product: Product; focusFirst: boolean }) {
  const { t } = useTranslation();
  const backend = useBackend();
  const queryClient = useQueryClient();
  const [draft, setDraft] = useState<Draft>(() => toDraft(product));
  const [base, setBase] = useState<Product>(product);
  const [saving, setSaving] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const [conflict, setConflict] = useState<{ message: string; mine: Patch } | null>(null);
  const [claim, setClaim] = useState('');
  const first = useRef<HTMLInputElement>(null);

  const computed = toPatch(draft, base);
  // Edited by the user: a product whose stored fields the form would refuse (no brand and
  // no name, as a video's barcode-only product is) is not "unsaved" until someone types.
  const edited = JSON.stringify(draft) !== JSON.stringify(toDraft(base));
  const dirty = edited && ('patch' in computed ? Object.keys(computed.patch).length > 0 : true);
  useLeaveGuard(dirty && !saving ? t('products.form.leaveUnsaved') : null);

  // Another window's change arrives by event: an untouched form follows it; one being edited keeps its base (the save will say).
  useEffect(() => {
    if (product.version !== base.version && !dirty) {
      setBase(product);
      setDraft(toDraft(product));
    }
  }, [product, base.version, dirty]);

  useEffect(() => {
    if (focusFirst) first.current?.focus();
  }, [focusFirst]);

  const set = <K extends keyof Draft>(key: K, value: Draft[K]) => setDraft((d) => ({ ...d, [key]: value }));

  const save = async (e: FormEvent) => {
    e.preventDefault();
    if ('error' in computed) {
      setProblem(t(computed.error[0], computed.error[1] ?? {}));
      return;
    }
    setProblem(null);
    if (!dirty) return;
    setSaving(true);
    try {
      const saved = await backend.call('products.update', { id: base.id, version: base.version, fields: computed.patch });
      queryClient.setQueryData(productKey(saved.id), saved);
      setBase(saved);
      setDraft(toDraft(saved));
      setConflict(null);
      showToast({ kind: 'success', title: t('products.form.saved'), tag: 'product-saved' });
      void queryClient.invalidateQueries({ queryKey: [...productsKey, 'list'] });
    } catch (err) {
      if (err instanceof ContractError && err.code === 'conflict') {
        const fresh = await backend.call('products.get', { id: base.id });
        queryClient.setQueryData(productKey(fresh.id), fresh);
        setConflict({ message: err.message, mine: computed.patch });
        setBase(fresh);
        setDraft(toDraft(fresh));
      } else {
        setProblem((err as Error).message);
      }
    } finally {
      setSaving(false);
    }
  };

  const text = (field: (typeof TEXT_FIELDS)[number], opts: { wide?: boolean; help?: string } = {}) => (
    <label className={`product-field ${opts.wide ? 'product-field-wide' : ''}`}>
      <span>{t(`products.form.${field}`)}</span>
      <input
        ref={field === 'brandName' ? first : undefined}
        value={draft[field]}
        onChange={(e) => set(field, e.currentTarget.value)}
        data-testid={`product-field-${field}`}
        maxLength={field === 'productName' ? 200 : field === 'groundingPrompt' ? 300 : 120}
      />
      {opts.help ? <small className="muted">{opts.help}</small> : null}
    </label>
  );

  return (
    <form className="product-form" onSubmit={(e) => void save(e)} data-testid="product-form" data-version={base.version} data-dirty={dirty ? 'true' : 'false'}>
      {conflict ? (
        <div className="product-conflict" role="alert" data-testid="product-conflict">
          <strong>{t('products.form.conflictTitle')}</strong>
          <p>{conflict.message}</p>
          <p className="muted">{t('products.form.conflictHelp')}</p>
          <h3>{t('products.form.yourChanges')}</h3>
          <ul data-testid="product-conflict-mine">
            {Object.entries(conflict.mine).map(([field, value]) => (
              <li key={field}>
                {t(`products.form.${field}`)}: <strong>{patchValue(value, t('products.form.empty'))}</strong>
              </li>
            ))}
          </ul>
          <div className="product-conflict-actions">
            <button
              type="button"
              className="button button-small button-primary"
              data-testid="product-conflict-reapply"
              onClick={() => {
                setDraft((d) => applyPatch(d, conflict.mine));
                setConflict(null);
              }}
            >
              {t('products.form.reapply')}
            </button>
            <button type="button" className="button button-small" onClick={() => setConflict(null)}>
              {t('products.form.dismiss')}
            </button>
          </div>
        </div>
      ) : null}
      <div className="product-fields">
        {text('brandName')}
        {text('subBrand')}
        {text('productName', { wide: true })}
        {text('variant')}
        {text('category')}
        {text('containerType')}
        {text('netQuantity')}
        <label className="product-field">
          <span>{t('products.form.visibilityScore')}</span>
          <input inputMode="decimal" value={draft.visibilityScore} onChange={(e) => set('visibilityScore', e.currentTarget.value)} data-testid="product-field-visibilityScore" />
        </label>
        {text('groundingPrompt', { wide: true, help: t('products.form.groundingHelp') })}
      </div>

      <fieldset className="product-claims">
        <legend>{t('products.form.claims')}</legend>
        <ul className="product-chip-list">
          {draft.claims.map((c, i) => (
            <li key={`${c}-${i}`} className="product-claim" data-testid="product-claim">
              {c}
              <button type="button" className="icon-button" aria-label={t('products.form.removeClaim', { claim: c })} onClick={() => set('claims', draft.claims.filter((_, j) => j !== i))}>
                ✕
              </button>
            </li>
          ))}
        </ul>
        <input
          value={claim}
          placeholder={t('products.form.addClaim')}
          aria-label={t('products.form.addClaim')}
          maxLength={120}
          data-testid="product-claim-input"
          onChange={(e) => setClaim(e.currentTarget.value)}
          onKeyDown={(e) => {
            if ((e.key === 'Enter' || e.key === ',') && claim.trim()) {
              e.preventDefault();
              if (!draft.claims.includes(claim.trim())) set('claims', [...draft.claims, claim.trim()]);
              setClaim('');
            }
          }}
        />
      </fieldset>

      <fieldset className="product-nutrition">
        <legend>{t('products.form.nutrition')}</legend>
        <table>
          <thead>
            <tr>
              <th scope="col">{t('products.form.nutrient')}</th>
              <th scope="col">{t('products.form.amount')}</th>
              <th scope="col">{t('products.form.unit')}</th>
              <th scope="col">{t('products.form.per')}</th>
              <th scope="col">
                <span className="visually-hidden">{t('products.col.actions')}</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {draft.nutrition.map((n, i) => {
              const line = (key: keyof typeof n, value: string) => set('nutrition', draft.nutrition.map((x, j) => (j === i ? { ...x, [key]: value } : x)));
              return (
                <tr key={i} data-testid="product-nutrient">
                  <td>
                    <input aria-label={`${t('products.form.nutrient')} ${i + 1}`} value={n.name} maxLength={80} onChange={(e) => line('name', e.currentTarget.value)} />
                  </td>
                  <td>
                    <input aria-label={`${t('products.form.amount')} ${i + 1}`} inputMode="decimal" value={n.amount} onChange={(e) => line('amount', e.currentTarget.value)} />
                  </td>
                  <td>
                    <input aria-label={`${t('products.form.unit')} ${i + 1}`} value={n.unit} maxLength={16} onChange={(e) => line('unit', e.currentTarget.value)} />
                  </td>
                  <td>
                    <input aria-label={`${t('products.form.per')} ${i + 1}`} value={n.per} maxLength={32} onChange={(e) => line('per', e.currentTarget.value)} />
                  </td>
                  <td>
                    <button type="button" className="icon-button" aria-label={t('products.form.removeNutrient', { n: i + 1 })} onClick={() => set('nutrition', draft.nutrition.filter((_, j) => j !== i))}>
                      ✕
                    </button>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
        <button type="button" className="button button-small" onClick={() => set('nutrition', [...draft.nutrition, { name: '', amount: '', unit: 'g', per: '100 g' }])}>
          {t('products.form.addNutrient')}
        </button>
      </fieldset>

      {problem ? (
        <p className="error" role="alert" data-testid="product-form-problem">
          {problem}
        </p>
      ) : null}
      <div className="product-form-actions">
        <button type="submit" className="button button-primary" disabled={saving || !dirty} data-testid="product-save">
          {saving ? t('products.form.saving') : t('products.form.save')}
        </button>
        <button
          type="button"
          className="button"
          disabled={!dirty || saving}
          onClick={() => {
            setDraft(toDraft(base));
            setProblem(null);
          }}
        >
          {t('products.form.revert')}
        </button>
        {dirty ? <span className="muted">{t('products.form.unsaved')}</span> : null}
      </div>
    </form>
  );
}
