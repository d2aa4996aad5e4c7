import { type Page } from '@playwright/test';
import { readFile } from 'node:fs/promises';
import { expect, test, admin, signIn, viewer, waitForHydration, watchErrors } from './helpers';

// run.sh imports the demo data with SOUNDCHECK_TODAY fixed, so "today" is 2026-11-26.

/** The rows of a chart's table (what the chart shows), as CSV lines. */
async function tableAsCsv(page: Page, chart: string): Promise<string[]> {
  const card = page.locator(`[data-chart="${chart}"]`);
  return card.locator('.chart-table tbody tr').evaluateAll((rows) =>
    rows.map((row) =>
      Array.from(row.querySelectorAll('th, td'))
        .map((cell) => {
          const text = (cell.textContent ?? '').trim();
          return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
        })
        .join(','),
    ),
  );
}

/** The dashboard URL's query, as an object. */
function query(page: Page): Record<string, string> {
  return Object.fromEntries(new URL(page.url()).searchParams.entries());
}

/** Clicks the bar of category `index` of a chart's first series, where ECharts drew it. */
async function clickBar(page: Page, chart: string, index: number): Promise<void> {
  const element = page.locator(`#chart-${chart}`);
  await expect(element.locator('canvas')).toHaveCount(1);
  const point = await element.evaluate((el, i) => {
    const instance = (window as any).echarts.getInstanceByDom(el);
    const value = instance.getOption().series[0].data[i];
    return instance.convertToPixel({ seriesIndex: 0 }, [i, value / 2]);
  }, index);
  await element.scrollIntoViewIfNeeded();
  const box = await element.boundingBox();
  if (!box) throw new Error(`chart ${chart} is not visible`);
  await page.mouse.click(box.x + point[0], box.y + point[1]);
}

