// Drives the web console in headless Chromium (Debian's /usr/bin/chromium) with
// playwright-core, as an engineer would: signs in, watches the live plant, waits for an alarm
// to arrive over the live stream (no reload), acknowledges it, switches to Chinese.
//
// Run by tests/it/console.rs, which owns the server and the plant. Environment:
//   FACMON_CONSOLE_URL       the console, e.g. http://127.0.0.1:8080/
//   FACMON_CONSOLE_USER      an operator's name
//   FACMON_CONSOLE_PASSWORD  their password
//   FACMON_ALARM             the alarm to expect after GO, as RULE/EQUIPMENT (PWR-01/ats-1)
//   FACMON_PLAYWRIGHT        the playwright-core folder (target/browser-test/node_modules/playwright-core)
//   FACMON_ARTIFACTS         where screenshots go (target/browser-artifacts)
//   FACMON_CHROMIUM          the browser (default /usr/bin/chromium)
//   FACMON_STALE_POINT       optional EQUIPMENT.ROLE that must be shown greyed as stale
//
// Protocol on stdout/stdin, one line each: the script prints `READY plant` once the plant is
// shown and waits for `GO` (the test then trips the plant); `STEP <what>` lines report
// progress; `DONE` at the end. Any failure exits non-zero with `FAIL <reason>` and a
// screenshot named fail-*.png.

import { createRequire } from 'node:module';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const env = (name, fallback) => {
  const v = process.env[name] ?? fallback;
  if (v == null) fail(`${name} is not set`);
  return v;
};

function fail(reason) {
  console.log(`FAIL ${reason}`);
  process.exit(1);
}

const url = env('FACMON_CONSOLE_URL');
const user = env('FACMON_CONSOLE_USER');
const password = env('FACMON_CONSOLE_PASSWORD');
const alarm = env('FACMON_ALARM', 'PWR-01/ats-1');
const artifacts = env('FACMON_ARTIFACTS', 'target/browser-artifacts');
const executablePath = env('FACMON_CHROMIUM', '/usr/bin/chromium');
const require = createRequire(import.meta.url);
const { chromium } = require(env('FACMON_PLAYWRIGHT'));

mkdirSync(artifacts, { recursive: true });
const stdin = createInterface({ input: process.stdin });
const lines = stdin[Symbol.asyncIterator]();

async function waitForLine(expected) {
  for (;;) {
    const { value, done } = await lines.next();
    if (done) bad(`stdin closed while waiting for ${expected}`);
    if (value.trim() === expected) return;
  }
}

const step = (what) => console.log(`STEP ${what}`);
const TIMEOUT = 15_000;

/** A failed check inside the browser session: thrown, so that the browser is closed. */
const bad = (reason) => {
  throw new Error(reason);
};

