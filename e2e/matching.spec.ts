/**
 * The Matching page with the real engine and offline embedder on real grocery photos:
 * a product waiting for matching (its catalog photo approved as its first image), a shelf
 * project as the pool, candidates ranked with similarity badges, decisions by keyboard
 * (arrows, space, A, R, U, Z), the approved count moving, and a second window opening the
 * product read-only with the holder named. Prints approvals per minute of the keyboard run.
 */
import fs from 'node:fs';
import path from 'node:path';
import { dropPaths, expect, test, waitForImport, pageRpc as rpc } from './support/fixtures.js';

const grocery = path.resolve(import.meta.dirname, '..', '..', 'shared', 'datasets', 'grocery-store');
const missing = fs.existsSync(path.join(grocery, 'val.txt')) ? null : `${grocery} is absent (the grocery-store photos live in ../shared beside the checkout)`;


function copy(files: string[], dir: string): void {
  fs.mkdirSync(dir, { recursive: true });
  for (const f of files) fs.copyFileSync(path.join(grocery, f), path.join(dir, path.basename(f)));
}

test('review a product’s candidates by keyboard; a second window sees it read-only', async ({ app: page, workDir }) => {
  test.skip(missing !== null, missing ?? '');
  // The first use builds the offline embedder from its npm package (tens of seconds on two cores).
  test.setTimeout(300_000);
  const val = fs.readFileSync(path.join(grocery, 'val.txt'), 'utf8').split('\n').map((l) => l.split(',')[0]!.trim());
  const granny = val.filter((f) => f.includes('/Granny-Smith/')).slice(0, 5);
  const others = [...val.filter((f) => f.includes('/Banana/')).slice(0, 3), ...val.filter((f) => f.includes('/Arla-Standard-Milk/')).slice(0, 3)];
  const shelf = path.join(workDir, 'Shelf photos');
  copy([...granny, ...others], shelf);
  const catalog = path.join(workDir, 'Catalog photos');
  // Reference photos: the catalog image and two store photos (the catalog image alone is ~0.24 from store photos, below the slider's range).
  const train = fs.readFileSync(path.join(grocery, 'train.txt'), 'utf8').split('\n').map((l) => l.split(',')[0]!.trim());
  copy(['iconic-images-and-descriptions/Fruit/Apple/Granny-Smith/Granny-Smith_Iconic.jpg', ...train.filter((f) => f.includes('/Granny-Smith/')).slice(0, 2)], catalog);

  await dropPaths(page, [catalog]);
  await waitForImport(page, 'Catalog photos');
  // A drop on an open project adds to it: back to the project list for a project of its own.
  if (await page.getByTestId('back-to-projects').isVisible()) await page.getByTestId('back-to-projects').click();
  await dropPaths(page, [shelf]);
  await waitForImport(page, 'Shelf photos');
  const projects = await rpc<{ id: string; name: string }[]>(page, 'projects.list');
  const catalogId = projects.find((p) => p.name === 'Catalog photos')!.id;
  const iconic = await rpc<{ items: { id: string }[] }>(page, 'assets.list', { projectId: catalogId });

  // A product with no video yet: its reference photos, approved by hand, are what its candidates are matched to.
  const product = await rpc<{ id: string }>(page, 'products.create', { brandName: 'Fruit', productName: 'Granny Smith', barcodes: ['4011200296908'], status: 'needs_matching' });
  const seed = await rpc<{ mode: string; token: string }>(page, 'matching.lock', { productId: product.id, holder: 'catalog import' });
  await rpc(page, 'matching.decide', { productId: product.id, token: seed.token, decision: 'approve', assets: iconic.items.map((a) => ({ assetId: a.id })), decider: 'catalog import' });
  await rpc(page, 'matching.releaseLock', { productId: product.id, token: seed.token });

  await page.getByTestId('nav-matching').click();
  const matching = page.getByTestId('page-matching');
  await expect(matching).toBeVisible();
  await page.getByTestId('match-queue-item').filter({ hasText: 'Granny Smith' }).click();
  await expect(page.getByTestId('match-lock')).toHaveAttribute('data-mode', 'edit');
  await expect(page.getByTestId('match-approved')).toHaveAttribute('data-count', '3');
  await page.getByTestId('match-pool').selectOption({ label: 'Shelf photos' });
  // At the slider's top no candidate scores enough: the grid says how high the best one scores and offers its threshold.
  const slider = page.getByTestId('match-threshold');
  const tiles = page.getByTestId('match-candidate');
  await slider.focus();
  await slider.press('End');
  await expect(page.getByTestId('match-threshold-value')).toHaveText('0.99');
  await expect(page.getByTestId('match-empty')).toContainText(/No candidate scores 0\.99 or more\. The best one in this pool scores 0\.\d\d\./, { timeout: 180_000 });
  await page.screenshot({ path: test.info().outputPath('matching-none-above.png') });
  await page.getByTestId('match-lower-threshold').click();
  await expect(tiles.first()).toBeVisible();
  await expect(page.getByTestId('match-empty')).toHaveCount(0);
  // Then down to 0.50 with the keyboard on the slider (it starts at 0).
  await slider.focus();
  await slider.press('Home');
  await expect(page.getByTestId('match-threshold-value')).toHaveText('0.00');
  for (let i = 0; i < 50; i++) await slider.press('ArrowRight');
  await expect(page.getByTestId('match-threshold-value')).toHaveText('0.50');
  await expect(tiles.first()).toBeVisible({ timeout: 180_000 });
  const total = Number(await page.getByTestId('match-total').getAttribute('data-total'));
  expect(total).toBeGreaterThan(0);
  // Best first, badges emphasised only above 0.85.
  const scores = (await tiles.evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-score')))));
  expect(scores).toEqual([...scores].sort((a, b) => b - a));
  for (const [i, s] of scores.entries()) await expect(tiles.nth(i).getByTestId('match-score')).toHaveAttribute('data-strong', String(s > 0.85));
  const firstNames = await tiles.evaluateAll((els) => els.slice(0, 3).map((e) => e.querySelector('img')!.getAttribute('alt')));
  expect(firstNames.filter((n) => n!.startsWith('Granny')).length).toBeGreaterThanOrEqual(2);

  // Keyboard run: approve the first, select the next two with Space and approve them together.
  const started = Date.now();
  const tile = (id: string | null) => page.locator(`[data-testid="match-candidate"][data-asset-id="${id}"]`);
  const firstId = await tiles.first().getAttribute('data-asset-id');
  await matching.focus();
  await page.keyboard.press('a');
  await expect(page.getByTestId('match-approved')).toHaveAttribute('data-count', '4');
  // It leaves the grid (approved images also join the queries, so others may rise above the threshold).
  await expect(tile(firstId)).toHaveCount(0);
  const pair = await tiles.evaluateAll((els) => els.slice(0, 2).map((e) => e.getAttribute('data-asset-id')));
  await page.keyboard.press(' ');
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press(' ');
  await expect(page.locator('[data-testid="match-candidate"][aria-selected="true"]')).toHaveCount(2);
  await page.keyboard.press('a');
  await expect(page.getByTestId('match-approved')).toHaveAttribute('data-count', '6');
  for (const id of pair) await expect(tile(id)).toHaveCount(0);
  const approvalsPerMinute = (3 / (Date.now() - started)) * 60_000;
  console.log(`matching e2e: 3 approvals by keyboard in ${((Date.now() - started) / 1000).toFixed(1)} s (${approvalsPerMinute.toFixed(0)} approvals/min, engine round trips included)`);

  // Undo takes back the pair; reject drops a candidate for good.
  await page.keyboard.press('u');
  await expect(page.getByTestId('match-approved')).toHaveAttribute('data-count', '4');
  const last = tiles.last();
  const rejected = await last.getAttribute('data-asset-id');
  await last.click();
  await page.keyboard.press('r');
  await expect(tile(rejected)).toHaveCount(0);
  // Zoom shows the original.
  await page.keyboard.press('z');
  await expect(page.getByTestId('match-zoom')).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('match-zoom')).toHaveCount(0);

  // A second window on the same product: read-only, naming the holder; its buttons are off.
  const second = await page.context().newPage();
  await second.goto(page.url());
  await second.getByTestId('match-queue-item').filter({ hasText: 'Granny Smith' }).click();
  await expect(second.getByTestId('match-lock')).toHaveAttribute('data-mode', 'readOnly');
  await expect(second.getByTestId('match-lock')).toContainText('window ');
  await expect(second.getByTestId('match-approve')).toBeDisabled();
  // The holder might be a window that crashed: Take over makes this one the reviewer.
  await second.getByTestId('match-take-over').click();
  await expect(second.getByTestId('match-lock')).toHaveAttribute('data-mode', 'edit');
  await expect(second.getByTestId('match-approve')).toBeEnabled();
  await second.close();

  const decisions = await rpc<{ decision: string; undoneAt: number | null }[]>(page, 'matching.decisions', { productId: product.id });
  expect(decisions.filter((d) => d.decision === 'approve' && d.undoneAt === null)).toHaveLength(4);
  expect(decisions.filter((d) => d.decision === 'reject')).toHaveLength(1);
});