test('the dashboard shows KPIs, follows the date range and the artist, and Back restores a view', async ({
  page,
}) => {
  const errors = watchErrors(page);
  await signIn(page, viewer);
  await waitForHydration(page);

  // The default view: the last 12 months, every area with cards.
  await expect(page.getByTestId('from')).toHaveValue('2025-11-27');
  await expect(page.getByTestId('to')).toHaveValue('2026-11-26');
  for (const area of ['Revenue', 'Streaming', 'Social', 'Advertising', 'Email']) {
    const section = page.locator(`.kpi-area[data-area="${area}"]`);
    // On a phone the areas after Revenue start folded: a tap opens one.
    if (area !== 'Revenue' && test.info().project.name === 'phone') {
      await expect(section).not.toHaveAttribute('open', '');
      await section.locator('summary').click();
    }
    await expect(section.locator('.kpi-card').first()).toBeVisible();
  }
  const streams = page.locator('[data-kpi="streams"] .kpi-value');
  await expect(streams).toHaveText(/^[\d,]+$/);
  const yearOfStreams = await streams.textContent();
  await expect(page.locator('[data-kpi="revenue_usd"] .kpi-value')).toHaveText(/^\$[\d,]+\.\d\d$/);
  await expect(page.locator('[data-kpi="email_subscribers"]')).toContainText("List sizes come from Mailchimp's API");
  await expect(page.locator('[data-kpi="email_subscribers"] a')).toHaveAttribute('href', '/admin#connections');
  // Statements reach August: the year counts nine sale months, and its previous nine months
  // start before the statements do, so revenue is not compared with them.
  await expect(page.getByTestId('sale-months')).toHaveText('Sale months Dec 2025–Aug 2026; Sep–Nov 2026 not reported yet.');
  await expect(page.locator('[data-kpi="revenue_usd"] .delta')).toHaveText('No comparison · data from Sep 2025');
  await expect(page.locator('[data-kpi="streams"] .delta')).toContainText('No comparison');
  await expect(page.locator('[data-kpi="revenue_change_pct"]')).toContainText(
    'No comparison: the previous period starts before the data (Sep 2025)',
  );
  // Names, not codes: a track's title and artist, a territory's name.
  await expect(page.locator('[data-kpi="top_track"] .kpi-value')).toHaveText(/^.+ — .+$/);
  await expect(page.locator('[data-kpi="top_territory"] .kpi-value')).toHaveText(/^[A-Z][a-z]+/);

  // A preset: 28 days. Statements are monthly and late: the cards show the latest reported month.
  await page.locator('.presets [data-range="28d"]').click();
  await expect(page).toHaveURL(/range=28d/);
  await expect(page.getByTestId('from')).toHaveValue('2026-10-30');
  await expect(streams).not.toHaveText(yearOfStreams ?? '');
  await expect(page.getByTestId('sale-months')).toContainText('Sale month Nov 2026 is not reported yet');
  await expect(page.locator('[data-kpi="revenue_usd"] .kpi-value')).toHaveText(/^\$[\d,]+\.\d\d$/);
  await expect(page.locator('[data-kpi="revenue_usd"]')).toContainText('Aug 2026, the latest reported sale month');
  // A 28-day streams figure compares with the 28 days before, inside the data.
  await expect(page.locator('[data-kpi="streams"] .delta')).toContainText('vs previous');

  // A custom range that holds no first day of a month.
  await page.getByTestId('from').fill('2026-06-02');
  await page.getByTestId('to').fill('2026-06-20');
  await page.getByTestId('apply-range').click();
  await expect(page).toHaveURL(/to=2026-06-20/);
  expect(query(page)).toEqual({ range: 'custom', from: '2026-06-02', to: '2026-06-20' });
  await expect(page.getByTestId('sale-months')).toContainText('Statements are monthly');
  await expect(page.locator('[data-kpi="revenue_usd"]')).toContainText('the latest reported sale month');
  await expect(page.getByTestId('warnings')).toContainText('holds no first day of a month');

  // One artist only: fewer streams than both together.
  const bothArtists = await streams.textContent();
  await page.getByTestId('artist').selectOption({ index: 1 });
  await page.getByTestId('apply-artist').click();
  await expect(page).toHaveURL(/artist=/);
  expect(query(page)).toMatchObject({ range: 'custom', from: '2026-06-02', to: '2026-06-20' });
  await expect(streams).not.toHaveText(bothArtists ?? '');
  const oneArtist = Number((await streams.textContent())!.replace(/,/g, ''));
  expect(oneArtist).toBeLessThan(Number(bothArtists!.replace(/,/g, '')));

  // One platform: the demo's streams are all Spotify's.
  await page.getByTestId('platform').selectOption('spotify');
  await page.getByTestId('apply-artist').click();
  await expect(page).toHaveURL(/platform=spotify/);
  await expect(streams).toHaveText(`${oneArtist.toLocaleString('en-US')}`);
  await page.goBack();
  await expect(page).not.toHaveURL(/platform=spotify/);

  // Back goes through the views in order.
  await page.goBack();
  await expect(page).not.toHaveURL(/artist=/);
  expect(query(page)).toEqual({ range: 'custom', from: '2026-06-02', to: '2026-06-20' });
  await page.goBack();
  await expect(page).toHaveURL(/range=28d/);
  await expect(page.getByTestId('from')).toHaveValue('2026-10-30');

  expect(errors).toEqual([]);

  // A bad link says what is wrong instead of showing numbers (the page is a 400).
  const response = await page.goto('/?range=custom&from=2026-13-01&to=2026-06-20');
  expect(response?.status()).toBe(400);
  await expect(page.getByTestId('dashboard-error')).toContainText('is not a date');
});

