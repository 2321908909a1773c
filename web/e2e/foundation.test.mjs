// The foundation scenario, in order, against a real server: first-start
// setup, an admin and a clinician enrolling with passwords and TOTP,
// device revocation taking effect in the other browser, signing out and in
// again, lockout, and the admin unlocking, changing roles, disabling and
// enabling the clinician's account. Every page visited is checked with
// axe-core.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { check, launch, newContext, noSideScroll, screenshotDir, server, snapshot, track } from './browser.mjs';
import { freshCode, serverCode } from './totp.mjs';

const admin = {
  name: 'Ada Okafor',
  email: 'ada.okafor@example.nhs.uk',
  password: `teacup river lantern ${randomBytes(3).toString('hex')}`,
  ods: 'RX1',
  org: 'Riverside Hospitals NHS Foundation Trust',
};
const IDLE_MINUTES = 20;
const clinician = {
  name: 'Sam Patel',
  email: 'sam.patel@example.nhs.uk',
  password: `copper meadow violin ${randomBytes(3).toString('hex')}`,
  registration: '7654321',
};

describe('foundation web client', { concurrency: false }, () => {
  let srv;
  let browser;
  let adminCtx;
  let adminPage;
  let clinicianCtx;
  let clinicianPage;
  let enrolURL = '';
  let failed = false;

  // Steps share one browser and run in order; once one fails the rest are
  // skipped rather than failing for the same reason.
  const step = (name, fn) =>
    it(name, async (t) => {
      if (failed) return t.skip('an earlier step failed');
      try {
        await fn(t);
      } catch (e) {
        failed = true;
        await snapshot('failed-admin', adminPage);
        await snapshot('failed-clinician', clinicianPage);
        throw e;
      }
    });

  const heading = (page) => page.locator('main h1').first();
  const errorSummary = (page) => page.getByTestId('error-summary');

  before(async () => {
    srv = server();
    browser = await launch();
    adminCtx = await newContext(browser, srv.base);
    adminPage = track(await adminCtx.newPage());
  });

  after(async () => {
    await browser?.close();
    if (srv) console.log(`# screenshots in ${screenshotDir}`);
  });

  step('setup link asks for the organisation and first admin, and checks the answers', async () => {
    const p = adminPage;
    await p.goto(srv.setup);
    await assert.doesNotReject(heading(p).filter({ hasText: 'Set up Switchboard' }).waitFor());
    await check(p, 'setup');

    await p.getByRole('button', { name: 'Continue' }).click();
    await errorSummary(p).waitFor();
    assert.match(await errorSummary(p).innerText(), /Enter your organisation’s ODS code/);
    assert.match(await p.title(), /^Error: /);
    assert.ok(await errorSummary(p).evaluate((el) => el === document.activeElement), 'focus moves to the summary');
    await errorSummary(p).getByRole('link', { name: /ODS code/ }).click();
    assert.equal(await p.evaluate(() => document.activeElement?.id), 'ods', 'the summary link focuses its field');
    await check(p, 'setup-errors');

    await p.getByLabel('ODS code').fill(admin.ods);
    await p.getByLabel('Organisation name').fill(admin.org);
    await p.getByLabel('Full name').fill(admin.name);
    await p.getByLabel('Email address').fill(admin.email);
    await p.getByRole('button', { name: 'Continue' }).click();
    await p.waitForURL(/\/enrol\/[^/]+$/);
  });

  step('enrolment refuses weak passwords with the server’s reason', async () => {
    const p = adminPage;
    await heading(p).filter({ hasText: 'Create a password' }).waitFor();
    assert.match(await p.getByRole('main').innerText(), new RegExp(admin.email.replace(/\./g, '\\.')));
    await check(p, 'enrol-password');

    const password = p.getByLabel('Password', { exact: true });
    await password.fill('password123');
    await p.getByRole('button', { name: 'Continue' }).click();
    await errorSummary(p).waitFor();
    const tooShort = await errorSummary(p).innerText();
    assert.match(tooShort, /12 characters/, 'the length reason is shown');
    assert.match(await p.locator('#password-error').innerText(), /12 characters/, 'and next to the field');
    await check(p, 'enrol-password-refused');

    await password.fill('password1234');
    await p.getByRole('button', { name: 'Continue' }).click();
    await p.waitForFunction(
      (before) => document.querySelector('[data-testid=error-summary]')?.textContent?.includes('common') ?? false,
      tooShort,
    );

    await password.fill(admin.password);
    await p.getByRole('button', { name: 'Continue' }).click();
    await heading(p).filter({ hasText: 'Set up your security code' }).waitFor();
  });

  let adminSecret = '';
  let adminStep = -1;

  step('enrolment shows a QR code and setup key, refuses a wrong code, then signs in', async () => {
    const p = adminPage;
    const qr = p.getByRole('img', { name: /QR code/ });
    assert.match((await qr.getAttribute('src')) ?? '', /^data:image\/png;base64,/);
    assert.ok(await qr.evaluate((img) => img.complete && img.naturalWidth > 0), 'the QR code image loads');
    adminSecret = (await p.getByTestId('totp-secret').innerText()).replace(/\s/g, '');
    assert.match(adminSecret, /^[A-Z2-7]{16,}$/);
    await check(p, 'enrol-totp');

    const right = await serverCode(adminSecret);
    await p.getByLabel('Security code').fill(String((Number(right) + 500000) % 1000000).padStart(6, '0'));
    await p.getByRole('button', { name: 'Confirm and sign in' }).click();
    await errorSummary(p).waitFor();
    await check(p, 'enrol-totp-refused');

    const { code, step: used } = await freshCode(adminSecret);
    adminStep = used;
    await p.getByLabel('Security code').fill(code);
    await p.getByRole('button', { name: 'Confirm and sign in' }).click();
    await p.waitForURL(`${srv.base}/`);
  });

  step('home says who the admin is, their organisation and roles', async () => {
    const p = adminPage;
    await heading(p).filter({ hasText: `Hello, ${admin.name}` }).waitFor();
    const who = await p.getByTestId('whoami').innerText();
    assert.match(who, new RegExp(admin.org));
    assert.match(who, /RX1/);
    for (const role of ['Administrator', 'Clinician', 'Data protection officer']) assert.match(who, new RegExp(role));
    const nav = p.getByRole('navigation', { name: 'Menu' });
    for (const link of ['Home', 'Your account', 'Users and devices', 'Audit log']) {
      await nav.getByRole('link', { name: link }).waitFor();
    }
    await check(p, 'home-admin');
  });

  step('admin adds a clinician and gets an enrolment link to pass on', async () => {
    const p = adminPage;
    await p.getByRole('navigation', { name: 'Menu' }).getByRole('link', { name: 'Users and devices' }).click();
    await p.waitForURL(/\/admin$/);
    await heading(p).filter({ hasText: 'Users and devices' }).waitFor();
    assert.ok(
      await heading(p).evaluate((el) => el === document.activeElement),
      'after navigating, focus is on the new page’s heading',
    );
    assert.equal(await p.title(), 'Users and devices – Switchboard');
    await p.getByTestId('users').getByRole('row').filter({ hasText: admin.email }).waitFor();
    await check(p, 'admin');

    await p.getByRole('button', { name: 'Add user' }).click();
    await errorSummary(p).waitFor();
    await check(p, 'admin-add-user-errors');

    const form = p.locator('form[aria-labelledby=add-user-heading]');
    await form.getByLabel('Full name').fill(clinician.name);
    await form.getByLabel('Email address').fill(clinician.email);
    assert.ok(await form.getByLabel('Clinician').isChecked(), 'clinician is the default role');
    await form.getByLabel(/Professional registration/).fill(clinician.registration);
    await form.getByRole('button', { name: 'Add user' }).click();

    enrolURL = (await p.getByTestId('enrol-url').innerText()).trim();
    assert.ok(enrolURL.startsWith(`${srv.base}/enrol/`), `enrolment link ${enrolURL} is on this server`);
    const row = p.getByTestId('users').getByRole('row').filter({ hasText: clinician.email });
    await row.filter({ hasText: 'Not set up yet' }).waitFor();
    await check(p, 'admin-user-added');
  });

  let clinicianSecret = '';
  let clinicianStep = -1;

  step('the clinician enrols in another browser and reaches home', async () => {
    clinicianCtx = await newContext(browser, srv.base);
    const p = (clinicianPage = track(await clinicianCtx.newPage()));
    await p.goto(enrolURL);
    await heading(p).filter({ hasText: 'Create a password' }).waitFor();
    await p.getByLabel('Password', { exact: true }).fill(clinician.password);
    await p.getByRole('button', { name: 'Continue' }).click();
    await heading(p).filter({ hasText: 'Set up your security code' }).waitFor();
    clinicianSecret = (await p.getByTestId('totp-secret').innerText()).replace(/\s/g, '');
    const { code, step: used } = await freshCode(clinicianSecret);
    clinicianStep = used;
    await p.getByLabel('Security code').fill(code);
    await p.getByRole('button', { name: 'Confirm and sign in' }).click();
    await p.waitForURL(`${srv.base}/`);
    await heading(p).filter({ hasText: `Hello, ${clinician.name}` }).waitFor();
    const who = await p.getByTestId('whoami').innerText();
    assert.match(who, /Clinician/);
    assert.doesNotMatch(who, /Administrator/);
    assert.match(who, /7654321/);
    assert.equal(await p.getByRole('link', { name: 'Users and devices' }).count(), 0, 'no admin link');
    await check(p, 'home-clinician');

    await p.goto('/admin');
    await heading(p).filter({ hasText: 'You cannot see this page' }).waitFor();
    await check(p, 'clinician-admin-forbidden');

    // Revoking your own device asks first, and Cancel leaves it alone.
    await p.goto('/account');
    const mine = p.getByTestId('my-devices').locator('tbody tr').filter({ hasText: 'This device' });
    await mine.getByRole('button', { name: /^Revoke/ }).click();
    const confirm = p.getByTestId('confirm');
    assert.match(await confirm.innerText(), /the device you are using now/);
    assert.ok(await confirm.evaluate((el) => el === document.activeElement), 'focus moves to the question');
    await check(p, 'account-revoke-confirm');
    await confirm.getByRole('button', { name: 'Cancel' }).click();
    await confirm.waitFor({ state: 'detached' });
    await mine.filter({ hasText: 'Active' }).waitFor();

    await p.goto('/');
    await heading(p).filter({ hasText: `Hello, ${clinician.name}` }).waitFor();
  });

  step('admin sees both devices and revokes the clinician’s, after confirming', async () => {
    const p = adminPage;
    await p.goto('/admin');
    const devices = p.getByTestId('devices');
    const row = devices.getByRole('row').filter({ hasText: clinician.name });
    await row.waitFor();
    await devices.getByRole('row').filter({ hasText: admin.name }).waitFor();
    assert.equal(await devices.locator('tbody tr').count(), 2);

    await row.getByRole('button', { name: /^Revoke/ }).click();
    const confirm = p.getByTestId('confirm');
    await confirm.waitFor();
    assert.match(await confirm.innerText(), new RegExp(clinician.email.replace(/\./g, '\\.')));
    await check(p, 'admin-revoke-confirm');
    await confirm.getByRole('button', { name: 'Yes, revoke device' }).click();
    await p.getByTestId('device-done').waitFor();
    await row.filter({ hasText: 'Revoked' }).waitFor();
    await check(p, 'admin-revoked');
  });

  step('admin sets the idle time limit, within 1 to 720 minutes', async () => {
    const p = adminPage;
    const field = p.getByLabel('Minutes a session can be unused before it ends');
    await assert.doesNotReject(p.waitForFunction(() => document.querySelector('#idle-timeout')?.value === '15'));
    await field.fill('0');
    await p.getByRole('button', { name: 'Save idle time limit' }).click();
    await p.locator('#idle-timeout-error').waitFor();
    await check(p, 'admin-policy-error');
    await field.fill(String(IDLE_MINUTES));
    await p.getByRole('button', { name: 'Save idle time limit' }).click();
    await p.getByTestId('policy-saved').waitFor();
    await p.reload();
    await p.waitForFunction((m) => document.querySelector('#idle-timeout')?.value === String(m), IDLE_MINUTES);
  });

  step('admin sets the attachment quotas, a person’s within the organisation’s', async () => {
    const p = adminPage;
    await p.waitForFunction(() => document.querySelector('#person-quota')?.value === '1024');
    await p.getByLabel('MiB of attachments one person may store').fill('0');
    await p.getByRole('button', { name: 'Save attachment quotas' }).click();
    await p.locator('#person-quota-error').waitFor();
    await p.getByLabel('MiB of attachments one person may store').fill('4096');
    await p.getByLabel('MiB of attachments the whole organisation may store').fill('2048');
    await p.getByRole('button', { name: 'Save attachment quotas' }).click();
    await p.getByTestId('error-summary').filter({ hasText: 'at least one person' }).waitFor();
    await check(p, 'admin-quotas-error');
    await p.getByLabel('MiB of attachments the whole organisation may store').fill('204800');
    await p.getByRole('button', { name: 'Save attachment quotas' }).click();
    await p.getByTestId('quotas-saved').waitFor();
    await p.reload();
    await p.waitForFunction(() => document.querySelector('#org-quota')?.value === '204800');
  });

  step('the clinician’s next navigation lands on the sign-in page', async () => {
    const p = clinicianPage;
    await p.getByRole('navigation', { name: 'Menu' }).getByRole('link', { name: 'Your account' }).click();
    await p.waitForURL(/\/signin(\?|$)/);
    await heading(p).filter({ hasText: 'Sign in' }).waitFor();
    await p.getByTestId('signin-notice').waitFor();
    await check(p, 'clinician-signed-out');
  });

  step('the audit log lists the actions and its chain verifies', async () => {
    const p = adminPage;
    await p.getByRole('navigation', { name: 'Menu' }).getByRole('link', { name: 'Audit log' }).click();
    await p.waitForURL(/\/audit$/);
    await p.getByTestId('chain-status').filter({ hasText: 'Chain verified' }).waitFor();
    assert.ok((await p.getByTestId('audit').locator('tbody tr').count()) >= 4, 'setup, enrolments, add, revoke');
    await check(p, 'audit');
  });

  step('the account page lists the admin’s devices and sessions', async () => {
    const p = adminPage;
    await p.getByRole('navigation', { name: 'Menu' }).getByRole('link', { name: 'Your account' }).click();
    await p.waitForURL(/\/account$/);
    await p.getByTestId('my-devices').getByText('This device').waitFor();
    await p.getByTestId('my-sessions').getByText('This session').waitFor();
    await check(p, 'account');
  });

  step('pages fit a 375×812 phone screen', async () => {
    const ctx = await newContext(browser, srv.base, {
      viewport: { width: 375, height: 812 },
      isMobile: true,
      hasTouch: true,
      storageState: await adminCtx.storageState(),
    });
    try {
      const p = track(await ctx.newPage());
      for (const [path, name] of [
        ['/', 'phone-home'],
        ['/account', 'phone-account'],
        ['/admin', 'phone-admin'],
        ['/audit', 'phone-audit'],
      ]) {
        await p.goto(path);
        await p.locator('main table, main .nhsuk-card').first().waitFor();
        await check(p, name);
        await noSideScroll(p, name);
      }
      await p.goto(enrolURL);
      await check(p, 'phone-link-not-valid');
      await noSideScroll(p, 'phone-link-not-valid');
    } finally {
      await ctx.close();
    }
  });

  step('pages run under the server’s Content-Security-Policy with no violations', async () => {
    const ctx = await browser.newContext({ baseURL: srv.base, storageState: await adminCtx.storageState() });
    try {
      await ctx.addInitScript(() => {
        window.__csp = [];
        document.addEventListener('securitypolicyviolation', (e) =>
          window.__csp.push(`${e.violatedDirective} ${e.blockedURI}`),
        );
      });
      const p = track(await ctx.newPage());
      for (const path of ['/', '/account', '/admin', '/audit', '/signin']) {
        await p.goto(path);
        await p.locator('main h1').first().waitFor();
        await p.waitForLoadState('networkidle');
        const csp = await p.evaluate(() => window.__csp);
        assert.deepEqual(csp, [], `CSP violations on ${path}`);
        const styled = await p.evaluate(() => getComputedStyle(document.querySelector('.nhsuk-header')).backgroundColor);
        assert.equal(styled, 'rgb(0, 94, 184)', `the NHS blue header is styled on ${path}`);
      }
      assert.deepEqual(p.errors, []);
    } finally {
      await ctx.close();
    }
  });

  step('admin signs out, then signs in again with a new security code', async () => {
    const p = adminPage;
    await p.getByRole('banner').getByRole('button', { name: 'Sign out' }).click();
    await p.waitForURL(/\/signin$/);
    await p.getByTestId('signin-notice').filter({ hasText: 'You have signed out' }).waitFor();
    await check(p, 'signin-signed-out');

    await p.goto('/');
    await p.waitForURL(/\/signin$/);

    await p.getByRole('button', { name: 'Sign in' }).click();
    await errorSummary(p).waitFor();
    await check(p, 'signin-errors');

    await p.getByLabel('Email address').fill(admin.email);
    await p.getByLabel('Password', { exact: true }).fill(admin.password);
    const { code, step: used } = await freshCode(adminSecret, adminStep);
    adminStep = used;
    await p.getByLabel('Security code').fill(code);
    await p.getByRole('button', { name: 'Sign in' }).click();
    await p.waitForURL(`${srv.base}/`);
    await heading(p).filter({ hasText: `Hello, ${admin.name}` }).waitFor();
  });

  step('signing out retires this browser\'s device; signing in again there is one new device', async () => {
    // Nothing of the person stays in the browser after sign-out, the
    // device ID included, and the server retired that device.
    const p = adminPage;
    await p.getByRole('navigation', { name: 'Menu' }).getByRole('link', { name: 'Your account' }).click();
    await p.waitForURL(/\/account$/);
    const rows = p.getByTestId('my-devices').locator('tbody tr');
    await rows.filter({ hasText: 'This device' }).waitFor();
    assert.equal(await rows.filter({ hasText: 'This device' }).count(), 1);
    assert.equal(await rows.count(), 2, 'the device signed out from, and this one');
    assert.equal(await rows.filter({ hasText: 'Revoked' }).count(), 1, 'the device signed out from is retired, not reused');
  });

  step('a page left unused for the idle time limit signs itself out', async () => {
    const ctx = await newContext(browser, srv.base, { storageState: await adminCtx.storageState() });
    try {
      await ctx.clock.install();
      const p = track(await ctx.newPage());
      await p.goto('/account');
      await heading(p).filter({ hasText: 'Your account' }).waitFor();
      const signOuts = [];
      p.on('request', (r) => r.method() === 'DELETE' && r.url().endsWith('/api/session') && signOuts.push(r));
      await p.clock.fastForward((IDLE_MINUTES * 60 - 30) * 1000);
      // A sign-out would start in the timer that fast-forwarding ran; a
      // request made after it is reported after it.
      const status = await p.evaluate(async () => (await fetch('/api/me')).status);
      assert.equal(signOuts.length, 0, 'no sign-out just before the limit');
      assert.equal(status, 200, 'the session is still good just before the limit');
      assert.match(p.url(), /\/account$/, 'still signed in just before the limit');
      await p.clock.fastForward(60 * 1000);
      await p.waitForURL(/\/signin/);
      await p.getByTestId('signin-notice').filter({ hasText: 'not used' }).waitFor();
      await check(p, 'signin-idle');
    } finally {
      await ctx.close();
    }
  });

  step('a wrong security code is refused without saying which part was wrong', async () => {
    const p = adminPage;
    await p.getByRole('banner').getByRole('button', { name: 'Sign out' }).click();
    await p.waitForURL(/\/signin$/);
    await p.getByLabel('Email address').fill(admin.email);
    await p.getByLabel('Password', { exact: true }).fill(admin.password);
    const wrong = String((Number(await serverCode(adminSecret)) + 500000) % 1000000).padStart(6, '0');
    await p.getByLabel('Security code').fill(wrong);
    await p.getByRole('button', { name: 'Sign in' }).click();
    await errorSummary(p).waitFor();
    assert.match(await errorSummary(p).innerText(), /email, password or security code/i);
    assert.match(p.url(), /\/signin$/);
    await check(p, 'signin-wrong-code');
  });

  step('after too many failed sign-ins the server’s sentence says when to try again', async () => {
    const p = clinicianPage;
    await p.goto('/signin');
    let text = '';
    for (let i = 0; i < 10 && !/try again|locked/i.test(text); i++) {
      await p.getByLabel('Email address').fill(clinician.email);
      await p.getByLabel('Password', { exact: true }).fill(`${clinician.password}-wrong`);
      await p.getByLabel('Security code').fill(await serverCode(clinicianSecret));
      const answered = p.waitForResponse((r) => r.url().endsWith('/api/session'));
      await p.getByRole('button', { name: 'Sign in' }).click();
      const res = await answered;
      if (res.status() === 429) {
        const summary = errorSummary(p).filter({ hasText: /try again|locked/i });
        await summary.waitFor();
        text = await summary.innerText();
      } else {
        assert.equal(res.status(), 401);
        await errorSummary(p).waitFor();
      }
    }
    assert.match(text, /try again|locked/i, 'a 429 sentence is shown');
    await check(p, 'signin-too-many');
  });
  // signInAs fills in the sign-in page and submits it.
  const signInAs = async (p, who, code) => {
    await p.getByLabel('Email address').fill(who.email);
    await p.getByLabel('Password', { exact: true }).fill(who.password);
    await p.getByLabel('Security code').fill(code);
    await p.getByRole('button', { name: 'Sign in' }).click();
  };
  const clinicianRow = () => adminPage.getByTestId('users').getByRole('row').filter({ hasText: clinician.email });

  step('the admin sees the clinician locked until a time, and unlocks them', async () => {
    const p = adminPage;
    await p.goto('/signin');
    const { code, step: used } = await freshCode(adminSecret, adminStep);
    adminStep = used;
    await signInAs(p, admin, code);
    await p.waitForURL(`${srv.base}/`);
    await p.goto('/admin');
    const row = clinicianRow();
    await row.filter({ hasText: /Locked until \d\d:\d\d/ }).waitFor();
    await row.getByRole('button', { name: `Unlock for ${clinician.name}` }).click();
    await p.getByTestId('account-done').filter({ hasText: `${clinician.name} has been unlocked` }).waitFor();
    await row.filter({ hasText: 'Active' }).waitFor();
    assert.equal(await row.getByRole('button', { name: /^Unlock/ }).count(), 0, 'no Unlock once unlocked');

    const c = clinicianPage;
    await c.goto('/signin');
    const fresh = await freshCode(clinicianSecret, clinicianStep);
    clinicianStep = fresh.step;
    await signInAs(c, clinician, fresh.code);
    await c.waitForURL(`${srv.base}/`);
    await heading(c).filter({ hasText: `Hello, ${clinician.name}` }).waitFor();
  });

  step('the admin changes the clinician’s roles, and must leave at least one', async () => {
    const p = adminPage;
    const row = clinicianRow();
    await row.getByRole('button', { name: `Change roles for ${clinician.name}` }).click();
    const form = p.getByTestId('change-roles');
    await form.waitFor();
    assert.ok(await form.evaluate((el) => el === document.activeElement), 'focus moves to the form');
    assert.ok(await form.getByLabel('Clinician').isChecked(), 'the current roles are ticked');
    assert.ok(!(await form.getByLabel('Administrator').isChecked()));

    await form.getByLabel('Clinician').uncheck();
    await form.getByRole('button', { name: `Save roles for ${clinician.name}` }).click();
    await errorSummary(p).filter({ hasText: 'Select at least one role' }).waitFor();
    await check(p, 'admin-change-roles-error');

    await form.getByLabel('Clinician').check();
    await form.getByLabel('Data protection officer').check();
    await form.getByRole('button', { name: `Save roles for ${clinician.name}` }).click();
    await p.getByTestId('account-done').filter({ hasText: 'roles are now Clinician and Data protection officer' }).waitFor();
    await form.waitFor({ state: 'detached' });
    await row.filter({ hasText: 'Clinician, Data protection officer' }).waitFor();
  });

  step('the admin disables the clinician after confirming: the open page signs out and sign-in is refused', async () => {
    const p = adminPage;
    const row = clinicianRow();
    assert.equal(
      await p.getByTestId('users').getByRole('row').filter({ hasText: admin.email }).getByRole('button', { name: /^Disable/ }).count(),
      0,
      'no Disable for the admin’s own account',
    );
    await row.getByRole('button', { name: `Disable account for ${clinician.name}` }).click();
    const confirm = p.getByTestId('confirm');
    await confirm.waitFor();
    const said = await confirm.innerText();
    for (const consequence of [/signed out everywhere/, /revoked/, /removed from their conversations/]) {
      assert.match(said, consequence);
    }
    await check(p, 'admin-disable-confirm');
    await confirm.getByRole('button', { name: 'Yes, disable account' }).click();
    await p.getByTestId('account-done').filter({ hasText: 'has been disabled' }).waitFor();
    await row.filter({ hasText: 'Disabled' }).waitFor();
    await row.getByRole('button', { name: `Enable account for ${clinician.name}` }).waitFor();
    const theirs = p.getByTestId('devices').locator('tbody tr').filter({ hasText: clinician.name });
    await theirs.first().waitFor();
    assert.equal(await theirs.filter({ hasText: 'Active' }).count(), 0, 'every device of theirs is revoked');
    await check(p, 'admin-accounts');

    const c = clinicianPage;
    await c.getByRole('navigation', { name: 'Menu' }).getByRole('link', { name: 'Your account' }).click();
    await c.waitForURL(/\/signin(\?|$)/);
    await c.getByTestId('signin-notice').waitFor();
    const { code } = await freshCode(clinicianSecret, clinicianStep);
    await signInAs(c, clinician, code);
    await errorSummary(c).filter({ hasText: 'This account has been disabled; ask your organisation\'s administrator.' }).waitFor();
    assert.match(c.url(), /\/signin/);
    await check(c, 'signin-disabled');
  });

  step('the admin enables the clinician again, who signs in on a new device', async () => {
    const p = adminPage;
    const row = clinicianRow();
    await row.getByRole('button', { name: `Enable account for ${clinician.name}` }).click();
    await p.getByTestId('account-done').filter({ hasText: 'has been enabled' }).waitFor();
    await row.filter({ hasText: 'Active' }).waitFor();

    const c = clinicianPage;
    const { code, step: used } = await freshCode(clinicianSecret, clinicianStep);
    clinicianStep = used;
    await signInAs(c, clinician, code);
    await c.waitForURL(`${srv.base}/account`); // back on the page they were on
    await c.getByRole('navigation', { name: 'Menu' }).getByRole('link', { name: 'Home' }).click();
    assert.match(await c.getByTestId('whoami').innerText(), /Data protection officer/);
    await c.goto('/account');
    const mine = c.getByTestId('my-devices').locator('tbody tr');
    await mine.filter({ hasText: 'This device' }).filter({ hasText: 'Active' }).waitFor();
    assert.ok((await mine.filter({ hasText: 'Revoked' }).count()) >= 1, 'the old devices stay revoked');
  });
});
