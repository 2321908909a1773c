// Shared setup for the browser tests: the server under test, Debian's
// Chromium driven by playwright-core, and an axe-core check for every page.
import { mkdtempSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { chromium } from 'playwright-core';
import { freshCode } from './totp.mjs';

const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--use-fake-device-for-media-stream',
  '--use-fake-ui-for-media-stream',
];

// WCAG 2.0, 2.1 and 2.2 at A and AA, plus axe's best practices.
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22a', 'wcag22aa', 'best-practice'];

/** server reads the server under test from the environment, or explains
 * how to provide it. */
export function server() {
  const base = process.env.SWITCHBOARD_URL;
  const setup = process.env.SWITCHBOARD_SETUP_URL;
  if (!base || !setup) {
    throw new Error(
      'SWITCHBOARD_URL and SWITCHBOARD_SETUP_URL must be set to a running server and its one-time setup link. ' +
        'The Go end-to-end test sets them; by hand: build web/ (npm run build), run ' +
        '`go run ./cmd/switchboard serve --addr 127.0.0.1:8099 --data "$(mktemp -d)"` and export the base URL ' +
        'and setup link it prints.',
    );
  }
  return { base: base.replace(/\/+$/, ''), setup };
}

/** launch starts Chromium. Never downloads a browser. */
export function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    headless: true,
    args: ARGS,
  });
}

/** screenshotDir is where pages are saved for a person to look at. */
export const screenshotDir =
  process.env.SWITCHBOARD_SCREENSHOTS || mkdtempSync(join(tmpdir(), 'switchboard-e2e-'));

/** newContext opens a browser context. bypassCSP lets axe-core be
 * injected; the CSP itself is checked in a context without it. */
export async function newContext(browser, base, opts = {}) {
  const ctx = await browser.newContext({ baseURL: base, bypassCSP: true, locale: 'en-GB', ...opts });
  ctx.setDefaultTimeout(15_000);
  return ctx;
}

/** track collects uncaught page errors, so a test can fail on them. */
export function track(page) {
  const errors = [];
  page.on('pageerror', (e) => errors.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    // A 401 from /api/me after a revoke or sign-out is expected and the
    // browser logs it as a failed resource load; scripts must not error.
    if (m.type() === 'error' && !/Failed to load resource/.test(m.text())) errors.push(`console: ${m.text()}`);
  });
  page.errors = errors;
  return page;
}

let shot = 0;

/** check runs axe-core on the page as it is now and fails on any
 * violation or page error, or if the page is wider than the screen; it
 * saves a screenshot named after the step. */
export async function check(page, name) {
  await page.waitForLoadState('load');
  await page.locator('main h1').first().waitFor();
  if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ content: axeSource });
  const result = await page.evaluate(
    (tags) => window.axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] }),
    AXE_TAGS,
  );
  shot += 1;
  await page.screenshot({ path: join(screenshotDir, `${String(shot).padStart(2, '0')}-${name}.png`), fullPage: true });
  if (result.violations.length) {
    const lines = result.violations.map(
      (v) => `  ${v.id} (${v.impact}): ${v.help}\n${v.nodes.map((n) => `    ${n.target.join(' ')}: ${n.failureSummary?.split('\n').join(' ')}`).join('\n')}`,
    );
    throw new Error(`axe found ${result.violations.length} violation(s) on ${name} (${page.url()}):\n${lines.join('\n')}`);
  }
  if (page.errors?.length) throw new Error(`errors on ${name}:\n${page.errors.join('\n')}`);
  await noSideScroll(page, name);
}

/** snapshot saves a screenshot of page, if it is open, without failing. */
export async function snapshot(name, page) {
  if (!page || page.isClosed()) return;
  await page.screenshot({ path: join(screenshotDir, `${name}.png`), fullPage: true }).catch(() => {});
}

/** noSideScroll fails if anything on the page is wider than the screen,
 * which at phone width means people have to scroll sideways (or, with a
 * mobile viewport, the browser zooms the page out to fit it). */
export async function noSideScroll(page, name) {
  const width = page.viewportSize().width;
  const { scroll, inner, widest } = await page.evaluate(() => {
    let widest = '';
    let right = 0;
    for (const el of document.body.querySelectorAll('*')) {
      const r = el.getBoundingClientRect().right;
      if (r > right) {
        right = r;
        widest = `${el.tagName.toLowerCase()}.${[...el.classList].join('.')}`;
      }
    }
    return { scroll: document.documentElement.scrollWidth, inner: window.innerWidth, widest: `${widest} to ${Math.round(right)}px` };
  });
  if (scroll > width || inner > width) {
    throw new Error(`${name} is ${Math.max(scroll, inner)}px wide on a ${width}px screen; widest: ${widest}`);
  }
}

/** steps returns the step function of a suite whose steps share one
 * browser and run in order: once one fails, the rest are skipped rather
 * than failing for the same reason, and every page in pages (name → page)
 * is photographed as failed-LABEL-NAME. */
export function steps(label, pages) {
  let failed = false;
  return (name, fn) =>
    it(name, async (t) => {
      if (failed) return t.skip('an earlier step failed');
      try {
        await fn(t);
      } catch (e) {
        failed = true;
        for (const [k, p] of Object.entries(pages)) await snapshot(`failed-${label}-${k}`, p);
        throw e;
      }
    });
}

/** phoneSignIn returns open(who), which signs who in on a phone-sized
 * context of browser, on a TOTP step it has not used (lastStep keeps each
 * account's), and keeps the page in pages under who's email. */
export function phoneSignIn(browser, base, pages, lastStep) {
  return async (who) => {
    const ctx = await browser().newContext({ baseURL: base, bypassCSP: true, locale: 'en-GB', viewport: { width: 390, height: 844 } });
    ctx.setDefaultTimeout(20_000);
    const p = track(await ctx.newPage());
    pages[who.email] = p;
    await signIn(p, base, who, lastStep);
    return p;
  };
}

/** signIn signs who in on page p with their password and a TOTP code of a
 * step not used yet (lastStep keeps each account's), and waits for home. */
export async function signIn(p, base, who, lastStep) {
  await p.goto('/signin');
  await p.getByLabel('Email address').fill(who.email);
  await p.getByLabel('Password', { exact: true }).fill(who.password);
  const { code, step: s } = await freshCode(who.secret, lastStep[who.email] ?? -1);
  lastStep[who.email] = s;
  await p.getByLabel('Security code').fill(code);
  await p.getByRole('button', { name: 'Sign in' }).click();
  await p.waitForURL(`${base}/`);
}

/** choosePIN opens Messages from the menu and sets the messaging PIN. */
export async function choosePIN(p, pin) {
  await p.getByRole('navigation', { name: 'Menu' }).getByRole('link', { name: 'Messages', exact: true }).click();
  await p.locator('main h1').first().filter({ hasText: 'Choose a PIN for secure messaging' }).waitFor();
  await p.getByLabel('PIN', { exact: true }).fill(pin);
  await p.getByLabel('Enter the PIN again').fill(pin);
  await p.getByRole('button', { name: 'Set PIN and continue' }).click();
  await p.locator('main h1').first().filter({ hasText: /^Messages$/ }).waitFor({ timeout: 30_000 });
}
