import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromium, type Page } from '@playwright/test';
import { expect, test, admin, signIn, waitForHydration } from './helpers';

test.use({ serviceWorkers: 'allow' });

/** Waits until the service worker controls the page (it claims open pages when it activates). */
async function controlled(page: Page): Promise<void> {
  await page.waitForFunction(async () => {
    await navigator.serviceWorker.ready;
    return navigator.serviceWorker.controller !== null;
  });
}

test('the app is installable: manifest, icons and service worker', async ({ browserName }, info) => {
  // Chromium never offers to install from an incognito profile (Playwright's default): use a
  // real, persistent one.
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'sc-profile-'));
  const launch = info.project.use.launchOptions ?? {};
  const context = await chromium.launchPersistentContext(profile, {
    ...launch,
    baseURL: info.project.use.baseURL,
    viewport: info.project.use.viewport,
  });
  test.skip(browserName !== 'chromium', 'Chromium only');
  const page = context.pages()[0] ?? (await context.newPage());
  await signIn(page, admin);
  await waitForHydration(page);
  await controlled(page);
  const cdp = await page.context().newCDPSession(page);
  const { installabilityErrors } = await cdp.send('Page.getInstallabilityErrors');
  expect(installabilityErrors).toEqual([]);
  const manifest = await (await page.request.get('/manifest.webmanifest')).json();
  expect(manifest).toMatchObject({ display: 'standalone', start_url: '/', theme_color: '#0f1216' });
  const purposes = manifest.icons.map((i: { sizes: string; purpose: string }) => `${i.sizes} ${i.purpose}`);
  expect(purposes).toEqual(['192x192 any', '512x512 any', '512x512 maskable']);
  await context.close();
  fs.rmSync(profile, { recursive: true, force: true });
});

/** Signs in and visits the dashboard again under the service worker, which keeps that copy. */
async function dashboardKept(page: Page): Promise<void> {
  await signIn(page, admin);
  await waitForHydration(page);
  await controlled(page);
  await page.reload();
  await waitForHydration(page);
}

test('offline, the installed shell shows the last dashboard it saw and says so', async ({ page, context }) => {
  await dashboardKept(page);
  const revenue = await page.locator('[data-kpi="revenue_usd"] .kpi-value').textContent();
  await expect(page.getByTestId('offline-banner')).toHaveCount(0);

  await context.setOffline(true);
  await page.reload();
  const banner = page.getByTestId('offline-banner');
  await expect(banner).toContainText('Offline — data as of');
  await expect(page.locator('[data-kpi="revenue_usd"] .kpi-value')).toHaveText(revenue!);
  await expect(page.getByTestId('live-indicator')).not.toHaveAttribute('data-state', 'live');
  await page.screenshot({ path: `screenshots/offline-${test.info().project.name}.png`, fullPage: false });

  // Back online: the kept copy is replaced by live data.
  await context.setOffline(false);
  await expect(banner).toHaveCount(0);
  await expect(page.getByTestId('live-indicator')).toHaveAttribute('data-state', 'live');
});

test('a kept copy waits for the server to answer before it reloads, and keeps asking', async ({ page, context }) => {
  await dashboardKept(page);
  await context.setOffline(true);
  await page.reload();
  const banner = page.getByTestId('offline-banner');
  await expect(banner).toContainText('Offline — data as of');

  // The network is back, but the server does not answer yet: the kept copy stays, and says so.
  let probes = 0;
  await context.route('**/healthz*', (route) => {
    probes += 1;
    return route.abort();
  });
  await context.setOffline(false);
  await expect.poll(() => probes, { timeout: 10_000 }).toBeGreaterThan(1);
  await expect(banner).toContainText('Offline — data as of');

  // The server answers again: the next probe reloads live data.
  await context.unroute('**/healthz*');
  await expect(banner).toHaveCount(0, { timeout: 20_000 });
  await expect(page.getByTestId('live-indicator')).toHaveAttribute('data-state', 'live');
});

test('signing out forgets the kept pages', async ({ page, context }) => {
  await signIn(page, admin);
  await waitForHydration(page);
  await controlled(page);
  await page.reload();
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/login/);
  await context.setOffline(true);
  await page.goto('/').catch(() => undefined);
  await expect(page.getByTestId('offline-page')).toBeVisible();
  await expect(page.locator('[data-kpi="revenue_usd"]')).toHaveCount(0);
  await context.setOffline(false);
});