test('revenue by store drills into tracks, then a track; the breadcrumb and Back go up', async ({ page }) => {
  const errors = watchErrors(page);
  await signIn(page, admin);
  await waitForHydration(page);
  await expect(page.locator('[data-chart="revenue-by-store"] .chart-title')).toHaveText('Revenue by store');
  const firstStore = (await page.locator('[data-chart="revenue-by-store"] .chart-table tbody th').first().textContent())!;

  const allStores = (await page.locator('[data-kpi="revenue_usd"] .kpi-value').textContent())!;
  await clickBar(page, 'revenue-by-store', 0);
  await expect(page).toHaveURL(/store=\d+/);
  // The revenue cards follow the store.
  await expect(page.getByTestId('store-filter')).toContainText(`${firstStore} only`);
  await expect(page.locator('[data-kpi="revenue_usd"] .kpi-value')).not.toHaveText(allStores);
  await expect(page.locator('[data-kpi="top_store"] .kpi-value')).toHaveText(firstStore);
  await expect(page.locator('[data-chart="store-tracks"] .chart-title')).toHaveText(`Revenue by track — ${firstStore}`);

  await expect(page.getByTestId('crumb-store')).toHaveText(firstStore);
  // Tracks are named by title and artist, not by ISRC.
  const firstTrack = (await page.locator('[data-chart="store-tracks"] .chart-table tbody th').first().textContent())!;
  expect(firstTrack).toMatch(/^.+ — .+$/);
  expect(firstTrack).not.toMatch(/[A-Z]{2}[A-Z0-9]{3}\d{7}/);

  await clickBar(page, 'store-tracks', 0);
  await expect(page).toHaveURL(/store=\d+&track=[A-Z0-9]{12}/);
  await expect(page.getByTestId('crumb-track')).toHaveText(firstTrack);
  await expect(page.getByTestId('crumb-store')).toHaveText(firstStore);
  await expect(page.locator('[data-chart="track-territories"] .chart-title')).toContainText('by territory');
  await expect(page.locator('[data-chart="track-months"] .chart-title')).toContainText('by sale month');
  await expect(page.locator('#chart-track-months canvas')).toHaveCount(1);

  // Up one level with the breadcrumb, then Back down again, then to the top.
  await page.getByTestId('crumb-store').click();
  await expect(page).toHaveURL(/store=\d+$/);
  await expect(page.locator('[data-chart="store-tracks"]')).toBeVisible();
  await page.goBack();
  await expect(page).toHaveURL(/track=/);
  await page.getByTestId('crumb-top').click();
  await expect(page).not.toHaveURL(/store=/);
  await expect(page.getByTestId('store-filter')).toHaveCount(0);
  await expect(page.locator('[data-kpi="revenue_usd"] .kpi-value')).toHaveText(allStores);
  await expect(page.locator('[data-chart="revenue-by-store"] .chart-title')).toHaveText('Revenue by store');
  expect(errors).toEqual([]);
});

test('a chart downloads as CSV with exactly the numbers it shows', async ({ page }) => {
  await signIn(page, viewer);
  await waitForHydration(page);
  const card = page.locator('[data-chart="revenue-by-store"]');
  await expect(card.locator('.chart-table tbody tr').first()).toBeAttached();
  const download = page.waitForEvent('download');
  await page.getByTestId('csv-revenue-by-store').click();
  const file = await download;
  expect(file.suggestedFilename()).toBe('soundcheck-revenue-by-store-2025-11-27-2026-11-26.csv');
  const csv = (await readFile((await file.path())!, 'utf8')).trimEnd().split('\n');
  expect(csv[0]).toBe('Store,Revenue (USD)');
  expect(csv.slice(1)).toEqual(await tableAsCsv(page, 'revenue-by-store'));
  expect(csv.length).toBeGreaterThan(2);
});

test('the dashboard at desktop and phone width', async ({ page }, testInfo) => {
  await signIn(page, admin);
  await waitForHydration(page);
  for (const chart of ['revenue-by-month', 'streams-by-platform', 'revenue-by-store', 'ads-vs-revenue']) {
    await expect(page.locator(`#chart-${chart} canvas`)).toHaveCount(1);
  }
  const overflow = await page.evaluate(
    () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
  );
  expect(overflow).toBeLessThanOrEqual(0);
  await page.screenshot({ path: `screenshots/dashboard-${testInfo.project.name}.png`, fullPage: true });
  // What the README shows (scripts/screenshot.sh copies it into docs/).
  await page.screenshot({ path: `screenshots/dashboard-top-${testInfo.project.name}.png` });
});

