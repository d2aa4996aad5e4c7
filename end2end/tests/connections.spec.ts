import { expect, test, admin, signIn, viewer, waitForHydration, watchErrors } from './helpers';

// run.sh points the API settings at end2end/mock-apis.mjs, whose Google consent screen consents
// at once. Each test disconnects what it connected: the other specs expect unconnected sources.

test('an admin connects YouTube through the consent screen, pulls it, and disconnects', async ({ page }) => {
  const errors = watchErrors(page);
  await signIn(page, admin);
  await page.goto('/admin');
  await waitForHydration(page);

  const card = page.locator('[data-connection="youtube"]');
  await expect(card.getByTestId('connection-status')).toHaveText('Not connected');
  await expect(card).toContainText(`${new URL(page.url()).origin}/admin/connect/callback`);
  await card.getByLabel('Client ID').fill('e2e-client.apps.googleusercontent.com');
  await card.getByLabel('Client secret').fill('e2e-client-secret');
  await card.getByRole('button', { name: 'Connect with Google' }).click();

  // Back from the provider: connected, with who and when.
  await expect(page).toHaveURL(/\/admin\?connected=youtube#connections$/);
  await waitForHydration(page);
  await expect(page.getByTestId('connect-outcome')).toHaveText('YouTube connected.');
  await expect(card.getByTestId('connection-status')).toHaveText('Connected');
  await expect(card).toContainText(`Connected by ${admin.name}`);
  await expect(card).toContainText('nothing pulled yet');
  await expect(card).not.toContainText('e2e-client-secret');

  // Run now pulls the API into the lake and loads it like any file.
  const row = page.locator('[data-testid="admin-sources"] tr[data-source="youtube"]');
  await row.getByTestId('run-now').click();
  const run = page.getByTestId('activity').locator('.run-activity').first();
  // (The phone project pulls the same answers again: "already imported" then.)
  await expect(run.locator('[data-outcome]')).toContainText('youtube-api-reports-2026-08-29_2026-11-26.jsonl');
  await expect(run).toHaveAttribute('data-status', 'succeeded');
  await page.reload();
  await waitForHydration(page);
  await expect(card).toContainText('pulled up to 2026-11-26');

  await card.getByRole('button', { name: 'Disconnect' }).click();
  await expect(page.getByTestId('connect-feedback')).toContainText('YouTube disconnected');
  await expect(card.getByTestId('connection-status')).toHaveText('Not connected');
  expect(errors).toEqual([]);
});

test('a Mailchimp key is checked, stored without being shown again, and removed', async ({ page }) => {
  await signIn(page, admin);
  await page.goto('/admin');
  await waitForHydration(page);
  const card = page.locator('[data-connection="mailchimp"]');

  await card.getByLabel('API key').fill('0123456789abcdef');
  await card.getByRole('button', { name: 'Connect' }).click();
  await expect(page.getByTestId('connect-feedback')).toContainText('ends with its data centre');
  await expect(card.getByTestId('connection-status')).toHaveText('Not connected');

  await card.getByLabel('API key').fill('0123456789abcdef-us21');
  await card.getByRole('button', { name: 'Connect' }).click();
  await expect(page.getByTestId('connect-feedback')).toContainText('Mailchimp connected');
  await expect(card.getByTestId('connection-status')).toHaveText('Connected');
  await expect(page.locator('body')).not.toContainText('0123456789abcdef-us21');

  await card.getByRole('button', { name: 'Disconnect' }).click();
  await expect(card.getByTestId('connection-status')).toHaveText('Not connected');
});

test('Meta takes an ad account and a token; TikTok and Spotify say how they connect', async ({ page }) => {
  await signIn(page, admin);
  await page.goto('/admin');
  await waitForHydration(page);

  const meta = page.locator('[data-connection="meta_ads"]');
  await meta.getByLabel('Ad account ID').fill('my ad account');
  await meta.getByLabel('Access token').fill('EAAB-e2e-token');
  await meta.getByRole('button', { name: 'Connect' }).click();
  await expect(page.getByTestId('connect-feedback')).toContainText('act_ followed by digits');
  await meta.getByLabel('Ad account ID').fill('act_1234567890');
  await meta.getByRole('button', { name: 'Connect' }).click();
  await expect(meta.getByTestId('connection-status')).toHaveText('Connected');
  await expect(meta).toContainText('account 1234567890');
  await meta.getByRole('button', { name: 'Disconnect' }).click();
  await expect(meta.getByTestId('connection-status')).toHaveText('Not connected');

  await expect(page.locator('[data-connection="tiktok"]').getByRole('button', { name: 'Connect with TikTok' })).toBeVisible();
  const spotify = page.locator('[data-connection="spotify"]');
  await expect(spotify).toContainText('no longer gives apps like this follower counts');
  await expect(spotify.getByLabel('Artist IDs or links (comma-separated)')).toBeVisible();
});

test('a viewer can neither see nor use the connections', async ({ page }) => {
  await signIn(page, viewer);
  await page.goto('/admin');
  await expect(page.getByTestId('admin-denied').first()).toBeVisible();
  await expect(page.locator('[data-connection]')).toHaveCount(0);
  const call = (url: string, form: Record<string, string>) => page.request.post(url, { form, maxRedirects: 0 });
  expect((await call('/api/admin/connect-key', { source: 'mailchimp', secret: 'x-us21' })).status()).toBe(403);
  expect((await call('/api/admin/disconnect', { source: 'youtube' })).status()).toBe(403);
  expect((await call('/api/admin/backfill', { source: 'youtube', from: '2026-01-01', to: '2026-01-31' })).status()).toBe(403);
  expect((await call('/admin/connect/youtube', { client_id: 'a', client_secret: 'b' })).status()).toBe(403);
});
