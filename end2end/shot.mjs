// Dev helper (not a test): screenshots of a page at phone and desktop width.
import { chromium } from '@playwright/test';
const [url, out, width] = process.argv.slice(2);
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
const page = await browser.newPage({ viewport: { width: Number(width ?? 375), height: 800 } });
await page.goto('http://127.0.0.1:3999/login');
await page.getByLabel('User name').fill('admin');
await page.getByLabel('Password').fill('adminpw');
await page.getByRole('button', { name: 'Sign in' }).click();
await page.waitForURL(/\/$/);
await page.goto('http://127.0.0.1:3999' + url);
await page.locator('html[data-hydrated="true"]').waitFor({ state: 'attached' });
await page.waitForLoadState('networkidle');
await page.screenshot({ path: out, fullPage: true });
await browser.close();
