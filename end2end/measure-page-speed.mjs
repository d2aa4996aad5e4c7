// Page-speed measurement (not a test): first load of the dashboard in a fresh browser profile and
// a repeat visit, on loopback, in Debian's Chromium. Prints time to interactive (the WASM has
// hydrated the page) and bytes transferred (compressed, from the Resource Timing API).
//   node measure-page-speed.mjs BASE_URL USER PASSWORD
import { chromium } from '@playwright/test';

const [base, user, password] = process.argv.slice(2);
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--no-sandbox'] });
const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
const page = await context.newPage();

await page.goto(`${base}/login`);
await page.getByLabel('User name').fill(user);
await page.getByLabel('Password').fill(password);
await page.getByRole('button', { name: 'Sign in' }).click();
await page.waitForURL(/\/$/);
// The sign-in's redirect already loaded the dashboard: measure clean loads from here.

async function visit(label) {
  await page.goto(`${base}/`, { waitUntil: 'commit' });
  await page.locator('html[data-hydrated="true"]').waitFor({ state: 'attached', timeout: 60_000 });
  const interactive = await page.evaluate(() => performance.now());
  await page.waitForLoadState('networkidle');
  const figures = await page.evaluate(() => {
    const nav = performance.getEntriesByType('navigation')[0];
    const resources = performance.getEntriesByType('resource');
    const all = [nav, ...resources];
    const bytes = all.reduce((sum, e) => sum + (e.transferSize || 0), 0);
    const assetBytes = resources.reduce((sum, e) => sum + (e.transferSize || 0), 0);
    // A page that came through the service worker reports its decoded size: the bytes on the
    // wire are those of a first visit's HTML.
    const htmlViaWorker = nav.workerStart > 0;
    const fromWorker = resources.filter((e) => e.workerStart > 0 && e.transferSize === 0).length;
    const top = resources
      .map((e) => ({ name: new URL(e.name).pathname, kb: Math.round(e.transferSize / 1024) }))
      .sort((a, b) => b.kb - a.kb)
      .slice(0, 5);
    return {
      html: Math.round(nav.responseEnd),
      domContentLoaded: Math.round(nav.domContentLoadedEventEnd),
      bytes,
      assetBytes,
      htmlBytes: nav.transferSize,
      htmlViaWorker,
      requests: all.length,
      fromWorker,
      top,
    };
  });
  console.log(
    `${label}: interactive ${Math.round(interactive)} ms (HTML ${figures.html} ms, DOMContentLoaded ${figures.domContentLoaded} ms); ` +
      `${(figures.bytes / 1024).toFixed(0)} KB transferred in ${figures.requests} requests ` +
      `(HTML ${(figures.htmlBytes / 1024).toFixed(0)} KB${figures.htmlViaWorker ? ' through the service worker, decoded' : ''}, ` +
      `assets ${(figures.assetBytes / 1024).toFixed(0)} KB)`,
  );
  console.log(`  largest: ${figures.top.map((t) => `${t.name} ${t.kb} KB`).join(', ')}`);
}

// A cold cache: clear what the sign-in loaded (HTTP cache and service worker caches).
const cdp = await context.newCDPSession(page);
await cdp.send('Network.clearBrowserCache');
await page.evaluate(async () => {
  for (const r of await navigator.serviceWorker.getRegistrations()) await r.unregister();
  for (const k of await caches.keys()) await caches.delete(k);
});
await visit('first visit');
await page.evaluate(async () => { await navigator.serviceWorker.ready; });
await visit('repeat visit');
await visit('repeat visit');
await browser.close();