test('the Embeddings page lists the indexes matching made, rebuilds and deletes them', async ({ app: page }, testInfo) => {
  test.skip(missing !== null, missing ?? '');
  const projects = await rpc<{ id: string; name: string }[]>(page, 'projects.list');
  test.skip(!projects.some((p) => p.name === 'Shelf photos'), 'runs after the review test, on the indexes it made');
  await page.getByTestId('nav-embeddings').click();
  await expect(page.getByTestId('page-embeddings')).toBeVisible();
  const rows = page.getByTestId('emb-index');
  const shelf = rows.filter({ hasText: 'Shelf photos' }).filter({ hasNotText: 'Reference' });
  await expect(shelf).toHaveAttribute('data-state', 'ready');
  await expect(shelf).toHaveAttribute('data-vectors', '11');
  await shelf.getByTestId('emb-rebuild').click();
  await expect(page.getByTestId('emb-job').first()).toHaveAttribute('data-state', 'completed', { timeout: 60_000 });
  await expect(shelf).toHaveAttribute('data-state', 'ready');
  await expect(shelf).toHaveAttribute('data-vectors', '11');
  // Extract another project into a new, named index; then delete that index.
  await page.getByTestId('emb-scope').selectOption({ label: 'Catalog photos' });
  await page.getByTestId('emb-new-name').fill('Reference photos');
  await page.getByTestId('emb-start').click();
  const reference = rows.filter({ hasText: 'Reference photos' });
  await expect(reference).toHaveAttribute('data-state', 'ready', { timeout: 60_000 });
  await expect(reference).toHaveAttribute('data-vectors', '3');
  await reference.getByTestId('emb-delete').click();
  await page.getByTestId('confirm-dialog').getByRole('button', { name: 'Delete' }).click();
  await expect(reference).toHaveCount(0);
  await expect(shelf).toHaveCount(1);
  // For the eye: both pages in the dark theme.
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.screenshot({ path: testInfo.outputPath('embeddings-dark.png') });
  await page.getByTestId('nav-matching').click();
  await expect(page.getByTestId('match-candidate').first()).toBeVisible({ timeout: 60_000 });
  await page.screenshot({ path: testInfo.outputPath('matching-dark.png') });
});