// A fresh profile each run (Playwright passes it to Chromium as --user-data-dir).
const profile = mkdtempSync(join(tmpdir(), 'facmon-chromium-'));
let context;
let page;
const problems = [];
try {
  context = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
    ],
    viewport: { width: 1600, height: 1000 },
    locale: 'en-GB',
  });
  page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(TIMEOUT);
  // A console error (a CSP refusal, a 404 asset, an exception) is a failure of the console.
  // Expected, not failures: the 401 of /api/v1/me before signing in (how the console learns
  // it must show the form) and the 401 of the wrong password tried below.
  const expected = (m) => /status of 401/.test(m.text()) && /\/api\/v1\/(me|login)$/.test(m.location().url || '');
  page.on('console', (m) => m.type() === 'error' && !expected(m) && problems.push(`console: ${m.text()} (${m.location().url})`));
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('response', (r) => r.status() >= 400 && r.url().includes('/assets/') && problems.push(`${r.status()} ${r.url()}`));

  // ------------------------------------------------------------ sign in
  await page.goto(url);
  await page.locator('#login-form').waitFor();
  // Pin English for the first half whatever the site's default; the switch comes later.
  await page.evaluate(() => localStorage.setItem('facmon.lang', 'en'));
  await page.reload();
  await page.screenshot({ path: join(artifacts, 'login.png') });
  // A wrong password is refused with a message, and the form stays.
  await page.getByLabel('User name').fill(user);
  await page.getByLabel('Password').fill(`${password}-wrong`);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('#login-error:not([hidden])', { hasText: 'Sign-in failed' }).waitFor();
  step('a wrong password is refused');
  await page.getByLabel('User name').fill(user);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  step('signed in');

  // ------------------------------------------------------------ the live plant
  await page.locator('main[data-page="plant"] .card[data-equipment="gen-1"]').waitFor();
  // A daemon that has just started may not have read the generator yet: wait for the value.
  await page.locator('[data-point="gen-1.mode_selector"] .pt-value', { hasText: 'AUTO' }).waitFor();
  if (!(await page.locator('[data-point="gen-1.mode_selector"]').getAttribute('class')).includes('tone-ok')) {
    bad('generator mode AUTO is not shown green');
  }
  await page.locator('.gauge[role="meter"]').first().waitFor();
  const stalePoint = process.env.FACMON_STALE_POINT;
  if (stalePoint) {
    await page.locator(`[data-point="${stalePoint}"].stale .pt-note`, { hasText: 'stale since' }).waitFor();
  }
  await page.locator('#live.on').waitFor();
  await page.screenshot({ path: join(artifacts, 'plant.png'), fullPage: true });
  // A marker that a reload would wipe: the alarm must arrive over the live stream.
  await page.evaluate(() => (window.facmonNoReload = true));
  step('plant shown');
  console.log('READY plant');
  await waitForLine('GO');

  // ------------------------------------------------------------ the alarm arrives live
  const [rule, equipment] = alarm.split('/');
  await page.locator(`#plant-alarms li[data-alarm="${alarm}"]`).waitFor();
  await page.locator('#alarm-badge:not([hidden])').waitFor();
  await page.locator('[data-point="ats-1.mains_available"] .pt-value', { hasText: 'LOST' }).waitFor();
  if (!(await page.evaluate(() => window.facmonNoReload === true))) bad('the page reloaded');
  step(`alarm ${alarm} shown live`);
  await page.screenshot({ path: join(artifacts, 'plant-alarm.png'), fullPage: true });

  // ------------------------------------------------------------ acknowledge it
  await page.getByRole('link', { name: /Alarms/ }).click();
  const card = page.locator(`#alarm-list article[data-alarm="${alarm}"]`);
  await card.waitFor();
  await card.locator('.state', { hasText: 'Unacknowledged' }).waitFor();
  await page.screenshot({ path: join(artifacts, 'alarms.png'), fullPage: true });
  await card.getByRole('button', { name: 'Acknowledge' }).click();
  await page.locator(`#alarm-list article[data-alarm="${alarm}"].state-acknowledged .state`, { hasText: 'Acknowledged' }).waitFor();
  await page.locator(`#alarm-list article[data-alarm="${alarm}"] .facts`, { hasText: `Acknowledged by ${user}` }).waitFor();
  if ((await card.getByRole('button', { name: 'Acknowledge' }).count()) !== 0) bad('Acknowledge is still offered');
  if (!(await page.evaluate(() => window.facmonNoReload === true))) bad('the page reloaded');
  step(`alarm ${rule} on ${equipment} acknowledged`);
  await page.screenshot({ path: join(artifacts, 'alarms-acknowledged.png'), fullPage: true });

  // ------------------------------------------------------------ a ticket step
  await page.getByRole('link', { name: 'Tickets' }).click();
  // Acknowledging the alarm acknowledged its incident's ticket: wait for the board to show it
  // before picking a card, so that no redraw moves the card under the click.
  await page.locator('.column[data-state="acknowledged"] article.ticket').first().waitFor();
  const open = page.locator('.column[data-state="open"] article.ticket').first();
  await open.waitFor();
  const ticketId = await open.getAttribute('data-ticket');
  const ticket = page.locator(`article.ticket[data-ticket="${ticketId}"]`);
  await page.screenshot({ path: join(artifacts, 'tickets.png'), fullPage: true });
  await ticket.getByRole('button', { name: 'Assign' }).click();
  await ticket.getByLabel('Assign to').fill(user);
  await ticket.getByRole('button', { name: 'OK' }).click();
  await page.locator(`.column[data-state="assigned"] article.ticket[data-ticket="${ticketId}"]`, { hasText: user }).waitFor();
  step(`ticket #${ticketId} assigned to ${user}`);
  await page.screenshot({ path: join(artifacts, 'tickets-assigned.png'), fullPage: true });

  // ------------------------------------------------------------ the incident and its timeline
  await page.getByRole('link', { name: 'Incidents' }).click();
  const incident = page.locator('.incident-list li.is-open a').first();
  await incident.waitFor();
  await page.screenshot({ path: join(artifacts, 'incidents.png'), fullPage: true });
  await incident.click();
  await page.locator('ol.timeline li', { hasText: rule }).first().waitFor();
  await page.screenshot({ path: join(artifacts, 'incident.png'), fullPage: true });
  step(`incident timeline with ${rule} shown`);

  // ------------------------------------------------------------ who is on duty
  await page.getByRole('link', { name: 'On duty now' }).click();
  // A site without a [roster] has no roles to show: the page itself is what must work.
  await page.locator('main[data-page="roster"] h2').waitFor();
  await page.screenshot({ path: join(artifacts, 'roster.png'), fullPage: true });
  step('roster shown');

  // ------------------------------------------------------------ Chinese
  await page.goto(`${url.replace(/#.*$/, '')}#/plant`);
  await page.locator('main[data-page="plant"] .card').first().waitFor();
  await page.getByRole('button', { name: 'Switch to Chinese' }).click();
  await page.locator('nav a[data-page="plant"]', { hasText: '设备实况' }).waitFor();
  await page.locator('[data-point="gen-1.mode_selector"] dt', { hasText: '模式' }).waitFor();
  await page.locator('[data-point="gen-1.mode_selector"] .pt-value', { hasText: '自动' }).waitFor();
  if (stalePoint) {
    await page.locator(`[data-point="${stalePoint}"].stale .pt-note`, { hasText: '数据过期' }).waitFor();
  }
  if ((await page.getAttribute('html', 'lang')) !== 'zh-CN') bad('html lang is not zh-CN after the switch');
  await page.screenshot({ path: join(artifacts, 'plant-zh.png'), fullPage: true });
  // The choice is remembered across a reload.
  await page.reload();
  await page.locator('nav a[data-page="plant"]', { hasText: '设备实况' }).waitFor();
  step('switched to Chinese and kept after a reload');

  // ------------------------------------------------------------ a phone
  await page.setViewportSize({ width: 390, height: 844 });
  await page.locator('main[data-page="plant"] .card').first().waitFor();
  const columns = await page.evaluate(
    () => getComputedStyle(document.querySelector('.cards')).gridTemplateColumns.split(' ').length,
  );
  if (columns !== 1) bad(`a phone shows ${columns} columns of cards, not one`);
  await page.screenshot({ path: join(artifacts, 'phone-plant.png'), fullPage: true });
  step('one column on a phone');

  if (problems.length) bad(problems.splice(0).join('; '));
  console.log('DONE');
} catch (e) {
  if (page) await page.screenshot({ path: join(artifacts, 'fail.png'), fullPage: true }).catch(() => {});
  console.log(`FAIL ${String(e.message || e).split('\n').join(' | ')}${problems.length ? ` (also: ${problems.join('; ')})` : ''}`);
  process.exitCode = 1;
} finally {
  await context?.close().catch(() => {});
  rmSync(profile, { recursive: true, force: true });
  stdin.close();
}
