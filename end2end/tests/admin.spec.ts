import * as fs from 'node:fs';
import * as path from 'node:path';
import { type Page } from '@playwright/test';
import { expect, test, admin, signIn, viewer, waitForHydration, watchErrors } from './helpers';

/** A DistroKid statement (layout A) with one new line in June 2026, so the dashboard's default
 * 12-month revenue grows by `cents`. Each call makes a different file (new bytes, new line). */
function statement(cents: number): { name: string; mimeType: string; buffer: Buffer } {
  const id = `${Date.now()}${Math.floor(Math.random() * 1000)}`;
  const header = [
    'Reporting Date', 'Sale Month', 'Store', 'Artist', 'Title', 'ISRC', 'UPC', 'Quantity',
    'Team Percentage', 'Song/Album', 'Country of Sale', 'Songwriter Royalties Withheld', 'Earnings (USD)',
  ].join('\t');
  const line = [
    '2026-07-20', '2026-06', 'Spotify', 'ZONE A0', 'LUNA', 'QZTB92494812', `E2E${id}`, '3', '100',
    'Song', 'DE', '0', (cents / 100).toFixed(2),
  ].join('\t');
  return { name: `DistroKid_${id}.tsv`, mimeType: 'text/tab-separated-values', buffer: Buffer.from(`${header}\n${line}\n`) };
}

async function revenue(page: Page): Promise<number> {
  const text = (await page.locator('[data-kpi="revenue_usd"] .kpi-value').textContent()) ?? '';
  return Number(text.replace(/[$,]/g, ''));
}

