// End to end: `berth ui` against a real machine, driven in Debian's Chromium.
// One machine for the whole file (it boots once); the tests run in order.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import WebSocket from 'ws';
import { launchChromium } from './browser';
import {
  berth,
  docker,
  freePort,
  importImage,
  ROOT,
  startRegistry,
  startUi,
  tinyRootfsTar,
  tmpHome,
  waitUntil,
} from './fixtures';

// Page-side code runs in Chromium; the Node build has no DOM types.
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- page-side global, no DOM types here
declare const window: any;
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- page-side global, no DOM types here
declare const document: any;
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- page-side global, no DOM types here
declare const MutationObserver: any;

const SHOTS = path.join(ROOT, 'test-results/screenshots');
const BOOT = 240_000;

let home: string;
let ui: Awaited<ReturnType<typeof startUi>>;
let registry: Awaited<ReturnType<typeof startRegistry>> | undefined;
let regPort: number;
let browser: Browser;
let ctx: BrowserContext;
let page: Page;

const row = (name: string) => `[data-testid=container-row][data-name="${name}"]`;
const go = (hash: string) => page.evaluate((h) => (window.location.hash = h), hash);
const inspectState = async (name: string) =>
  (await docker(home, ['inspect', '-f', '{{.State.Status}}', name]).catch(() => 'gone')).trim();

