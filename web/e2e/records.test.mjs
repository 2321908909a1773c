// Records rules in the web app, end to end in headless Chromium: an admin
// sets how long team conversations are kept and that filed messages go at
// once; a conversation of the team kind says so above it; a message is
// filed to the record with a summary and FHIR file, then is gone from the
// other member's page and, after a reload, from the browser's own store;
// the deletion receipt lists both devices; the DPO places a legal hold,
// members see that one applies, and the DPO releases it. Two people of
// their own organisation. Run by TestBrowserMessaging in cmd/switchboard
// (-run 'TestBrowserMessaging/records').
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe } from 'node:test';
import { check, choosePIN, launch, phoneSignIn, screenshotDir, steps } from './browser.mjs';

const base = (process.env.SWITCHBOARD_URL ?? '').replace(/\/+$/, '');
const users = JSON.parse(process.env.SWITCHBOARD_USERS ?? '[]');
const ida = users.find((u) => u.email.startsWith('ida.'));
const jon = users.find((u) => u.email.startsWith('jon.'));
const PIN = { [ida?.email]: '318604', [jon?.email]: '952713' };
const FILED = `Bed 9 obs stable zq${randomBytes(6).toString('hex')}`;
const WHERE = 'EMIS, consultation 4 Dec 2026';

