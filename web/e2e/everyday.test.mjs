// What a new user meets every day in the web app, end to end in headless
// Chromium: the sign-in page, the NHS font, a long conversation that opens
// at its newest message with the composer on screen, and what sign-out
// leaves behind. Two people of their own organisation, each in their own
// browser context. Run by TestBrowserMessaging in cmd/switchboard, which
// starts the server and adds the people.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { check, launch, screenshotDir, snapshot, steps, track } from './browser.mjs';
import { freshCode } from './totp.mjs';

const base = (process.env.SWITCHBOARD_URL ?? '').replace(/\/+$/, '');
const users = JSON.parse(process.env.SWITCHBOARD_USERS ?? '[]');
const dan = users.find((u) => u.email.startsWith('dan.'));
const eve = users.find((u) => u.email.startsWith('eve.'));
const PIN = { [dan?.email]: '618204', [eve?.email]: '390457' };
const GROUP = 'District rounds';
const LONG = 120;
const figures = {};

describe('everyday use of the web app', { concurrency: false }, () => {
  let browser;
  const pages = {};
  const lastStep = {};
  let convURL = '';

  const step = steps('everyday', pages);

  const heading = (p) => p.locator('main h1').first();

  const open = async (key, viewport = { width: 390, height: 844 }) => {
    const ctx = await browser.newContext({ baseURL: base, bypassCSP: true, locale: 'en-GB', viewport });
    ctx.setDefaultTimeout(20_000);
    const p = track(await ctx.newPage());
    pages[key] = p;
    return p;
  };

  const fillSignIn = async (p, who) => {
    await p.getByLabel('Email address').fill(who.email);
    await p.getByLabel('Password', { exact: true }).fill(who.password);
    const { code, step: s } = await freshCode(who.secret, lastStep[who.email] ?? -1);
    lastStep[who.email] = s;
    await p.getByLabel('Security code').fill(code);
    await p.getByRole('button', { name: 'Sign in' }).click();
  };

  const signIn = async (p, who) => {
    await p.goto('/signin');
    await fillSignIn(p, who);
    await p.waitForURL(`${base}/`);
  };

  const menu = (p, name) => p.getByRole('navigation', { name: 'Menu' }).getByRole('link', { name }).click();

  const choosePIN = async (p, who, then = /^Messages$/) => {
    await heading(p).filter({ hasText: 'Choose a PIN for secure messaging' }).waitFor();
    await p.getByLabel('PIN', { exact: true }).fill(PIN[who.email]);
    await p.getByLabel('Enter the PIN again').fill(PIN[who.email]);
    await p.getByRole('button', { name: 'Set PIN and continue' }).click();
    await heading(p).filter({ hasText: then }).waitFor({ timeout: 30_000 });
  };

  // onScreen reports whether any of el is inside the window and, for a
  // message, inside the region the messages scroll in.
  const onScreen = (loc) =>
    loc.evaluate((el) => {
      const r = el.getBoundingClientRect();
      const inWindow = r.bottom > 0 && r.top < window.innerHeight && r.height > 0;
      const box = el.closest('[data-testid=thread]')?.getBoundingClientRect();
      return inWindow && (!box || (r.bottom > box.top && r.top < box.bottom));
    });

  before(async () => {
    assert.ok(base && dan && eve, 'SWITCHBOARD_URL and SWITCHBOARD_USERS must be set (the Go test does)');
    browser = await launch();
  });

  after(async () => {
    await browser?.close();
    console.log(`# screenshots in ${screenshotDir}`);
    console.log(`# figures ${JSON.stringify(figures)}`);
  });

  step('a first visit shows plain sign-in, in the NHS font', async () => {
    const p = await open('first');
    await p.goto('/');
    await p.waitForURL(/\/signin/);
    await heading(p).filter({ hasText: 'Sign in to Switchboard' }).waitFor();
    assert.equal(await p.getByTestId('signin-notice').count(), 0, 'someone who never signed in is not told a session ended');
    assert.equal(await p.getByText(/session has ended/i).count(), 0);
    for (const sel of ['body', 'h1', 'label', 'input', 'button']) {
      const font = await p.locator(sel).first().evaluate((el) => getComputedStyle(el).fontFamily);
      assert.match(font, /arial/i, `${sel} is set in ${font}`);
      assert.doesNotMatch(font, /times/i, `${sel} is set in ${font}`);
      assert.match(font, /^"?Frutiger W01"?,/, `${sel} names Frutiger first: ${font}`);
    }
    await check(p, 'everyday-first-visit');
    await p.context().close();
    delete pages.first;
  });

  step('Dan and Eve choose PINs; a new group with no messages says so', async () => {
    for (const who of [dan, eve]) {
      const p = await open(who.email);
      await signIn(p, who);
      await menu(p, 'Messages');
      await choosePIN(p, who);
    }
    const d = pages[dan.email];
    await d.getByRole('button', { name: 'New conversation' }).click();
    await d.getByLabel('Search by name, email, role or team').fill('Eve');
    await d.getByRole('button', { name: 'Choose Eve Shaw' }).click();
    await d.getByLabel('Conversation name (optional)').fill(GROUP);
    await d.getByRole('button', { name: 'Start conversation' }).click();
    await d.waitForURL(/\/messages\/[0-9a-f]{32}$/, { timeout: 30_000 });
    convURL = new URL(d.url()).pathname;
    await d.getByTestId('thread').getByText('No messages yet.').waitFor();
    await menu(d, 'Messages');
    const row = d.getByTestId('conversation').filter({ hasText: GROUP });
    await row.getByText('No messages yet').waitFor();
    const meta = await row.textContent();
    assert.doesNotMatch(meta, /Jan 1|0001|last message/, `an empty conversation shows no time: ${meta}`);
    await check(d, 'everyday-list-no-messages');
    // Counts read as words do: "1 message", not "1 messages".
    await d.getByRole('link', { name: GROUP }).click();
    await d.getByLabel('Message', { exact: true }).fill('Rounds start at 9');
    await d.getByRole('button', { name: 'Send', exact: true }).click();
    await d.getByTestId('message').filter({ hasText: 'Rounds start at 9' }).waitFor();
    await d.waitForFunction(() => document.querySelector('[data-testid=live-count]')?.textContent === '1 message');
    await menu(d, 'Messages');
  });

  step(`a conversation of ${LONG} messages opens at the newest, with the composer on screen`, async () => {
    const d = pages[dan.email];
    const id = convURL.split('/').pop();
    await d.evaluate(
      async ({ id, n }) => {
        for (let i = 1; i <= n; i++) await window.switchboardCore.send(id, `Visit note ${i}`);
      },
      { id, n: LONG },
    );
    const e = pages[eve.email];
    await e.goto(convURL);
    await heading(e).filter({ hasText: /Messages are locked/ }).waitFor();
    await e.getByLabel('PIN', { exact: true }).fill(PIN[eve.email]);
    await e.getByRole('button', { name: 'Unlock' }).click();
    const newest = e.getByTestId('message').filter({ hasText: `Visit note ${LONG}` });
    await newest.waitFor({ timeout: 60_000 });
    await e.waitForFunction(() => {
      const t = document.querySelector('[data-testid=thread]');
      return t && t.scrollHeight - t.scrollTop - t.clientHeight < 2;
    });
    assert.ok(await onScreen(newest), 'the newest message is on screen when the conversation opens');
    assert.ok(await onScreen(e.getByLabel('Message', { exact: true })), 'the message box is on screen');
    assert.ok(await onScreen(e.getByRole('button', { name: 'Send', exact: true })), 'Send is on screen');
    const rendered = await e.getByTestId('message').count();
    assert.ok(rendered < LONG, `only the newest messages are drawn at first (${rendered})`);
    figures.page_height_px = await e.evaluate(() => document.documentElement.scrollHeight);
    figures.viewport_height_px = 844;
    figures.messages_drawn_on_open = rendered;
    assert.ok(figures.page_height_px < 1400, `the page is ${figures.page_height_px}px tall`);
    await check(e, 'everyday-long-conversation');

    // Scrolling to the top draws older messages, keeping the ones in view.
    const oldestShown = await e.getByTestId('message').first().textContent();
    await e.getByTestId('thread').evaluate((t) => {
      t.scrollTop = 0;
    });
    await e.waitForFunction((n) => document.querySelectorAll('[data-testid=message]').length > n, rendered);
    const kept = e.getByTestId('message').filter({ hasText: oldestShown.match(/Visit note \d+/)[0] });
    assert.ok(await onScreen(kept), 'the message that was at the top stays in view');
    // The button does the same for people who do not scroll.
    await e.getByRole('button', { name: 'Show earlier messages' }).waitFor();
    for (let n = await e.getByTestId('message').count(); n < LONG + 1; n = await e.getByTestId('message').count()) {
      // Drawing more may itself bring the list to the top and draw more,
      // taking the button away, so it is pressed only if still there.
      await e.evaluate(() => [...document.querySelectorAll('button')].find((b) => b.textContent.trim() === 'Show earlier messages')?.click());
      await e.waitForFunction((n) => document.querySelectorAll('[data-testid=message]').length > n, n);
    }
    await e.getByTestId('message').filter({ hasText: /^.*Visit note 1$/ }).waitFor();
    assert.equal(await e.getByTestId('message').count(), LONG + 1);

    // Back at the bottom, a new message scrolls into view.
    await e.getByTestId('thread').evaluate((t) => {
      t.scrollTop = t.scrollHeight;
    });
    await d.getByRole('link', { name: GROUP }).click();
    await d.getByTestId('message').filter({ hasText: `Visit note ${LONG}` }).waitFor({ timeout: 30_000 });
    await d.getByLabel('Message', { exact: true }).fill('Running 10 minutes late');
    await d.getByRole('button', { name: 'Send', exact: true }).click();
    const late = e.getByTestId('message').filter({ hasText: 'Running 10 minutes late' });
    await late.waitFor({ timeout: 30_000 });
    await e.waitForFunction(() => {
      const t = document.querySelector('[data-testid=thread]');
      return t.scrollHeight - t.scrollTop - t.clientHeight < 2;
    });
    assert.ok(await onScreen(late), 'a new message scrolls into view for a reader at the bottom');
    // Dan's own message is in view on his screen too.
    assert.ok(await onScreen(d.getByTestId('message').filter({ hasText: 'Running 10 minutes late' })));
  });

  step('a shorter idle limit reaches a page already open, which locks at the new limit', async () => {
    const ctx = await browser.newContext({ baseURL: base, bypassCSP: true, locale: 'en-GB', viewport: { width: 390, height: 844 } });
    ctx.setDefaultTimeout(20_000);
    await ctx.clock.install();
    const p = track(await ctx.newPage());
    pages.policy = p;
    await signIn(p, eve);
    await menu(p, 'Messages');
    await choosePIN(p, eve);
    const before = await p.evaluate(async () => (await (await fetch('/api/me')).json()).idle_timeout_seconds);
    assert.ok(before > 120, `the idle limit starts above 2 minutes (${before} s)`);
    const d = pages[dan.email];
    const setIdle = (minutes) =>
      d.evaluate(async (minutes) => {
        const token = (await (await fetch('/api/me')).json()).csrf_token;
        const res = await fetch('/api/admin/policy', {
          method: 'PUT',
          headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': token },
          body: JSON.stringify({ idle_timeout_minutes: minutes }),
        });
        return res.status;
      }, minutes);
    assert.equal(await p.evaluate(() => document.documentElement.dataset.idleSeconds), String(before));
    // The open page hears of the change and applies the new limit.
    assert.equal(await setIdle(1), 200);
    try {
      await p.waitForFunction(() => document.documentElement.dataset.idleSeconds === '60', null, { timeout: 10_000 });
      await p.clock.fastForward(61_000);
      await heading(p).filter({ hasText: 'Messages are locked' }).waitFor();
    } finally {
      assert.equal(await setIdle(Math.round(before / 60)), 200);
    }
    await check(p, 'everyday-policy-locked');
    await ctx.close();
    delete pages.policy;
  });

  step('wrong PINs slow down, survive a reload, and at the limit erase the messages and sign out', async () => {
    const d = pages[dan.email];
    const status = await d.evaluate(async () => {
      const token = (await (await fetch('/api/me')).json()).csrf_token;
      const res = await fetch('/api/admin/policy', {
        method: 'PUT',
        headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': token },
        body: JSON.stringify({ pin_attempts: 5 }),
      });
      return res.status;
    });
    assert.equal(status, 200);
    const ctx = await browser.newContext({ baseURL: base, bypassCSP: true, locale: 'en-GB', viewport: { width: 390, height: 844 } });
    ctx.setDefaultTimeout(20_000);
    // The page's clock stands still (its timers still run) unless moved.
    let now = Date.now();
    await ctx.clock.setFixedTime(now);
    const p = track(await ctx.newPage());
    pages.pin = p;
    await signIn(p, eve);
    await menu(p, 'Messages');
    await choosePIN(p, eve);
    await p.reload();
    await heading(p).filter({ hasText: 'Messages are locked' }).waitFor();
    const error = p.getByTestId('error-summary');
    const wrong = async (text) => {
      await p.getByLabel('PIN', { exact: true }).fill('000000');
      await p.getByRole('button', { name: 'Unlock' }).click();
      await error.filter({ hasText: text }).waitFor({ timeout: 30_000 });
    };
    await wrong('After 4 more wrong PINs the messages on this device are erased.');
    await wrong('After 3 more wrong PINs');
    await wrong('You can try again in 2 seconds. After 2 more wrong PINs');
    // The right PIN too must wait, and a reload does not reset the count.
    await p.getByLabel('PIN', { exact: true }).fill(PIN[eve.email]);
    await p.getByRole('button', { name: 'Unlock' }).click();
    await error.filter({ hasText: 'Too many wrong PINs. Try again in 2 seconds' }).waitFor();
    await p.reload();
    await heading(p).filter({ hasText: 'Messages are locked' }).waitFor();
    await wrong('Too many wrong PINs. Try again in 2 seconds');
    await check(p, 'everyday-pin-wait');
    await p.clock.setFixedTime((now += 3_000));
    await wrong('You can try again in 4 seconds. After 1 more wrong PIN the');
    await p.clock.setFixedTime((now += 5_000));
    await p.getByLabel('PIN', { exact: true }).fill('000000');
    await p.getByRole('button', { name: 'Unlock' }).click();
    await p.waitForURL(/\/signin$/, { timeout: 30_000 });
    await p.getByTestId('signin-notice').filter({ hasText: 'entered wrongly too many times' }).waitFor();
    await check(p, 'everyday-pin-limit');
    const left = await storage(p);
    assert.deepEqual(left, { local: [], session: [], idb: [] }, `left in the browser: ${JSON.stringify(left)}`);
    await ctx.close();
    delete pages.pin;
  });

  step('a revoked device is told so, and forgets its ID', async () => {
    const e = pages[eve.email];
    const d = pages[dan.email];
    const device = await e.evaluate(async () => (await (await fetch('/api/me')).json()).device_id);
    const token = await d.evaluate(async () => (await (await fetch('/api/me')).json()).csrf_token);
    const status = await d.evaluate(
      async ({ device, token }) =>
        (await fetch(`/api/admin/devices/${device}/revoke`, { method: 'POST', headers: { 'X-CSRF-Token': token } })).status,
      { device, token },
    );
    assert.equal(status, 204);
    // Eve's open conversation hears of it over its socket at once.
    await e.waitForURL(`${base}/signin?next=${encodeURIComponent(convURL)}`);
    await e.getByTestId('signin-notice').filter({ hasText: 'This device was revoked' }).waitFor();
    assert.equal(await e.getByText(/session has ended/i).count(), 0);
    await check(e, 'everyday-revoked');
    await e.waitForFunction(() => localStorage.getItem('switchboard.device') === null);
  });

  step('after signing out, nothing of the person stays in the browser', async () => {
    const e = pages[eve.email];
    await fillSignIn(e, eve);
    await e.waitForURL(`${base}${convURL}`); // back where she was, as a new device
    await choosePIN(e, eve, /./);
    await e.getByLabel('Enter the PIN again').waitFor({ state: 'detached', timeout: 30_000 });
    assert.ok((await storage(e)).idb.includes('switchboard'), 'the store is there while signed in');
    await e.getByRole('banner').getByRole('button', { name: 'Sign out' }).click();
    await e.waitForURL(/\/signin$/);
    await e.getByTestId('signin-notice').filter({ hasText: 'You have signed out' }).waitFor();
    const left = await storage(e);
    assert.deepEqual(left, { local: [], session: [], idb: [] }, `left in the browser: ${JSON.stringify(left)}`);
  });

  step('after an idle sign-out, signing in again returns to the page', async () => {
    const ctx = await browser.newContext({ baseURL: base, bypassCSP: true, locale: 'en-GB', viewport: { width: 390, height: 844 } });
    ctx.setDefaultTimeout(20_000);
    await ctx.clock.install();
    const p = track(await ctx.newPage());
    pages.idle = p;
    await signIn(p, dan);
    await menu(p, 'Your account');
    await heading(p).filter({ hasText: 'Your account' }).waitFor();
    const idle = await p.evaluate(async () => (await (await fetch('/api/me')).json()).idle_timeout_seconds);
    await p.clock.fastForward((idle + 60) * 1000);
    await p.waitForURL(/\/signin\?next=%2Faccount$/);
    await p.getByTestId('signin-notice').filter({ hasText: 'not used' }).waitFor();
    await check(p, 'everyday-idle-signin');
    await fillSignIn(p, dan);
    await p.waitForURL(`${base}/account`);
    await heading(p).filter({ hasText: 'Your account' }).waitFor();
    await ctx.close();
    delete pages.idle;
  });

  step('registrations name their register, and the audit log names sessions rather than showing their IDs', async () => {
    const d = pages[dan.email];
    await menu(d, 'Users and devices');
    await heading(d).filter({ hasText: 'Users and devices' }).waitFor();
    const token = await d.evaluate(async () => (await (await fetch('/api/me')).json()).csrf_token);
    const status = await d.evaluate(
      async (token) =>
        (
          await fetch('/api/admin/users', {
            method: 'POST',
            headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': token },
            body: JSON.stringify({ email: 'fay.ng@example.nhs.uk', name: 'Fay Ng', roles: ['clinician'], registration: '12A3456B', team: '' }),
          })
        ).status,
      token,
    );
    assert.equal(status, 201);
    await menu(d, 'Audit log');
    await menu(d, 'Users and devices');
    await d.getByTestId('users').getByText('NMC 12A3456B').first().waitFor();
    await check(d, 'everyday-users-registration');
    await menu(d, 'Audit log');
    const audit = d.getByTestId('audit');
    const ended = audit.locator('tr').filter({ hasText: 'session.signout' }).first();
    await ended.waitFor();
    assert.match(await ended.innerText(), /Session of (Dan Reed|Eve Shaw) \(ID ending \S{6}\)/);
    const text = await audit.innerText();
    assert.doesNotMatch(text, /[0-9a-f]{32}/i, 'no raw IDs in the audit log');
    await check(d, 'everyday-audit-sessions');
  });

  step('a locked account is told when to try again in the person’s own time', async () => {
    const ctx = await browser.newContext({ baseURL: base, bypassCSP: true, locale: 'en-GB', timezoneId: 'Europe/Paris' });
    ctx.setDefaultTimeout(20_000);
    const p = track(await ctx.newPage());
    pages.lockout = p;
    await p.goto('/signin');
    let res;
    for (let i = 0; i < 12; i++) {
      await p.getByLabel('Email address').fill(eve.email);
      await p.getByLabel('Password', { exact: true }).fill(`${eve.password}-wrong`);
      await p.getByLabel('Security code').fill('123456');
      const answered = p.waitForResponse((r) => new URL(r.url()).pathname === '/api/session');
      await p.getByRole('button', { name: 'Sign in' }).click();
      res = await answered;
      if (res.status() === 429) break;
      await p.getByTestId('error-summary').waitFor();
    }
    assert.equal(res.status(), 429, 'the account locks after repeated failures');
    const wait = Number(res.headers()['retry-after']);
    const summary = p.getByTestId('error-summary').filter({ hasText: /Try again after/ });
    await summary.waitFor();
    const text = await summary.innerText();
    assert.doesNotMatch(text, /UTC/);
    const shown = /Try again after (\d\d:\d\d)/.exec(text)?.[1];
    const paris = (ms) => new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', timeZone: 'Europe/Paris' }).format(new Date(ms));
    const now = Date.now() + wait * 1000;
    assert.ok([paris(now - 60_000), paris(now), paris(now + 60_000)].includes(shown), `shown ${shown}; Paris time is ${paris(now)}`);
    await check(p, 'everyday-locked-local-time');
    await ctx.close();
    delete pages.lockout;
  });

  function storage(p) {
    return p.evaluate(async () => ({
      local: Object.keys(localStorage),
      session: Object.keys(sessionStorage),
      idb: (await indexedDB.databases()).map((d) => d.name),
    }));
  }
});