test('an upload shows up live on a dashboard open in another tab', async ({ page, context }) => {
  const errors = watchErrors(page);
  await signIn(page, admin);
  const dashboard = await context.newPage();
  await dashboard.goto('/');
  await waitForHydration(dashboard);
  await expect(dashboard.getByTestId('live-indicator')).toHaveAttribute('data-state', 'live');
  const before = await revenue(dashboard);
  // A marker that a reload would wipe.
  await dashboard.evaluate(() => ((window as unknown as { noReload: boolean }).noReload = true));

  await page.goto('/admin');
  await waitForHydration(page);
  await page.getByTestId('upload-input').setInputFiles(statement(1234));
  await page.getByRole('button', { name: 'Upload and import' }).click();
  await expect(page.getByTestId('upload-status')).toContainText(/importing as run #\d+/);
  const activity = page.getByTestId('activity');
  await expect(activity.locator('[data-outcome="loaded"]')).toContainText('loaded: 1 values from 1 rows');
  await expect(activity.locator('.run-activity').first()).toHaveAttribute('data-status', 'succeeded');

  await expect.poll(() => revenue(dashboard)).toBeCloseTo(before + 12.34, 2);
  expect(await dashboard.evaluate(() => (window as unknown as { noReload?: boolean }).noReload)).toBe(true);
  expect(errors).toEqual([]);
});

test('run now processes what waits in landing and a rejected file shows its reason', async ({ page }, info) => {
  await signIn(page, admin);
  // Files that arrived in landing (as an API pull or an interrupted run leaves them).
  const landing = path.join(process.env.E2E_DATA_DIR!, 'lake', 'landing');
  fs.writeFileSync(path.join(landing, `mailchimp-${info.project.name}.csv`), 'Title,Subject\nnot,a campaigns export\n');
  await page.goto('/admin');
  await waitForHydration(page);

  const row = page.locator('[data-testid="admin-sources"] tr[data-source="mailchimp"]');
  await row.getByTestId('run-now').click();
  await expect(page.getByTestId('admin-feedback')).toContainText('Running Mailchimp');
  const run = page.getByTestId('activity').locator('.run-activity').first();
  await expect(run).toContainText('etl Mailchimp (admin, 1 file)');
  await expect(run.locator('[data-outcome="rejected"]')).toContainText(`mailchimp-${info.project.name}.csv — rejected:`);
  await expect(run).toHaveAttribute('data-status', 'failed');
  await expect(row.getByTestId('source-status')).toHaveText('Last run failed');
  await expect(row.locator('.error-cell')).toContainText(`mailchimp-${info.project.name}.csv`);

  // The run's page has the file and its reason.
  await run.getByRole('link', { name: /Run #\d+/ }).click();
  await expect(page.getByTestId('run-files')).toContainText('rejected');
  await expect(page.getByTestId('run-summary')).toContainText('etl run');
});

test('schedules are checked and saved', async ({ page }) => {
  await signIn(page, admin);
  await page.goto('/admin');
  await waitForHydration(page);
  const row = page.locator('tr[data-source="linktree"]');
  await row.locator('input[name="cron"]').fill('0 25 * * *');
  await row.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByTestId('admin-feedback')).toContainText('hour "25" is not valid: 25 is outside 0-23');

  await row.locator('input[name="cron"]').fill('15 4 * * mon');
  await row.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByTestId('admin-feedback')).toContainText('Linktree: 15 4 * * mon (enabled)');
  await expect(row).toContainText(/next \d{4}-\d\d-\d\d 04:15 UTC/);
});

test('users are managed and the last admin stays', async ({ page }, info) => {
  await signIn(page, admin);
  await page.goto('/admin/users');
  await waitForHydration(page);
  const name = `e2e-new-${info.project.name}`;
  const form = page.getByTestId('add-user');
  await form.getByLabel('Name').fill(name);
  await form.getByLabel('Password').fill('a-long-password-1');
  await form.getByRole('button', { name: 'Add user' }).click();
  await expect(page.getByTestId('users-feedback')).toHaveText(`${name} was added as viewer`);
  const row = page.locator(`tr[data-user="${name}"]`);
  await expect(row).toContainText('viewer');

  await row.getByRole('button', { name: 'Disable' }).click();
  await expect(page.getByTestId('users-feedback')).toHaveText(`${name} was disabled`);
  await expect(row).toContainText('disabled');

  await row.getByLabel(`New password for ${name}`).fill('another-password-2');
  await row.getByRole('button', { name: 'Reset password' }).click();
  await expect(page.getByTestId('users-feedback')).toContainText('password was reset');

  // The e2e admin is the only admin: it cannot become a viewer.
  const me = page.locator(`tr[data-user="${admin.name}"]`);
  await me.getByRole('button', { name: 'Make viewer' }).click();
  await expect(page.getByTestId('users-feedback')).toContainText('is the last active admin');
  await expect(me).toContainText('admin');

  await page.getByRole('link', { name: 'Audit log' }).click();
  await expect(page.getByTestId('audit-table')).toContainText(`${name} (viewer)`);
  await expect(page.getByTestId('audit-table')).toContainText('user.disable');
});

test('a viewer cannot reach the admin pages or call their functions', async ({ page }) => {
  await signIn(page, viewer);
  await expect(page.getByRole('link', { name: 'Admin' })).toHaveCount(0);
  for (const url of ['/admin', '/admin/users', '/admin/audit', '/admin/runs/1']) {
    await page.goto(url);
    await expect(page.getByTestId('admin-denied').first()).toContainText('Only admins can see this.');
  }
  const call = (url: string, form: Record<string, string>) => page.request.post(url, { form });
  expect((await call('/api/admin/run-source', { source: 'all' })).status()).toBe(403);
  expect((await call('/api/admin/user-role', { id: '1', role: 'viewer' })).status()).toBe(403);
  expect((await call('/api/admin/schedule', { source: 'distrokid', cron: '* * * * *' })).status()).toBe(403);
  const upload = await page.request.post('/admin/upload', {
    headers: { accept: 'application/json' },
    multipart: { files: statement(100) },
  });
  expect(upload.status()).toBe(403);
  expect((await page.request.get('/admin/runs/1/quarantine.csv')).status()).toBe(403);
});
