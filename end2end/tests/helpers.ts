import { test as base, expect, type Page } from '@playwright/test';

/** Every test's pages run under the server's Content-Security-Policy: a violation of it (logged
 * by Chromium, or reported by the page's `securitypolicyviolation` event) fails the test. */
export const test = base.extend<{ cspGuard: void }>({
  cspGuard: [
    async ({ context }, use) => {
      const violations: string[] = [];
      await context.addInitScript(() => {
        document.addEventListener('securitypolicyviolation', (e) => {
          console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI} at ${e.sourceFile}:${e.lineNumber}`);
        });
      });
      context.on('console', (msg) => {
        const text = msg.text();
        if (/Content Security Policy|CSP violation/i.test(text)) violations.push(`${msg.location().url}: ${text}`);
      });
      await use();
      expect(violations, 'Content-Security-Policy violations').toEqual([]);
    },
    { auto: true },
  ],
});
export { expect };

export const admin = { name: process.env.E2E_ADMIN_USER!, password: process.env.E2E_ADMIN_PASSWORD! };
export const viewer = { name: process.env.E2E_VIEWER_USER!, password: process.env.E2E_VIEWER_PASSWORD! };

/** Collects console errors and uncaught exceptions, so a test can assert the page had none. */
export function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(msg.text());
  });
  page.on('pageerror', (err) => errors.push(String(err)));
  return errors;
}

export async function signIn(page: Page, user: { name: string; password: string }): Promise<void> {
  await page.goto('/login');
  await page.getByLabel('User name').fill(user.name);
  await page.getByLabel('Password').fill(user.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/$/);
}

/** Resolves once the WASM bundle has hydrated the page (Leptos then handles link clicks) and
 * the page's own requests are done (a slow CI machine is still drawing charts otherwise). */
export async function waitForHydration(page: Page): Promise<void> {
  await page.locator('html[data-hydrated="true"]').waitFor({ state: 'attached' });
  await page.waitForLoadState('networkidle');
}
