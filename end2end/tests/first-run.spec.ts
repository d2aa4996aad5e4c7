import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { expect, test, waitForHydration, watchErrors } from './helpers';

// Journey 1, literally: the README's first command (scripts/demo.sh, with the binary the tests
// built instead of a release build) on an empty data directory, then sign in as the admin whose
// password it printed.

const root = resolve(__dirname, '../..');
let demo: ChildProcess | undefined;
let dataDir = '';
let baseURL = '';
let password = '';
let output = '';

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.on('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? done(address.port) : fail(new Error('no port'))));
    });
  });
}

test.beforeAll(async () => {
  test.setTimeout(180_000);
  dataDir = mkdtempSync(join(tmpdir(), 'soundcheck-first-run-'));
  const port = await freePort();
  baseURL = `http://127.0.0.1:${port}`;
  const env = {
    ...process.env,
    SOUNDCHECK_BIN: process.env.E2E_SOUNDCHECK_BIN,
    SOUNDCHECK_DATA_DIR: dataDir,
    SOUNDCHECK_LISTEN: `127.0.0.1:${port}`,
    RUST_LOG: 'warn',
  };
  // A newcomer's first run knows no fixed day: the demo data ends at the real today.
  delete env.SOUNDCHECK_TODAY;
  demo = spawn('bash', [join(root, 'scripts/demo.sh')], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  demo.stdout?.on('data', (chunk) => (output += chunk));
  demo.stderr?.on('data', (chunk) => (output += chunk));

  const deadline = Date.now() + 170_000;
  for (;;) {
    if (demo.exitCode !== null) throw new Error(`demo.sh exited with ${demo.exitCode}:\n${output}`);
    const ready = await fetch(`${baseURL}/readyz`).then((r) => r.ok, () => false);
    if (ready) break;
    if (Date.now() > deadline) throw new Error(`demo.sh did not start serving:\n${output}`);
    await new Promise((r) => setTimeout(r, 500));
  }
  password = /password: (\S+)/.exec(output)?.[1] ?? '';
  if (!password) throw new Error(`demo.sh printed no password:\n${output}`);
});

test.afterAll(async () => {
  if (demo && demo.exitCode === null) {
    const exited = new Promise((r) => demo?.once('exit', r));
    demo.kill('SIGTERM');
    await exited;
  }
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

test('first run: the admin demo.sh created signs in and sees the demo dashboard', async ({ page }) => {
  const errors = watchErrors(page);
  expect(output).toContain('First admin created');
  expect(output).toContain('user:     admin');

  await page.goto(`${baseURL}/login`);
  await page.getByLabel('User name').fill('admin');
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(`${baseURL}/`);
  await waitForHydration(page);

  // Every area of the demo data is on the dashboard, with figures.
  for (const area of ['Revenue', 'Streaming', 'Social', 'Advertising', 'Email']) {
    const section = page.locator(`.kpi-area[data-area="${area}"]`);
    // On a phone the areas after Revenue start folded: a tap opens one.
    if (area !== 'Revenue' && test.info().project.name === 'phone') {
      await section.locator('summary').click();
    }
    await expect(section.locator('.kpi-card').first()).toBeVisible();
  }
  await expect(page.locator('[data-kpi="revenue_usd"] .kpi-value')).toHaveText(/^\$[\d,]+\.\d\d$/);
  await expect(page.locator('[data-kpi="streams"] .kpi-value')).toHaveText(/^[\d,]+$/);
  await expect(page.locator('[data-chart] canvas').first()).toBeVisible();
  // An admin sees the Admin page's link, and the demo's runs on it.
  await page.getByRole('link', { name: 'Admin' }).first().click();
  await expect(page.getByRole('heading', { name: 'Sources' })).toBeVisible();
  await expect(page.locator('tr[data-source="distrokid"] [data-testid="source-status"]')).toHaveText('OK');
  await expect(page.locator('tr[data-source="distrokid"]')).toContainText('files');
  expect(errors).toEqual([]);
});
