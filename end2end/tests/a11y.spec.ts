import AxeBuilder from '@axe-core/playwright';
import { type Page } from '@playwright/test';
import { expect, test, admin, signIn, waitForHydration } from './helpers';

/** Serious and critical WCAG 2 A/AA violations on the page, as readable lines. */
async function seriousViolations(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`);
}

test('the check finds what it should (a guard against a check that cannot fail)', async ({ page }) => {
  await page.setContent('<html><body><img src="x.png"><button></button></body></html>');
  const found = await seriousViolations(page);
  expect(found.some((v) => v.startsWith('image-alt'))).toBe(true);
  expect(found.some((v) => v.startsWith('button-name'))).toBe(true);
});

test('the sign-in page passes an automated accessibility check', async ({ page }) => {
  await page.goto('/login');
  expect(await seriousViolations(page)).toEqual([]);
});

// One test per page: an axe pass takes seconds, and seven in one test came close to its time
// limit on a busy machine.
for (const url of ['/', '/?range=28d', '/sources', '/catalogue', '/admin', '/admin/artists', '/admin/users', '/admin/audit', '/admin/runs/1']) {
  test(`the signed-in page ${url} passes an automated accessibility check`, async ({ page }) => {
    await signIn(page, admin);
    await page.goto(url);
    await waitForHydration(page);
    expect(await seriousViolations(page), url).toEqual([]);
  });
}

/** Presses Tab until `match` has focus (at most `limit` times); returns how many presses. */
async function tabTo(page: Page, match: (el: { tag: string; text: string; name: string; testid: string }) => boolean, limit = 80): Promise<number> {
  for (let i = 1; i <= limit; i++) {
    await page.keyboard.press('Tab');
    const el = await page.evaluate(() => {
      const a = document.activeElement as HTMLElement | null;
      return {
        tag: a?.tagName.toLowerCase() ?? '',
        text: (a?.textContent ?? '').trim(),
        name: a?.getAttribute('name') ?? '',
        testid: a?.getAttribute('data-testid') ?? '',
      };
    });
    if (match(el)) return i;
  }
  throw new Error('never reached with the keyboard');
}

async function focusIsVisible(page: Page): Promise<boolean> {
  return page.evaluate(() => {
    const a = document.activeElement as HTMLElement | null;
    if (!a) return false;
    const style = getComputedStyle(a);
    return style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0;
  });
}

test('the dashboard and the admin page work from the keyboard alone', async ({ page }) => {
  await signIn(page, admin);
  await waitForHydration(page);

  // The first Tab reaches the skip link, which is shown when focused.
  await page.keyboard.press('Tab');
  const skip = page.getByRole('link', { name: 'Skip to content' });
  await expect(skip).toBeFocused();
  await expect(skip).toBeInViewport();
  expect(await focusIsVisible(page)).toBe(true);

  // A preset, chosen with Enter.
  await tabTo(page, (el) => el.tag === 'a' && el.text === '90 days');
  expect(await focusIsVisible(page)).toBe(true);
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(/range=90d/);

  // The artist select and its button.
  await tabTo(page, (el) => el.tag === 'select' && el.testid === 'artist');
  expect(await focusIsVisible(page)).toBe(true);
  await page.keyboard.press('ArrowDown');
  await tabTo(page, (el) => el.testid === 'apply-artist');
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(/artist=/);

  // A chart's table toggle.
  await tabTo(page, (el) => el.text === 'Table', 200);
  expect(await focusIsVisible(page)).toBe(true);

  // The admin page: Run now for a source, from the keyboard.
  await page.goto('/admin');
  await waitForHydration(page);
  await tabTo(page, (el) => el.testid === 'run-now', 120);
  expect(await focusIsVisible(page)).toBe(true);
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('admin-feedback')).toContainText('Running DistroKid');
});