test('artists side by side add up to the label; figures without an artist are an entry of their own', async ({
  page,
}) => {
  const errors = watchErrors(page);
  await signIn(page, viewer);
  await waitForHydration(page);
  const table = page.getByTestId('artists-compare');
  await expect(table).toBeVisible();
  const cents = async (artist: string) => {
    const text = (await table.locator(`tr[data-artist="${artist}"] td`).first().textContent())!;
    return Math.round(Number(text.replace(/[$,]/g, '')) * 100);
  };
  const names = await table.locator('tbody tr:not(.total)').evaluateAll((rows) =>
    rows.map((r) => r.getAttribute('data-artist')!),
  );
  expect(names).toContain('Unattributed');
  let sum = 0;
  for (const name of names) sum += await cents(name);
  // Each row is rounded to the cent: the sum may differ from the total by a cent per row.
  expect(Math.abs(sum - (await cents('All artists')))).toBeLessThanOrEqual(names.length);
  // The total is the revenue card.
  const card = (await page.locator('[data-kpi="revenue_usd"] .kpi-value').textContent())!;
  expect(await cents('All artists')).toBe(Math.round(Number(card.replace(/[$,]/g, '')) * 100));

  // "Unattributed" in the filter shows those figures; under an artist, the warning gives amounts.
  const unattributed = await cents('Unattributed');
  expect(unattributed).toBeGreaterThan(0);
  await page.getByTestId('artist').selectOption('Unattributed');
  await page.getByTestId('apply-artist').click();
  await expect(page).toHaveURL(/artist=Unattributed/);
  const dollars = (unattributed / 100).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  await expect(page.locator('[data-kpi="revenue_usd"] .kpi-value')).toHaveText(`$${dollars}`);
  await expect(table).toHaveCount(0);
  await page.getByTestId('artist').selectOption({ index: 1 });
  await page.getByTestId('apply-artist').click();
  await expect(page.getByTestId('warnings')).toContainText(/\$[\d,]+\.\d\d of revenue \(TooLost\)/);
  expect(errors).toEqual([]);
});

/** Clicks the plot of a chart at category `index` (any chart: a click anywhere in a column counts). */
async function clickCategory(page: Page, chart: string, index: number): Promise<void> {
  const element = page.locator(`#chart-${chart}`);
  await expect(element.locator('canvas')).toHaveCount(1);
  const point = await element.evaluate((el, i) => {
    const instance = (window as any).echarts.getInstanceByDom(el);
    return instance.convertToPixel({ seriesIndex: 0 }, [i, 0]);
  }, index);
  await element.scrollIntoViewIfNeeded();
  const box = await element.boundingBox();
  if (!box) throw new Error(`chart ${chart} is not visible`);
  // Just above the axis, where a bar of any height or a line's column is.
  await page.mouse.click(box.x + point[0], box.y + point[1] - 8);
}

test('every chart drills: a month, a day, a territory, a campaign; rows link the same way; Back undoes', async ({
  page,
}) => {
  const errors = watchErrors(page);
  await signIn(page, viewer);
  await waitForHydration(page);

  // A sale month opens that month, and the page stays at the chart.
  const months = page.locator('[data-chart="revenue-by-month"] .chart-table tbody th');
  const firstMonth = (await months.first().textContent())!.trim();
  await clickCategory(page, 'revenue-by-month', 0);
  await expect(page).toHaveURL(new RegExp(`from=${firstMonth}-01`));
  expect(query(page)).toMatchObject({ range: 'custom', from: `${firstMonth}-01` });
  await expect(page.locator('#chart-revenue-by-month')).toBeInViewport();
  await page.goBack();
  await expect(page).not.toHaveURL(/range=custom/);

  // A day of streams narrows to the week around it.
  const day = (await page.locator('[data-chart="streams-by-platform"] .chart-table tbody th').nth(40).textContent())!.trim();
  await clickCategory(page, 'streams-by-platform', 40);
  await expect(page).toHaveURL(/range=custom/);
  const q = query(page);
  const days = (Date.parse(q.to) - Date.parse(q.from)) / 86_400_000;
  expect(days).toBe(6);
  expect(Date.parse(day)).toBeGreaterThanOrEqual(Date.parse(q.from));
  expect(Date.parse(day)).toBeLessThanOrEqual(Date.parse(q.to));
  await page.goBack();
  await expect(page).not.toHaveURL(/range=custom/);

  // A territory opens its stores and tracks, named, with a breadcrumb.
  const territory = (await page.locator('[data-chart="revenue-by-territory"] .chart-table tbody th').first().textContent())!.trim();
  await clickCategory(page, 'revenue-by-territory', 0);
  await expect(page).toHaveURL(/territory=[A-Z]{2}/);
  await expect(page.getByTestId('crumb-territory')).toHaveText(territory);
  await expect(page.locator('[data-chart="territory-stores"] .chart-title')).toHaveText(`Revenue by store — ${territory}`);
  await expect(page.locator('[data-chart="territory-tracks"] .chart-title')).toHaveText(`Revenue by track — ${territory}`);
  await expect(page.locator('[data-chart="territory-stores"]')).toBeInViewport();
  // Its table rows are links too: a store, with the keyboard.
  const card = page.locator('[data-chart="territory-stores"]');
  await card.locator('.chart-table summary').click();
  const storeLink = card.locator('.chart-table tbody th a').first();
  const store = (await storeLink.textContent())!.trim();
  await storeLink.focus();
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(/store=\d+/);
  await expect(page.locator('[data-chart="store-tracks"] .chart-title')).toHaveText(`Revenue by track — ${store}`);
  await page.goBack();
  await expect(page).toHaveURL(/territory=/);
  await page.goBack();
  await expect(page).not.toHaveURL(/territory=/);

  // An ad campaign opens its days and its cost per 1,000 streams; "All campaigns" goes back.
  const campaign = (await page.locator('[data-chart="ad-campaigns"] .chart-table tbody th').first().textContent())!.trim();
  await clickCategory(page, 'ad-campaigns', 0);
  await expect(page).toHaveURL(/campaign=\d+/);
  await expect(page.locator('[data-chart="campaign-days"] .chart-title')).toContainText(`${campaign} — `);
  await expect(page.locator('[data-chart="campaign-days"] .chart-title')).toContainText('per 1,000 streams');
  await expect(page.locator('[data-chart="campaign-days"]')).toBeInViewport();
  await page.getByTestId('crumb-campaigns').click();
  await expect(page).not.toHaveURL(/campaign=/);
  await expect(page.locator('[data-chart="campaign-days"]')).toHaveCount(0);

  // An e-mail campaign opens its day: the e-mail cards hold its figures.
  await clickCategory(page, 'email-campaigns', 0);
  await expect(page).toHaveURL(/range=custom/);
  const c = query(page);
  expect(c.from).toBe(c.to);
  await expect(page.locator('[data-kpi="email_campaigns_sent"] .kpi-value')).toHaveText('1');
  expect(errors).toEqual([]);
});

