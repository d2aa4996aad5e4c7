import { expect, test, admin, signIn, viewer, waitForHydration, watchErrors } from './helpers';
import type { Page } from '@playwright/test';

// The demo's TooLost statements name no artist: their revenue belongs to the label but to no
// artist until an admin attributes their releases. The test removes its rules at the end: the
// other specs expect the demo as imported.

/** Each row's revenue in cents on the dashboard's artists side by side, by artist. */
async function revenueByArtist(page: Page): Promise<Map<string, number>> {
  await page.goto('/');
  await waitForHydration(page);
  const table = page.getByTestId('artists-compare');
  await expect(table).toBeVisible();
  const rows = await table.locator('tbody tr').evaluateAll((trs) =>
    trs.map((tr) => [tr.getAttribute('data-artist')!, tr.querySelector('td')!.textContent!] as const),
  );
  return new Map(
    rows.map(([name, text]) => [name, /\d/.test(text) ? Math.round(Number(text.replace(/[$,]/g, '')) * 100) : 0]),
  );
}

function namedArtists(revenue: Map<string, number>): [string, number][] {
  return [...revenue].filter(([name]) => name !== 'Unattributed' && name !== 'All artists');
}

test('an admin attributes the releases without an artist, and the artists add up to the label', async ({
  page,
}) => {
  const errors = watchErrors(page);
  await signIn(page, admin);
  const before = await revenueByArtist(page);
  expect(before.get('Unattributed')).toBeGreaterThan(0);
  const namedBefore = namedArtists(before).reduce((sum, [, cents]) => sum + cents, 0);
  expect(before.get('All artists')! - namedBefore).toBeGreaterThan(100);

  await page.goto('/admin/artists');
  await waitForHydration(page);
  const unattributed = page.getByTestId('unattributed');
  await expect(unattributed.locator('tr[data-kind="track"]')).toHaveCount(2);
  // One TooLost release holds both tracks; the DistroKid statements name their artist, which is
  // offered.
  const release = unattributed.locator('tr[data-kind="release"]');
  await expect(release).toHaveCount(1);
  const upc = (await release.getAttribute('data-key'))!;
  await expect(release.getByRole('combobox')).toHaveValue('Night Owls');
  await release.getByRole('button', { name: 'Attribute' }).click();
  await expect(page.getByTestId('attribution-feedback')).toHaveText(
    `Release ${upc} is attributed to Night Owls: 48 statement lines changed artist.`,
  );
  await expect(page.getByTestId('all-attributed')).toBeVisible();
  const rule = page.getByTestId('attribution-rules').locator(`tr[data-key="${upc}"]`);
  await expect(rule).toContainText('Night Owls');
  await expect(rule).toContainText(`by ${admin.name}`);

  // The dashboard: the named artists now add up to the label (to the cent per row).
  const after = await revenueByArtist(page);
  const named = namedArtists(after);
  const sum = named.reduce((total, [, cents]) => total + cents, 0);
  expect(Math.abs(after.get('All artists')! - sum)).toBeLessThanOrEqual(named.length);
  expect(after.get('All artists')).toBe(before.get('All artists'));
  expect(after.get('Unattributed') ?? 0).toBe(0);

  // Removing the rule gives the figures back to no artist.
  await page.goto('/admin/artists');
  await waitForHydration(page);
  await rule.getByRole('button', { name: 'Remove' }).click();
  await expect(page.getByTestId('attribution-feedback')).toHaveText(
    `The rule for release ${upc} was removed: 48 statement lines changed artist.`,
  );
  await expect(page.getByTestId('unattributed').locator('tr[data-kind="release"]')).toHaveCount(1);
  await expect(page.getByTestId('no-rules')).toBeVisible();
  expect((await revenueByArtist(page)).get('Unattributed')).toBe(before.get('Unattributed'));
  expect(errors).toEqual([]);
});

test('a viewer cannot see or change the attribution rules', async ({ page }) => {
  await signIn(page, viewer);
  await page.goto('/admin/artists');
  await waitForHydration(page);
  await expect(page.getByTestId('admin-denied')).toBeVisible();
  await expect(page.getByTestId('unattributed')).toHaveCount(0);
  // The server function refuses too, whatever the page shows.
  const answer = await page.request.post('/api/admin/attribute', {
    form: { kind: 'release', key: '198891500000', artist: 'Night Owls' },
    headers: { Origin: new URL(page.url()).origin },
  });
  expect(answer.status()).toBe(403);
});