describe('berth ui with a real machine', { timeout: 900_000 }, () => {
  before(async () => {
    home = tmpHome();
    regPort = await freePort();
    registry = await startRegistry(path.join(home, 'registry'), regPort);
    await berth(home, ['init', '--memory', '1536', '--cpus', '2', '--insecure-registry', `10.0.2.2:${regPort}`]);
    ui = await startUi(home);
    browser = await launchChromium();
    ctx = await browser.newContext({ colorScheme: 'light', viewport: { width: 1280, height: 800 } });
    page = await ctx.newPage();
    fs.mkdirSync(SHOTS, { recursive: true });
  });

  after(async () => {
    await browser?.close().catch(() => undefined);
    await ui?.stop();
    if (home) await berth(home, ['down']).catch(() => undefined);
    await registry?.stop();
    if (home) fs.rmSync(home, { recursive: true, force: true });
  });

  test('the token, the Host and the Origin are enforced', async () => {
    const u = new URL(ui.url);
    const base = `http://${u.host}`;
    assert.equal((await fetch(`${base}/`)).status, 401);
    assert.equal((await fetch(`${base}/?token=${'0'.repeat(64)}`)).status, 401);
    assert.equal((await fetch(ui.url)).status, 200);
    const refused = (url: string, headers: Record<string, string> = {}) =>
      new Promise<number>((resolve) => {
        const ws = new WebSocket(url, { headers });
        ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
        ws.on('open', () => (ws.close(), resolve(101)));
        ws.on('error', () => resolve(-1));
      });
    const token = u.searchParams.get('token')!;
    assert.equal(await refused(`ws://${u.host}/api`), 401);
    assert.equal(await refused(`ws://${u.host}/api?token=wrong`), 401);
    assert.equal(await refused(`ws://${u.host}/api?token=${token}`, { Origin: 'http://evil.example' }), 403);
    assert.equal(await refused(`ws://${u.host}/api?token=${token}`, { Host: `rebind.example:${u.port}` }), 421);
    assert.equal(await refused(`ws://${u.host}/api?token=${token}`, { Origin: `http://${u.host}` }), 101);
    // A page of another origin cannot open the socket even with the token.
    const other = await ctx.newPage();
    await other.goto(`${base}/assets/`).catch(() => undefined);
    await other.close();
  });

  test(
    'a stopped machine is a designed state, and it starts from the dashboard with the real steps',
    { timeout: BOOT + 60_000 },
    async () => {
      await page.goto(ui.url);
      await page.getByTestId('engine-down').waitFor();
      assert.match(await page.getByTestId('engine-down').innerText(), /The machine is stopped/);
      await page.screenshot({ path: path.join(SHOTS, 'containers-machine-stopped-light.png') });
      await go('#/machine');
      await page.getByRole('button', { name: 'Start', exact: true }).click();
      await page.getByTestId('machine-steps').waitFor({ timeout: 60_000 });
      await page.getByText('VM booting').first().waitFor({ timeout: BOOT });
      await page.screenshot({ path: path.join(SHOTS, 'machine-starting-light.png') });
      await page.locator('[data-testid=machine-state]', { hasText: 'running' }).waitFor({ timeout: BOOT });
    },
  );

  test(
    'Stop from the dashboard saves the machine and shows it stopped; Start resumes it',
    { timeout: BOOT + 60_000 },
    async () => {
      await page.getByRole('button', { name: 'Stop', exact: true }).click();
      // The agent leaves while this page follows its status: the page must not take that for a broken machine.
      await page.locator('[data-testid=machine-state]', { hasText: 'stopped' }).waitFor({ timeout: 60_000 });
      assert.match(
        await page.getByTestId('saved-memory').innerText(),
        /^Memory saved .* MB on this computer\): Start resumes the machine/,
      );
      await new Promise((r) => setTimeout(r, 3000));
      assert.equal(
        await page.getByTestId('machine-state').innerText(),
        'stopped',
        'still stopped, not broken, once the agent is gone',
      );
      await page.screenshot({ path: path.join(SHOTS, 'machine-saved-light.png') });
      await page.getByRole('button', { name: 'Start', exact: true }).click();
      await page.locator('[data-testid=machine-state]', { hasText: 'running' }).waitFor({ timeout: BOOT });
      assert.equal(await page.getByTestId('saved-memory').count(), 0);
    },
  );

  test('a reload and a second tab keep working, and the token never stays in the address', async () => {
    // The page took the token out of the address when it loaded; the session cookie it got carries on.
    assert.doesNotMatch(page.url(), /token=/);
    await page.reload();
    await page.locator('[data-testid=machine-state]', { hasText: 'running' }).waitFor({ timeout: 30_000 });
    assert.doesNotMatch(page.url(), /token=/);
    const u = new URL(ui.url);
    const tab = await ctx.newPage();
    try {
      await tab.goto(`http://${u.host}/#/machine`);
      await tab.locator('[data-testid=machine-state]', { hasText: 'running' }).waitFor({ timeout: 30_000 });
      assert.doesNotMatch(tab.url(), /token=/);
    } finally {
      await tab.close();
    }
    // Another browser (no cookie, no token) is still refused.
    assert.equal((await fetch(`http://${u.host}/`)).status, 401);
  });

  test('a container started with the docker CLI appears without a reload', async () => {
    const work = path.join(home, 'work');
    fs.mkdirSync(work, { recursive: true });
    await importImage(home, tinyRootfsTar(work, 'tiny'), 'tiny:latest');
    await go('#/containers');
    await page.evaluate(() => (window.__sameDocument = true));
    await page.getByText('No containers yet').waitFor();
    await docker(home, [
      'run',
      '-d',
      '--name',
      'e2e-cli',
      'tiny',
      'sh',
      '-c',
      'i=0; while true; do i=$((i+1)); echo tick $i; echo warn $i >&2; sleep 1; done',
    ]);
    // It shows up as created, then follows the start event to running.
    await page.locator(`${row('e2e-cli')}[data-state=running]`).waitFor({ timeout: 10_000 });
    assert.equal(await page.evaluate(() => window.__sameDocument), true, 'the page must not have reloaded');
  });

  test('stop and start from the dashboard change the engine', async () => {
    await page.getByRole('button', { name: 'Stop e2e-cli' }).click();
    await waitUntil(async () => (await inspectState('e2e-cli')) === 'exited', 30_000, 'the container to stop');
    await page.locator(`${row('e2e-cli')}[data-state=exited]`).waitFor();
    await page.getByRole('button', { name: 'Start e2e-cli' }).click();
    await waitUntil(async () => (await inspectState('e2e-cli')) === 'running', 30_000, 'the container to start');
    await page.locator(`${row('e2e-cli')}[data-state=running]`).waitFor();
  });

  test('logs stream live, with stderr told apart', async () => {
    await page.locator(row('e2e-cli')).getByRole('link', { name: 'e2e-cli' }).click();
    const first = page.locator('[data-testid=log-line].stdout', { hasText: /^tick \d+$/ }).first();
    await first.waitFor();
    await page
      .locator('[data-testid=log-line].stderr', { hasText: /^warn \d+$/ })
      .first()
      .waitFor();
    const count = async () => Number((await page.getByTestId('log-count').innerText()).match(/(\d+) lines/)![1]);
    const n0 = await count();
    await waitUntil(async () => (await count()) >= n0 + 4, 30_000, 'new log lines to arrive');
    await page.screenshot({ path: path.join(SHOTS, 'container-logs-light.png') });
  });

  test('the terminal runs commands in the container', async () => {
    await page.getByRole('tab', { name: 'Terminal' }).click();
    const term = page.getByTestId('terminal');
    await term.locator('.xterm-rows').waitFor();
    await page.waitForFunction(() => /#\s*$/m.test(document.querySelector('.xterm-rows')?.textContent ?? ''));
    await term.click();
    await page.keyboard.type('echo hello-$((6*7))\n');
    await page.waitForFunction(() => (document.querySelector('.xterm-rows')?.textContent ?? '').includes('hello-42'));
  });

  test('a pull from a real registry shows progress and ends with the image listed', async () => {
    const work = path.join(home, 'work');
    const ref = `10.0.2.2:${regPort}/e2e/payload:1`;
    await importImage(home, tinyRootfsTar(work, 'payload', 8 * 1024 * 1024), ref);
    await docker(home, ['push', ref]);
    await docker(home, ['rmi', ref]);
    await go('#/images');
    await page.getByLabel('Pull an image').fill(ref);
    // Record every value the bar shows, whatever the speed of the pull.
    await page.evaluate(() => {
      window.__bar = [];
      new MutationObserver(() => {
        const p = document.querySelector('[data-testid=pull-progress] progress');
        if (p && p.hasAttribute('value')) window.__bar.push(p.value);
      }).observe(document.body, { subtree: true, childList: true, attributes: true });
    });
    await page.getByRole('button', { name: 'Pull', exact: true }).click();
    await page.getByTestId('pull-done').waitFor({ timeout: 120_000 });
    const seen: number[] = await page.evaluate(() => window.__bar);
    assert.ok(
      seen.some((v) => v > 0),
      `the bar moved (values seen: ${seen.join(', ')})`,
    );
    await page.locator(`[data-testid=image-row][data-tags~="${ref}"]`).waitFor();
    assert.match(
      await docker(home, ['images', '--format', '{{.Repository}}:{{.Tag}}']),
      new RegExp(ref.replace(/[.]/g, '\\.')),
    );
  });

  test('remove from the dashboard (after confirming) removes the container', async () => {
    await go('#/containers');
    await page.getByRole('button', { name: 'Remove e2e-cli' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Remove' }).click();
    await waitUntil(async () => (await inspectState('e2e-cli')) === 'gone', 30_000, 'the container to be removed');
    await page.locator(row('e2e-cli')).waitFor({ state: 'detached' });
  });

  test('screenshots of every page, light and dark', async () => {
    await docker(home, ['volume', 'create', 'e2e-data']);
    await docker(home, [
      'run',
      '-d',
      '--name',
      'shop-web-1',
      '--label',
      'com.docker.compose.project=shop',
      '--label',
      'com.docker.compose.service=web',
      '-p',
      '8080:80',
      '-v',
      'e2e-data:/data',
      'tiny',
      'sh',
      '-c',
      'while true; do echo serving; sleep 1; done',
    ]);
    await docker(home, [
      'run',
      '-d',
      '--name',
      'shop-db-1',
      '--label',
      'com.docker.compose.project=shop',
      '--label',
      'com.docker.compose.service=db',
      'tiny',
      'sleep',
      '3600',
    ]);
    await docker(home, ['create', '--name', 'idle', 'tiny', 'true']);
    const id = await docker(home, ['inspect', '-f', '{{.Id}}', 'shop-web-1']);
    for (const scheme of ['light', 'dark'] as const) {
      const c = await browser.newContext({ colorScheme: scheme, viewport: { width: 1280, height: 800 } });
      const p = await c.newPage();
      await p.goto(ui.url);
      const shot = (name: string) => p.screenshot({ path: path.join(SHOTS, `${name}-${scheme}.png`) });
      const nav = (h: string) => p.evaluate((x) => (window.location.hash = x), h);
      await p.locator(row('shop-web-1')).waitFor();
      await shot('containers');
      await nav(`#/containers/${id}/logs`);
      await p.locator('[data-testid=log-line]').first().waitFor();
      await shot('container-logs');
      await nav(`#/containers/${id}/inspect`);
      await p.getByTestId('inspect-json').waitFor();
      await shot('container-inspect');
      await nav(`#/containers/${id}/stats`);
      await p.waitForFunction(() => /%/.test(document.querySelector('[data-testid=stat-cpu]')?.textContent ?? ''));
      await p.waitForFunction(() => Number(document.querySelector('.stats')?.getAttribute('data-samples')) >= 3);
      await shot('container-stats');
      await nav(`#/containers/${id}/terminal`);
      await p.waitForFunction(() => /#\s*$/m.test(document.querySelector('.xterm-rows')?.textContent ?? ''));
      await shot('container-terminal');
      await nav('#/images');
      await p.locator('[data-testid=image-row]').first().waitFor();
      await shot('images');
      await p.getByRole('button', { name: 'Run tiny:latest' }).click();
      await p.getByRole('dialog').waitFor();
      await shot('images-run-form');
      await p.getByRole('button', { name: 'Cancel' }).click();
      await nav('#/volumes');
      await p.locator('[data-testid=volume-row]').first().waitFor();
      await shot('volumes');
      await nav('#/machine');
      await p.locator('[data-testid=machine-state]', { hasText: 'running' }).waitFor();
      await p.getByRole('button', { name: 'Show the VM console and agent log' }).click();
      await p.getByTestId('console-text').waitFor();
      await shot('machine');
      await c.close();
    }
  });
});
