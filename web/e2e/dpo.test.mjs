// The data protection officer's console in the web app, end to end in
// headless Chromium at phone size, with axe-core on every screen: "I lost
// my phone" from the Account page, the breach and complaint log with its
// 72-hour ICO clock and the 24-hour reminder (the server's clock moved,
// not waited for), the software register with its light DPIA, and the
// role checks. Run by TestBrowserDPO in cmd/switchboard.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe } from 'node:test';
import { check, launch, screenshotDir, signIn as signInAs, steps, track } from './browser.mjs';
import { advanceServer, serverNow } from './totp.mjs';

const base = (process.env.SWITCHBOARD_URL ?? '').replace(/\/+$/, '');
const users = JSON.parse(process.env.SWITCHBOARD_USERS ?? '[]');
const dee = users.find((u) => u.email.startsWith('dee.'));
const nat = users.find((u) => u.email.startsWith('nat.'));
const ann = users.find((u) => u.email.startsWith('ann.'));

describe("the DPO's console", { concurrency: false }, () => {
  let browser;
  const pages = {};
  const lastStep = {};
  let breachURL = '';

  const step = steps('dpo', pages);
  const heading = (p) => p.locator('main h1').first();
  const menu = (p, name) => p.getByRole('navigation', { name: 'Menu' }).getByRole('link', { name, exact: true }).click();

  const open = async (who, name, device = 'phone') => {
    const ctx = await browser.newContext({ baseURL: base, bypassCSP: true, locale: 'en-GB', viewport: { width: 390, height: 844 } });
    ctx.setDefaultTimeout(20_000);
    const p = track(await ctx.newPage());
    pages[name] = p;
    await signIn(p, who);
    p.device = device;
    return p;
  };

  const signIn = (p, who) => signInAs(p, base, who, lastStep);

  before(async () => {
    assert.ok(base && dee && nat && ann, 'SWITCHBOARD_URL and SWITCHBOARD_USERS must be set (the Go test does)');
    browser = await launch();
  });

  after(async () => {
    await browser?.close();
    console.log(`# screenshots in ${screenshotDir}`);
  });

  step('a clinician reports, from their laptop, that their phone is lost: it is signed out at once', async () => {
    const phone = await open(nat, 'nat-phone');
    const laptop = await open(nat, 'nat-laptop');
    await menu(laptop, 'Your account');
    await heading(laptop).filter({ hasText: 'Your account' }).waitFor();
    const rows = laptop.getByTestId('my-devices').getByRole('row');
    await rows.nth(2).waitFor();
    await check(laptop, 'dpo-account');
    // The phone is the row that is not "This device".
    const phoneRow = rows.filter({ hasNot: laptop.getByText('This device') }).nth(1);
    await phoneRow.getByRole('button', { name: /Lost or stolen/ }).click();
    await laptop.getByTestId('confirm').waitFor();
    await check(laptop, 'dpo-lost-confirm');
    await laptop.getByRole('button', { name: 'Yes, it is lost or stolen' }).click();
    await laptop.getByTestId('done').filter({ hasText: 'the data protection officer has been told' }).waitFor();
    await check(laptop, 'dpo-lost-done');
    // The phone's next request is refused and the app returns to sign-in.
    await phone.reload();
    await phone.waitForURL(/\/signin/);
  });

  step('the clinician is refused the breach log', async () => {
    const laptop = pages['nat-laptop'];
    assert.equal(await laptop.getByRole('navigation', { name: 'Menu' }).getByRole('link', { name: 'Breach log' }).count(), 0);
    await laptop.goto('/dpo');
    await heading(laptop).filter({ hasText: /not allowed|permission|cannot/i }).waitFor();
    await check(laptop, 'dpo-refused');
  });

  step('the DPO finds the near miss, naming the device and its app lock', async () => {
    const p = await open(dee, 'dee');
    await menu(p, 'Breach log');
    await heading(p).filter({ hasText: 'Breach and complaint log' }).waitFor();
    const open_ = p.getByTestId('open-breaches');
    await open_.getByText('Lost or stolen device').waitFor();
    await check(p, 'dpo-log');
    await open_.getByRole('link', { name: /View/ }).first().click();
    await heading(p).filter({ hasText: 'Lost or stolen device' }).waitFor();
    const summary = p.getByTestId('breach-summary');
    await summary.getByText(/reported lost or stolen by its owner/).waitFor();
    await summary.getByText(/App lock: off/).waitFor(); // the phone never set up secure messaging
    await check(p, 'dpo-near-miss');
  });

  step('a summary with an NHS number is refused with a sentence, and nothing is saved', async () => {
    const p = pages.dee;
    await p.getByRole('link', { name: 'Breach and complaint log' }).click();
    const form = p.getByTestId('new-breach');
    await form.getByLabel('Breach', { exact: true }).check();
    await form.getByLabel('What is it about?').selectOption('misdirected-message');
    await form.getByLabel('What happened').fill('Ward round list for 943 476 5919 emailed to the wrong team');
    await form.getByRole('button', { name: 'Record it' }).click();
    await p.getByTestId('error-summary').getByText('The summary holds an NHS number.', { exact: false }).waitFor();
    await check(p, 'dpo-nhs-number-refused');
    assert.equal(await p.getByTestId('open-breaches').getByRole('row').count(), 2, 'only the near miss is in the log');
  });

  step('the DPO records a reportable breach and its 72-hour clock runs', async () => {
    const p = pages.dee;
    const form = p.getByTestId('new-breach');
    await form.getByLabel('What happened').fill('Ward round list emailed to the wrong team; recalled within the hour');
    await form.getByLabel('How many people are affected, if known').fill('12');
    await form.getByLabel(/Reportable to the ICO/).check();
    await form.getByRole('button', { name: 'Record it' }).click();
    await p.getByTestId('done').filter({ hasText: 'You recorded a breach' }).waitFor();
    const clock = p.getByTestId('open-breaches').getByTestId('ico-clock');
    await clock.filter({ hasText: /^7[12] hours \d+ minutes? left to report to the ICO$/ }).waitFor();
    await check(p, 'dpo-clock');
    await p.getByTestId('open-breaches').getByRole('row').filter({ hasText: 'wrong person' }).getByRole('link', { name: /View/ }).click();
    await heading(p).filter({ hasText: 'Message or document sent to the wrong person' }).waitFor();
    breachURL = p.url();
    await check(p, 'dpo-breach');
  });

  step('24 hours on, the DPO has been reminded and the clock shows the time left', async () => {
    await advanceServer(24 * 3600_000 + 60_000);
    const p = pages.dee;
    await signIn(p, dee); // the session ended while the clock moved
    await p.goto(breachURL);
    const history = p.getByTestId('breach-history');
    for (let i = 0; i < 60 && !(await history.getByText(/24-hour reminder sent/).count()); i++) {
      await p.waitForTimeout(500); // the reminder sweep runs every few seconds of the machine's clock
      await p.reload();
    }
    await history.getByText(/24-hour reminder sent/).waitFor();
    await p.getByTestId('breach-summary').getByTestId('ico-clock').filter({ hasText: /^4[67] hours/ }).waitFor();
    await check(p, 'dpo-reminded');
  });

  step('the DPO records that the ICO was told and closes the entry; its history is kept', async () => {
    const p = pages.dee;
    await p.getByRole('button', { name: 'Record that the ICO was told' }).click();
    await p.getByTestId('done').filter({ hasText: 'the ICO has been told' }).waitFor();
    await p.getByRole('button', { name: 'Close the entry' }).click();
    await p.getByTestId('done').filter({ hasText: 'You closed the entry' }).waitFor();
    const history = p.getByTestId('breach-history');
    for (const what of ['Opened as a breach', '24-hour reminder', 'Reported to the ICO', 'Closed']) {
      await history.getByText(what, { exact: false }).first().waitFor();
    }
    await check(p, 'dpo-closed');
  });

  step("an admin reports the clinician's laptop lost on their behalf, and reads the log without the form", async () => {
    const p = await open(ann, 'ann');
    await menu(p, 'Users and devices');
    const row = p.getByTestId('devices').getByRole('row').filter({ hasText: nat.email }).filter({ hasText: 'Active' });
    await row.getByRole('button', { name: /Lost or stolen/ }).click();
    await p.getByRole('button', { name: 'Yes, it is lost or stolen' }).click();
    await p.getByTestId('device-done').filter({ hasText: 'is reported lost or stolen' }).waitFor();
    await check(p, 'dpo-admin-lost');
    await pages['nat-laptop'].reload();
    await pages['nat-laptop'].waitForURL(/\/signin/);
    await menu(p, 'Breach log');
    await p.getByTestId('closed-breaches').waitFor();
    assert.equal(await p.getByTestId('open-breaches').getByRole('row').filter({ hasText: 'Lost or stolen device' }).count(), 2);
    assert.equal(await p.getByTestId('new-breach').count(), 0);
    await check(p, 'dpo-admin');
  });
  step('the DPO reviews Switchboard in the software register and adds a tool; a past review date is refused', async () => {
    const p = pages.dee;
    const today = new Date(await serverNow());
    const iso = (d) => d.toISOString().slice(0, 10);
    const inAYear = new Date(today.getTime() + 365 * 86400_000);
    await menu(p, 'Software register');
    await heading(p).filter({ hasText: 'Software register' }).waitFor();
    await p.getByTestId('register').getByRole('link', { name: /^Switchboard/ }).waitFor();
    await check(p, 'register');
    await p.getByRole('button', { name: /^Review Switchboard/ }).click();
    const form = p.getByTestId('register-form');
    await form.getByLabel('Lawful basis (UK GDPR Article 6)').selectOption('public-task');
    await form.getByLabel('Status').selectOption('approved');
    await form.getByLabel('Approved on').fill(iso(today));
    await form.getByLabel('Approved by').fill('Dee Hart, DPO');
    await form.getByLabel('Next review').fill(iso(inAYear));
    await form.getByLabel(/sensitive data or data of a highly personal nature/).check();
    await check(p, 'register-review');
    await form.getByRole('button', { name: 'Save' }).click();
    await p.getByTestId('done').filter({ hasText: 'You saved your review of Switchboard' }).waitFor();

    await p.getByRole('button', { name: 'Add a tool' }).click();
    const add = p.getByTestId('register-form');
    await add.getByLabel('Tool').fill('Rota Cloud');
    await add.getByLabel('Supplier').fill('Rotas Ltd');
    await add.getByLabel('What it is used for').fill('Staff rotas and shift swaps');
    await add.getByLabel('Kinds of personal data it holds').fill('Staff names, work phone numbers, shifts');
    await add.getByLabel('Where the data is hosted').fill('UK (London)');
    await add.getByLabel('Lawful basis (UK GDPR Article 6)').selectOption('contract');
    await add.getByLabel('Next review').fill(iso(new Date(today.getTime() - 86400_000)));
    await add.getByRole('button', { name: 'Save' }).click();
    await p.getByTestId('error-summary').getByText('The next review date cannot be in the past.').waitFor();
    await check(p, 'register-refused');
    await add.getByLabel('Next review').fill(iso(inAYear));
    await add.getByLabel(/data about vulnerable people/).check();
    await add.getByLabel(/sensitive data or data of a highly personal nature/).check();
    await add.getByRole('button', { name: 'Save' }).click();
    await p.getByTestId('done').filter({ hasText: 'You added Rota Cloud' }).waitFor();
    const row = p.getByTestId('register').getByRole('row').filter({ hasText: 'Rota Cloud' });
    await row.filter({ hasText: /Full DPIA\s*Needed/ }).waitFor();
    await p.getByTestId('register-changes').getByText('Added Rota Cloud.').waitFor();
  });

  step('a clinician reads the register, as a page and as JSON and CSV, and cannot change it', async () => {
    const p = await open(nat, 'nat-desk');
    assert.equal(await p.getByRole('navigation', { name: 'Menu' }).getByRole('link', { name: 'Software register' }).count(), 0);
    await p.getByRole('link', { name: 'Software register' }).click(); // the card on the home page
    await p.getByTestId('register').getByRole('row').filter({ hasText: 'Rota Cloud' }).waitFor();
    await p.getByTestId('register').getByRole('row').filter({ hasText: 'Approved' }).waitFor();
    assert.equal(await p.getByRole('button', { name: 'Add a tool' }).count(), 0);
    assert.equal(await p.getByRole('button', { name: /^Review/ }).count(), 0);
    await check(p, 'register-clinician');
    const [json, csv] = await p.evaluate(async () => [
      await (await fetch('/register.json')).json(),
      await (await fetch('/register.csv')).text(),
    ]);
    assert.equal(json.entries.length, 2);
    assert.ok(csv.startsWith('name,supplier,'));
  });
  step('the DPO filters the audit log, verifies the chain from the page and exports a range with its proof', async () => {
    const p = pages.dee;
    await menu(p, 'Audit log');
    await heading(p).filter({ hasText: 'Audit log' }).waitFor();
    const filters = p.getByTestId('audit-filters');
    await filters.getByLabel('Action').fill('breach');
    await filters.getByRole('button', { name: 'Apply filters' }).click();
    const actions = p.getByTestId('audit').locator('tbody code');
    await p.waitForFunction(() => {
      const cells = [...document.querySelectorAll('[data-testid="audit"] tbody code')].map((c) => c.textContent ?? '');
      return cells.length > 0 && cells.every((a) => a.startsWith('breach.'));
    });
    await check(p, 'audit-filtered');
    // Each of the entry's actions, by name: the page views (one for each
    // reload while the reminder was awaited) may fill the family's first page.
    for (const want of ['breach.open', 'breach.remind', 'breach.closed', 'breach.view']) {
      await filters.getByLabel('Action').fill(want);
      await filters.getByRole('button', { name: 'Apply filters' }).click();
      await p.waitForFunction((want) => {
        const cells = [...document.querySelectorAll('[data-testid="audit"] tbody code')].map((c) => c.textContent ?? '');
        return cells.length > 0 && cells.every((a) => a === want);
      }, want);
      assert.ok((await actions.allTextContents()).includes(want), `no ${want} entry in the audit log`);
    }
    await filters.getByLabel('Action').fill('breach');
    await filters.getByRole('button', { name: 'Apply filters' }).click();
    await p.waitForFunction(() => {
      const cells = [...document.querySelectorAll('[data-testid="audit"] tbody code')].map((c) => c.textContent ?? '');
      return cells.some((a) => a !== 'breach.view');
    });
    await p.getByRole('button', { name: 'Verify the chain now' }).click();
    await p.getByTestId('verify-result').filter({ hasText: 'Intact' }).waitFor();
    await check(p, 'audit-verified');
    const [download] = await Promise.all([p.waitForEvent('download'), p.getByTestId('audit-export').click()]);
    const x = JSON.parse(readFileSync(await download.path(), 'utf8'));
    assert.equal(x.format, 'switchboard-audit-export/1');
    assert.ok(x.verified && x.chain.length > 0 && x.head_hash.length === 64);
    assert.ok(x.chain.some((it) => it.action === 'breach.closed'));
    assert.ok(x.chain.every((it) => it.link || it.action.startsWith('breach.')), 'entries the filter leaves out are hashes only');
  });
  step('the DPO downloads the DPIA pack from their page, its sections in the PDF', async () => {
    const p = pages.dee;
    await menu(p, 'Breach log');
    await heading(p).filter({ hasText: 'Breach and complaint log' }).waitFor();
    const [download] = await Promise.all([p.waitForEvent('download'), p.getByTestId('dpia-pdf').click()]);
    const pdf = readFileSync(await download.path(), 'latin1');
    assert.ok(pdf.startsWith('%PDF-'));
    const text = [...pdf.matchAll(/\(((?:[^()\\]|\\.)*)\)\s*Tj/g)].map((m) => m[1].replace(/\\([()\\])/g, '$1')).join('\n');
    for (const section of ['1. About this pack', '2. Data flows', '3. What the server can and cannot see', '4. Retention and holds',
      '5. Sub-processors', '6. Security controls', '7. NHS guidance enforced', '8. DPIA screening', '9. Clinical safety hazard log (DCB0129)']) {
      assert.ok(text.includes(section), `the PDF has the section ${section}`);
    }
    assert.ok(text.includes('Status in the software register: approved'), 'the pack reflects the review of Switchboard');
    await check(p, 'dpia-links');
    const [html] = await Promise.all([p.context().waitForEvent('page'), p.getByTestId('dpia-html').click()]);
    track(html);
    await html.locator('main h1').filter({ hasText: 'DPIA pack' }).waitFor();
    await html.getByRole('heading', { name: '9. Clinical safety hazard log (DCB0129)' }).waitFor();
    await check(html, 'dpia-html');
    await html.close();
  });
});