describe('records rules: retention, filing to the record, legal holds', { concurrency: false }, () => {
  let browser;
  const pages = {};
  const lastStep = {};
  let convURL = '';
  let receiptURL = '';
  const step = steps('records', pages);
  const heading = (p) => p.locator('main h1').first();
  const menu = (p, name) => p.getByRole('navigation', { name: 'Menu' }).getByRole('link', { name, exact: true }).click();

  const open = phoneSignIn(() => browser, base, pages, lastStep);

  // openConversation opens the conversation from the list, in the page
  // (a full load would lock messaging again).
  const openConversation = async (p) => {
    await menu(p, 'Messages');
    await p.getByTestId('conversations').getByRole('link', { name: 'Dr Ida Moss and Jon Park' }).click();
    await p.waitForURL(`${base}${convURL}`);
  };

  const unlock = async (p, who) => {
    await p.getByLabel('PIN', { exact: true }).fill(PIN[who.email]);
    await p.getByRole('button', { name: 'Unlock' }).click();
  };

  before(async () => {
    assert.ok(base && ida && jon, 'SWITCHBOARD_URL and SWITCHBOARD_USERS must be set (the Go test does)');
    browser = await launch();
  });

  after(async () => {
    await browser?.close();
    console.log(`# screenshots in ${screenshotDir}`);
  });

  step('both choose PINs', async () => {
    for (const who of [ida, jon]) await choosePIN(await open(who), PIN[who.email]);
  });

  step('the admin keeps team conversations 30 days and deletes filed messages at once', async () => {
    const p = pages[ida.email];
    await menu(p, 'Users and devices');
    await p.getByRole('heading', { name: 'How long messages are kept' }).waitFor();
    await p.getByLabel('Keep messages for').fill('-1d');
    await p.getByRole('button', { name: 'Save the limit' }).click();
    await p.getByTestId('error-summary').getByText('at least an hour').waitFor();
    await p.getByRole('radio', { name: 'Team' }).check();
    await p.getByLabel('Keep messages for').fill('30d');
    await p.getByRole('button', { name: 'Save the limit' }).click();
    await p.getByTestId('retention-saved').waitFor();
    await p.getByTestId('retention-rules').getByText('30 days').waitFor();
    await p.getByLabel('Delete filed messages after').fill('0s');
    await p.getByRole('button', { name: 'Save the grace period' }).click();
    await p.getByTestId('grace-saved').waitFor();
    await check(p, 'records-admin-retention');
  });

  step('a team conversation says how long it is kept', async () => {
    const p = pages[ida.email];
    await menu(p, 'Messages');
    await p.getByRole('button', { name: 'New conversation' }).click();
    await p.getByLabel('Search by name, email, role or team').fill('Jon');
    await p.getByRole('button', { name: /^Choose Jon/ }).click();
    await p.getByRole('radio', { name: 'Team' }).check();
    await check(p, 'records-new-conversation-kind');
    await p.getByRole('button', { name: 'Start conversation' }).click();
    await p.waitForURL(/\/messages\/[0-9a-f]{32}$/, { timeout: 30_000 });
    convURL = new URL(p.url()).pathname;
    await p.getByTestId('kept').getByText('Team · messages deleted after 30 days').waitFor();
    await p.getByLabel('Message', { exact: true }).fill(FILED);
    await p.getByRole('button', { name: 'Send', exact: true }).click();
    await p.getByTestId('messages').getByText(FILED).waitFor();
    const j = pages[jon.email];
    await openConversation(j);
    await j.getByTestId('messages').getByText(FILED).waitFor({ timeout: 30_000 });
    await j.getByTestId('kept').getByText(/^Team ·/).waitFor();
  });

  step('the message is filed to the record, with a summary and FHIR', async () => {
    const p = pages[ida.email];
    await p.getByRole('link', { name: 'File to the record' }).click();
    await heading(p).filter({ hasText: 'File messages to the record' }).waitFor();
    await p.getByRole('button', { name: 'File to the record' }).click();
    await p.getByTestId('error-summary').getByText('Choose at least one message to file').waitFor();
    await check(p, 'records-file-errors');
    await p.getByRole('checkbox', { name: new RegExp(FILED) }).check();
    await p.getByLabel('Where did you file them?').fill(WHERE);
    await p.getByRole('button', { name: 'File to the record' }).click();
    await p.getByTestId('filed').waitFor({ timeout: 30_000 });
    assert.match(await p.getByTestId('summary').inputValue(), new RegExp(FILED));
    const href = await p.getByTestId('fhir').getAttribute('href');
    const fhir = await p.evaluate((u) => fetch(u).then((r) => r.json()), href);
    assert.equal(fhir.resourceType, 'Bundle');
    assert.equal(fhir.entry[0].resource.payload[0].contentString, FILED);
    await check(p, 'records-filed');
    await p.getByRole('link', { name: 'See the deletion receipt' }).click();
    receiptURL = new URL(p.url()).pathname;
    await heading(p).filter({ hasText: 'Deletion receipt' }).waitFor();
  });

  step('the filed message is deleted on both devices, which confirm', async () => {
    const j = pages[jon.email];
    await j.getByTestId('filed-mark').getByText(WHERE).waitFor({ timeout: 30_000 });
    await j.getByTestId('messages').getByText(FILED).waitFor({ state: 'detached', timeout: 30_000 });
    // Read back from the browser's own store, after a reload.
    await j.reload();
    await unlock(j, jon);
    await j.getByTestId('filed-mark').waitFor({ timeout: 30_000 });
    assert.equal(await j.getByTestId('messages').getByText(FILED).count(), 0, 'the filed message is still in the store');
    const p = pages[ida.email];
    for (let i = 0; i < 60; i++) {
      await p.getByRole('button', { name: 'Check again' }).click();
      const state = await p.getByTestId('filing-state').textContent();
      if (state.includes('2 of 2 devices')) break;
      await p.waitForTimeout(500);
    }
    await p.getByTestId('filing-state').getByText('2 of 2 devices have confirmed').waitFor();
    await check(p, 'records-receipt');
    assert.ok(receiptURL.startsWith('/filings/'));
  });

  step('the DPO places a legal hold; members see one applies; the DPO releases it', async () => {
    const p = pages[ida.email];
    await menu(p, 'Legal holds');
    await heading(p).filter({ hasText: 'Legal holds' }).waitFor();
    await p.getByRole('button', { name: 'Place the hold' }).click();
    await p.getByTestId('error-summary').getByText('Enter the case reference').waitFor();
    await p.getByLabel('Conversation ID').fill(convURL.split('/').pop());
    await p.getByLabel('Case reference').fill('FOI-2026-0042');
    await p.getByRole('button', { name: 'Place the hold' }).click();
    await p.getByTestId('hold-placed').waitFor();
    await p.getByTestId('holds').getByRole('cell', { name: 'FOI-2026-0042', exact: true }).waitFor();
    await check(p, 'records-holds');
    const j = pages[jon.email];
    await openConversation(j);
    await j.getByTestId('kept').getByText('a legal hold applies').waitFor({ timeout: 30_000 });
    assert.ok(!(await j.getByTestId('kept').textContent()).includes('FOI'), 'members see why a hold applies');
    await p.getByRole('button', { name: /^Release/ }).click();
    await p.getByTestId('hold-released').waitFor();
  });

  step('an admin of the organisation changes the conversation kind; members cannot', async () => {
    const j = pages[jon.email];
    await j.getByRole('link', { name: 'Members and safety codes' }).click();
    await heading(j).filter({ hasText: 'Members and safety codes' }).waitFor();
    assert.equal(await j.getByRole('heading', { name: 'Kind of conversation' }).count(), 0, 'a member is offered the kind');
    const p = pages[ida.email];
    await openConversation(p);
    await p.getByRole('link', { name: 'Members and safety codes' }).click();
    await p.getByRole('radio', { name: 'Clinical' }).check();
    await p.getByRole('button', { name: 'Change the kind' }).click();
    await p.getByTestId('kind-changed').getByText('This is now a clinical conversation.').waitFor();
    await check(p, 'records-kind');
  });
});