test('the catalogue lists every track, sorts and searches, and a track page tells all about it', async ({ page }) => {
  const errors = watchErrors(page);
  await signIn(page, viewer);
  await waitForHydration(page);
  // From the dashboard: the top track opens its page.
  const top = page.getByTestId('top-track-link');
  const topName = (await top.textContent())!.trim();
  await top.click();
  await expect(page).toHaveURL(/\/catalogue\/[A-Z0-9]{12}\?/);
  await expect(page.getByTestId('track-title')).toHaveText(topName);
  await expect(page.getByTestId('track-figures')).toContainText('$');
  for (const chart of ['track-stores', 'track-territories', 'track-months']) {
    await expect(page.locator(`[data-chart="${chart}"] .chart-table tbody tr`).first()).toBeAttached();
  }

  await page.goto('/catalogue');
  await waitForHydration(page);
  const table = page.getByTestId('catalogue');
  const rows = table.locator('tbody tr');
  expect(await rows.count()).toBeGreaterThan(3);
  // By revenue, biggest first.
  const revenue = await rows.evaluateAll((trs) =>
    trs.map((tr) => Number((tr.querySelectorAll('td')[3]?.textContent ?? '').replace(/[$,—]/g, '') || '0')),
  );
  expect([...revenue].sort((a, b) => b - a)).toEqual(revenue);
  // By title, A–Z.
  await table.locator('thead a[data-sort="title"]').click();
  await expect(page).toHaveURL(/sort=title/);
  const titles = await rows.locator('th').allTextContents();
  expect([...titles].sort((a, b) => a.toLowerCase().localeCompare(b.toLowerCase()))).toEqual(titles);
  // A search by part of a title.
  const wanted = titles[0].slice(0, 4);
  await page.getByTestId('catalogue-search').fill(wanted);
  await page.getByTestId('catalogue-search').press('Enter');
  await expect(page).toHaveURL(new RegExp(`q=${encodeURIComponent(wanted).replace(/%20/g, '(%20|\\+)')}`));
  for (const title of await rows.locator('th').allTextContents()) {
    expect(title.toLowerCase()).toContain(wanted.toLowerCase());
  }
  await rows.first().locator('th a').click();
  await expect(page).toHaveURL(/\/catalogue\/[A-Z0-9]{12}/);
  await expect(page.getByTestId('track-title')).toContainText(titles[0]);
  expect(errors).toEqual([]);
});
