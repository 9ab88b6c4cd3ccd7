import path from 'node:path';
import { dropPaths, expect, importFolder, makeImages, test, turkishNames, pageRpc } from './support/fixtures.js';

interface Stats {
  paused: boolean;
}
interface Batch {
  id: string;
  state: string;
  total: number;
  completed: number;
  paused: boolean;
}

test("Queue page: an import's batch and its jobs, job details, pause/resume of the queue and of a batch, cancel and retry of a job", async ({ app: page, workDir }) => {
  await importFolder(page, workDir, 'Kuyruk Sayfası', 3);
  // An import's own toast says it is done; its batch does not say it twice.
  await expect(page.getByTestId('toast').filter({ hasText: 'Imported 3 images into “Kuyruk Sayfası”' })).toBeVisible();
  await expect(page.locator('[data-testid="toast"][data-tag="batch"]')).toHaveCount(0);
  await page.getByTestId('nav-queue').click();
  await expect(page.getByTestId('page-queue')).toBeVisible();

  // The import is a batch: one scan job and one job per file.
  const batch = page.getByTestId('batch-row').filter({ hasText: 'Kuyruk Sayfası' });
  await expect(batch).toHaveAttribute('data-type', 'import');
  await expect(batch).toHaveAttribute('data-state', 'completed');
  await expect(batch.getByTestId('batch-counts')).toHaveText('4 of 4 done');
  const batchId = (await batch.getAttribute('data-batch-id'))!;
  const engineBatch = await pageRpc<Batch>(page, 'queue.batch', { id: batchId });
  expect(engineBatch).toMatchObject({ total: 4, completed: 4, state: 'completed' });
  expect(Number(await page.getByTestId('queue-count-completed').getAttribute('data-count'))).toBeGreaterThanOrEqual(4);
  await expect(page.getByTestId('queue-types').locator('[data-type="import.file"]')).toBeVisible();

  await batch.getByTestId('batch-show-jobs').click();
  await expect(page.getByTestId('filter-batch')).toContainText('Kuyruk Sayfası');
  await expect(page.getByTestId('job-row')).toHaveCount(4);
  await expect(page.locator('[data-testid="job-row"][data-type="import.file"][data-state="completed"]')).toHaveCount(3);
  const scan = page.locator('[data-testid="job-row"][data-type="import.scan"]');
  await expect(scan).toHaveCount(1);

  await scan.getByTestId('job-details').click();
  const dialog = page.getByTestId('job-dialog');
  await expect(dialog.getByTestId('job-dialog-state')).toHaveText('Completed');
  await expect(dialog.getByTestId('job-dialog-payload')).toContainText(batchId);
  await expect(dialog.getByTestId('job-dialog-result')).toContainText('"files": 3');
  await expect(dialog.getByTestId('job-dialog-attempts')).toHaveText('1 of 3');
  await dialog.getByTestId('job-dialog-close').click();
  await expect(dialog).toBeHidden();

  // Pause the whole queue: the engine says so, and a new import waits.
  await page.getByTestId('queue-toggle-pause').click();
  await expect(page.getByTestId('queue-paused')).toBeVisible();
  await expect(page.getByTestId('queue-toggle-pause')).toHaveText('Resume queue');
  expect((await pageRpc<Stats>(page, 'queue.stats')).paused).toBe(true);
  try {
    const folder = path.join(workDir, 'Bekleyen Aktarım');
    await makeImages(folder, turkishNames(2, 'bekleyen'));
    await dropPaths(page, [folder]);
    await expect(page.getByTestId('project-title')).toHaveText('Bekleyen Aktarım');
    await page.getByTestId('nav-queue').click();
    const waiting = page.getByTestId('batch-row').filter({ hasText: 'Bekleyen Aktarım' });
    await expect(waiting).toHaveAttribute('data-state', 'pending');
    const waitingId = (await waiting.getAttribute('data-batch-id'))!;

    // Pause that batch too: it and its job say paused; resuming it leaves it waiting on the queue.
    await waiting.getByTestId('batch-pause').click();
    await expect(waiting).toHaveAttribute('data-state', 'paused');
    expect(await pageRpc<Batch>(page, 'queue.batch', { id: waitingId })).toMatchObject({ state: 'paused', paused: true });
    await waiting.getByTestId('batch-show-jobs').click();
    await expect(page.getByTestId('job-row')).toHaveCount(1);
    await expect(page.getByTestId('job-row')).toHaveAttribute('data-state', 'paused');
    await waiting.getByTestId('batch-resume').click();
    await expect(waiting).toHaveAttribute('data-state', 'pending');
    await expect(page.getByTestId('job-row')).toHaveAttribute('data-state', 'pending');

    // Cancel that job, then retry it: the batch's state follows its child.
    await page.getByTestId('job-row').getByTestId('job-cancel').click();
    await expect(page.getByTestId('job-row')).toHaveAttribute('data-state', 'cancelled');
    await expect(waiting).toHaveAttribute('data-state', 'cancelled');
    await page.getByTestId('job-row').getByTestId('job-retry').click();
    await expect(page.getByTestId('job-row')).toHaveAttribute('data-state', 'pending');
    await expect(waiting).toHaveAttribute('data-state', 'pending');

    await page.getByTestId('queue-toggle-pause').click();
    await expect(page.getByTestId('queue-paused')).toBeHidden();
    expect((await pageRpc<Stats>(page, 'queue.stats')).paused).toBe(false);
    // Live: the batch finishes on this page without a reload.
    await expect(waiting).toHaveAttribute('data-state', 'completed', { timeout: 30_000 });
    await expect(waiting.getByTestId('batch-counts')).toHaveText('3 of 3 done');
    await expect(page.getByTestId('job-row')).toHaveCount(3);
  } finally {
    // Never leave the shared engine paused for the tests after this one.
    await pageRpc(page, 'queue.resume', {});
  }
});

test('a state card filters the jobs; clear finished empties the history after asking', async ({ app: page, workDir }) => {
  await importFolder(page, workDir, 'Temizlenecek', 2);
  await page.getByTestId('nav-queue').click();
  await page.getByTestId('queue-count-completed').click();
  await expect(page.getByTestId('queue-count-completed')).toHaveAttribute('aria-pressed', 'true');
  await expect(page.getByTestId('filter-state')).toHaveValue('completed');
  const rows = page.getByTestId('job-row');
  await expect(rows.first()).toBeVisible();
  expect(await page.locator('[data-testid="job-row"]:not([data-state="completed"])').count()).toBe(0);

  await page.getByTestId('queue-clear-finished').click();
  const confirm = page.getByTestId('confirm-dialog');
  await expect(confirm).toContainText('Clear finished jobs?');
  await confirm.getByTestId('confirm-ok').click();
  await expect(page.getByTestId('toast').filter({ hasText: /^Cleared \d+ finished job/ })).toBeVisible();
  await expect(page.getByTestId('jobs-empty')).toBeVisible();
  await expect(page.getByTestId('queue-count-completed')).toHaveAttribute('data-count', '0');
  const left = await pageRpc<{ total: number }>(page, 'queue.list', { state: ['completed', 'failed', 'cancelled'] });
  expect(left.total).toBe(0);
});
