/**
 * The Datasets pages in web mode: a dataset made from scratch, products added through the
 * dialog with their splits shown and edited, a stale edit from "another window" refused
 * and reloaded, an augmentation run started from the dialog and reported (these products
 * have no images, so the report says why nothing was made), and delete with undo.
 */
import { expect, test, pageRpc as rpc } from './support/fixtures.js';


test('datasets: create, add products, edit a split, refuse a stale edit, run augmentation, delete and undo', async ({ app: page }) => {
  test.setTimeout(90_000);
  const tag = String(Date.now()).slice(-6);
  // Five products of our own (barcodes unique to this run), found by the dialog's search.
  const codes = Array.from({ length: 5 }, (_, i) => `29${tag}${String(i).padStart(4, '0')}`);
  for (const [i, code] of codes.entries()) await rpc(page, 'products.create', { barcodes: [code], allowInvalidCheckDigit: true, brandName: `DS${tag}`, productName: `Item ${i}` });

  await page.getByTestId('nav-datasets').click();
  await page.getByTestId('dataset-new').click();
  await page.getByTestId('dataset-name').fill(`Shelf ${tag}`);
  await page.getByTestId('dataset-description').fill('made by e2e');
  await page.getByTestId('dataset-create').click();
  await expect(page.getByTestId('dataset-title')).toHaveText(`Shelf ${tag}`);
  await expect(page.getByTestId('dataset-empty')).toBeVisible();
  await expect(page.getByTestId('augment-open')).toBeDisabled();

  await page.getByTestId('dataset-add').click();
  await page.getByTestId('dataset-add-search').fill(`DS${tag}`);
  await expect(page.getByTestId('dataset-add-item')).toHaveCount(5);
  for (const box of await page.getByTestId('dataset-add-item').all()) await box.check();
  await page.getByTestId('dataset-add-confirm').click();
  await expect(page.getByTestId('dataset-product')).toHaveCount(5);
  // 5 products at 80/10/10: the deficit rule deals 4 / 1 / 0 (valid before test on a tie).
  await expect(page.getByTestId('dataset-splits')).toContainText('4 / 1 / 0');
  await expect(page.getByTestId('dataset-product-counts').first()).toHaveText('0 / 0 / 0');

  const first = page.getByTestId('dataset-product').first();
  const code = await first.getAttribute('data-barcode');
  await first.getByTestId('dataset-product-split').selectOption('test');
  await expect(page.locator(`[data-testid="dataset-product"][data-barcode="${code}"]`)).toHaveAttribute('data-split', 'test');

  // Another window renames it: this page's copy is stale, and its next edit is refused.
  const id = page.url().split('/').at(-1)!;
  const version = Number(await page.getByTestId('dataset-detail').getAttribute('data-version'));
  // The rename and the click in one task: the page has not heard of the rename yet (its live refresh waits up to 500 ms).
  await page.evaluate(
    async ({ id, version, name }) => {
      const res = await fetch('/api/rpc/datasets.update', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ id, version, name }) });
      if (!res.ok) throw new Error(`datasets.update answered ${res.status}`);
      document.querySelector<HTMLButtonElement>('[data-testid="dataset-product-remove"]')!.click();
    },
    { id, version, name: `Shelf ${tag} (renamed)` },
  );
  await expect(page.getByText('This dataset was changed in another window')).toBeVisible();
  await expect(page.getByTestId('dataset-title')).toHaveText(`Shelf ${tag} (renamed)`);
  await expect(page.getByTestId('dataset-product')).toHaveCount(5);

  // New ratios: refused unless they sum to 1; then every product not placed by hand is dealt again.
  await page.getByTestId('dataset-resplit-open').click();
  const resplit = page.getByTestId('dataset-resplit');
  await resplit.getByLabel(/^valid/).fill('30');
  await resplit.getByRole('button').click();
  await expect(page.getByText(/must sum to 1/)).toBeVisible();
  await resplit.getByLabel(/^train/).fill('40');
  await resplit.getByLabel(/^test/).fill('30');
  await resplit.getByLabel(/^Seed/).fill('1');
  await resplit.getByRole('button').click();
  await expect(page.getByTestId('dataset-splits')).toContainText('(seed 1)');
  await expect(page.locator(`[data-testid="dataset-product"][data-barcode="${code}"]`)).toHaveAttribute('data-split', 'test');

  // A run from the dialog: it finishes, and the report says why nothing was made.
  await page.getByTestId('augment-open').click();
  await page.getByTestId('augment-syn').fill('3');
  await page.getByTestId('augment-real').fill('2');
  await page.getByTestId('augment-start').click();
  const run = page.getByTestId('augment-run').first();
  await expect(run).toHaveAttribute('data-done', '5', { timeout: 60_000 });
  await expect(run).toHaveAttribute('data-state', 'completed');
  await expect(run.getByTestId('augment-totals')).toContainText('0 made');
  await run.getByText('10 failures').click();
  await expect(run.getByText(/no frames/).first()).toBeVisible();
  await page.screenshot({ path: test.info().outputPath('dataset-detail.png'), fullPage: true });

  // Delete from the list, with confirmation, then undo.
  await page.goto(page.url().replace(/\/[^/]+$/, ''));
  const card = page.locator(`[data-testid="dataset-card"][data-name="Shelf ${tag} (renamed)"]`);
  await expect(card.getByTestId('dataset-card-count')).toHaveText('5 products');
  await card.getByTestId('dataset-delete').click();
  await page.getByTestId('confirm-ok').click();
  await expect(card).toHaveCount(0);
  await page.getByTestId('dataset-undo').click();
  await expect(card).toHaveCount(1);
});
