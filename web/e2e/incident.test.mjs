// Duty roles, urgent bleeps and a major incident exercise in the web app,
// end to end in headless Chromium at phone size: an admin sets up a duty
// role, its rota and a call-in list; the holder sees the role; the admin
// declares an EXERCISE to the list; the holder answers the roll-call in one
// tap and both boards move; the list is stood down, the incident closed and
// its log exported; an urgent bleep is acknowledged. Two people of their
// own organisation, each in their own browser context. Run by
// TestBrowserMessaging in cmd/switchboard (-run 'TestBrowserMessaging/incident').
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe } from 'node:test';
import { check, choosePIN as choosePINIn, launch, phoneSignIn, screenshotDir, steps } from './browser.mjs';
import { advanceServer } from './totp.mjs';

const base = (process.env.SWITCHBOARD_URL ?? '').replace(/\/+$/, '');
const users = JSON.parse(process.env.SWITCHBOARD_USERS ?? '[]');
const fay = users.find((u) => u.email.startsWith('fay.'));
const gus = users.find((u) => u.email.startsWith('gus.'));
const hal = users.find((u) => u.email.startsWith('hal.'));
const PIN = { [fay?.email]: '724913', [gus?.email]: '580362' };
const ROLE = 'Anaesthetist on call';
const LIST = 'Anaesthetists';
const LOCATION = 'Car park B, north entrance';

describe('duty roles, urgent bleeps and a major incident exercise', { concurrency: false }, () => {
  let browser;
  const pages = {};
  const lastStep = {};
  let boardURL = '';

  const step = steps('incident', pages);

  const heading = (p) => p.locator('main h1').first();
  const menu = (p, name) => p.getByRole('navigation', { name: 'Menu' }).getByRole('link', { name, exact: true }).click();
  // Major incidents are a link on the duty roles page.
  const incidents = async (p) => {
    await menu(p, 'Duty roles');
    await p.getByTestId('incidents-link').click();
  };

  const open = phoneSignIn(() => browser, base, pages, lastStep);

  const choosePIN = (p, who) => choosePINIn(p, PIN[who.email]);

  before(async () => {
    assert.ok(base && fay && gus && hal, 'SWITCHBOARD_URL and SWITCHBOARD_USERS must be set (the Go test does)');
    browser = await launch();
  });

  after(async () => {
    await browser?.close();
    console.log(`# screenshots in ${screenshotDir}`);
  });

  step('both choose PINs, so their devices can be called in', async () => {
    for (const who of [fay, gus]) await choosePIN(await open(who), who);
  });

  step('the admin adds a duty role, puts the holder on its rota and makes a call-in list', async () => {
    const f = pages[fay.email];
    await menu(f, 'Users and devices');
    await heading(f).filter({ hasText: 'Users and devices' }).waitFor();
    const duty = f.getByTestId('duty-admin');
    await duty.getByText('No duty roles yet.').waitFor();

    // Checked here, not only at the server.
    await duty.getByLabel('Minutes without acknowledgement before escalating').fill('0');
    await duty.getByRole('button', { name: 'Add duty role' }).click();
    await duty.getByTestId('error-summary').filter({ hasText: 'Enter the duty role’s name' }).waitFor();
    await duty.getByTestId('error-summary').filter({ hasText: 'from 1 to 1440' }).waitFor();
    await check(f, 'incident-admin-role-errors');

    await duty.getByLabel('Role name').fill(ROLE);
    await duty.getByLabel(/Urgent bleeps escalate to/).fill(hal.email);
    await duty.getByLabel('Minutes without acknowledgement before escalating').fill('10');
    await duty.getByLabel(/may declare a major incident/).check();
    await duty.getByRole('button', { name: 'Add duty role' }).click();
    await f.getByTestId('role-added').filter({ hasText: ROLE }).waitFor();
    const row = f.getByTestId('duty-roles-table').getByRole('row').filter({ hasText: ROLE });
    await row.filter({ hasText: 'Nobody' }).waitFor();
    assert.match(await row.innerText(), /10 minutes/);

    await duty.getByLabel('Duty role', { exact: true }).selectOption({ label: ROLE });
    await duty.getByLabel('Email address of the person on duty').fill(gus.email);
    // The shift ends tomorrow at 20:00, the browser's own time.
    const end = new Date(Date.now() + 24 * 3600 * 1000);
    const pad = (n) => String(n).padStart(2, '0');
    await duty.getByLabel('Until (optional)').fill(`${end.getFullYear()}-${pad(end.getMonth() + 1)}-${pad(end.getDate())}T20:00`);
    await duty.getByRole('button', { name: 'Add to rota' }).click();
    await f.getByTestId('rota-added').waitFor();
    await row.filter({ hasText: gus.name }).waitFor();

    const lists = f.getByTestId('calllists-admin');
    await lists.getByLabel('List name').fill(LIST);
    await lists.getByLabel('Email addresses').fill('not-an-email');
    await lists.getByRole('button', { name: 'Save call-in list' }).click();
    await lists.getByTestId('error-summary').filter({ hasText: 'not-an-email is not an email address' }).waitFor();
    await lists.getByLabel('Email addresses').fill(gus.email);
    await lists.getByRole('button', { name: 'Save call-in list' }).click();
    await f.getByTestId('list-added').filter({ hasText: `${LIST} has 1 person on it` }).waitFor();
    await f.getByTestId('calllists-table').getByRole('row').filter({ hasText: gus.name }).waitFor();
    await check(f, 'incident-admin-set-up');
  });

  step('the holder sees the role they hold among the duty roles', async () => {
    const g = pages[gus.email];
    await menu(g, 'Duty roles');
    await heading(g).filter({ hasText: 'Duty roles' }).waitFor();
    const role = g.getByTestId('duty-role').filter({ hasText: ROLE });
    await role.getByTestId('holder').filter({ hasText: 'now: you' }).waitFor();
    await g.getByTestId('my-roles').filter({ hasText: ROLE }).waitFor();
    await check(g, 'incident-duty-holder');

    const f = pages[fay.email];
    await menu(f, 'Duty roles');
    await f.getByTestId('duty-role').filter({ hasText: ROLE }).getByTestId('holder').filter({ hasText: `now: ${gus.name}, until 20:00 on ` }).waitFor();
    assert.match(await f.getByTestId('duty-role').filter({ hasText: ROLE }).innerText(), new RegExp(`go to ${hal.email} after 10 minutes`));
    const rota = f.getByTestId('duty-role').filter({ hasText: ROLE }).getByTestId('rota');
    await rota.getByText(`Rota for ${ROLE}`).click();
    await rota.getByTestId('shift').filter({ hasText: `${gus.name}: from` }).filter({ hasText: 'until 20:00 on ' }).waitFor();
    await check(f, 'incident-duty-others');
  });

  step('the admin declares an EXERCISE to the call-in list, with a METHANE report', async () => {
    const f = pages[fay.email];
    await incidents(f);
    await heading(f).filter({ hasText: 'Major incidents' }).waitFor();
    await f.getByTestId('no-incidents').waitFor();
    await check(f, 'incident-none-open');
    // Whoever holds a role that may declare is offered it, as admins are.
    const g = pages[gus.email];
    await incidents(g);
    await g.getByTestId('no-incidents').waitFor();
    // The offer follows from the duty roles, read beside the incidents.
    await g.getByRole('button', { name: 'Declare a major incident' }).waitFor();

    await f.getByRole('button', { name: 'Declare a major incident' }).click();
    await heading(f).filter({ hasText: 'Declare a major incident' }).waitFor();
    await f.getByLabel(LIST).waitFor();
    await check(f, 'incident-declare-form');
    await f.getByRole('button', { name: 'Declare major incident' }).click();
    const summary = f.getByTestId('error-summary');
    for (const s of ['Choose major incident declared or standby', 'Choose at least one call-in list', 'Enter the exact location', 'Enter the type of incident']) {
      await summary.filter({ hasText: s }).waitFor();
    }
    await check(f, 'incident-declare-errors');

    await f.getByLabel('Major incident declared', { exact: true }).check();
    await f.getByLabel('This is an exercise').check();
    await f.getByLabel(LIST).check();
    await f.getByLabel('Exact location').fill(LOCATION);
    await f.getByLabel('Type of incident').fill('Coach collision (exercise scenario)');
    await f.getByLabel('Number and severity of casualties').fill('About 30, 6 serious');
    await f.getByRole('button', { name: 'Declare the exercise' }).click();
    await f.waitForURL(/\/incidents\/[0-9a-f]{32}$/, { timeout: 60_000 });
    boardURL = new URL(f.url()).pathname;
    await heading(f).filter({ hasText: 'EXERCISE' }).waitFor();
    await f.getByTestId('exercise-banner').filter({ hasText: 'EXERCISE EXERCISE EXERCISE' }).waitFor();
    await f.getByTestId('waiting').filter({ hasText: gus.name }).waitFor();
    await f.getByTestId('command').waitFor();
    await check(f, 'incident-board-commander');

    // The incident's conversation opens with the METHANE report, end to
    // end encrypted, and leads back to the roll-call.
    await f.getByRole('link', { name: 'Open the incident conversation' }).click();
    const report = f.getByTestId('message').filter({ hasText: LOCATION });
    await report.getByText('METHANE report').waitFor({ timeout: 30_000 });
    assert.match(await report.innerText(), /M – Major incident declared/);
    await check(f, 'incident-conversation');
    await f.getByTestId('incident-line').getByRole('link').click();
    await f.waitForURL(`${base}${boardURL}`);
    await f.getByTestId('command').waitFor();
  });

  step('the person called in sees EXERCISE on every page and answers the roll-call in one tap', async () => {
    const g = pages[gus.email];
    await menu(g, 'Home');
    await g.getByTestId('exercise-banner').waitFor({ timeout: 30_000 });
    await check(g, 'incident-exercise-banner-home');
    // With one incident open, the list (where a notification leads) goes
    // straight to its board.
    await incidents(g);
    await g.waitForURL(`${base}${boardURL}`);
    await g.getByTestId('respond').waitFor();
    assert.match(await g.getByTestId('my-answer').innerText(), /You have not answered yet/);
    await check(g, 'incident-board-called-in');

    // An ETA must be a number of minutes from 1 to 1440.
    await g.getByLabel('Minutes until you arrive').fill('0');
    await g.getByRole('button', { name: 'On my way' }).click();
    await g.getByTestId('respond').getByTestId('error-summary').filter({ hasText: 'from 1 to 1440' }).waitFor();
    await check(g, 'incident-eta-error');

    await g.getByRole('button', { name: 'Available now' }).click();
    await g.getByTestId('my-answer').filter({ hasText: 'You answered: Available now' }).waitFor();
    const f = pages[fay.email];
    await f.getByTestId('answers').getByTestId('answer').filter({ hasText: `${gus.name}: Available now` }).waitFor({ timeout: 30_000 });
    await f.getByTestId('waiting-none').waitFor();
    const tally = f.getByTestId('tally-list').getByRole('row').filter({ hasText: LIST });
    assert.match(await tally.innerText(), /Available now\s*1/);
    await f.getByTestId('tally-role').getByRole('row').filter({ hasText: ROLE }).waitFor();

    await g.getByLabel('Minutes until you arrive').fill('15');
    await g.getByRole('button', { name: 'On my way' }).click();
    await g.getByTestId('my-answer').filter({ hasText: 'On my way, ETA 15 min' }).waitFor();
    await f.getByTestId('answer').filter({ hasText: `${gus.name}: On my way, ETA 15 min` }).waitFor({ timeout: 30_000 });
    // Gus's own board follows too.
    await g.getByTestId('answer').filter({ hasText: 'On my way, ETA 15 min' }).waitFor({ timeout: 30_000 });
    await check(f, 'incident-board-answered');
    // On a desktop screen the tallies are tables.
    await f.setViewportSize({ width: 1280, height: 900 });
    await f.getByTestId('tally-list').getByRole('columnheader', { name: 'On their way' }).waitFor();
    await check(f, 'incident-board-desktop');
    await f.setViewportSize({ width: 390, height: 844 });
  });

  step('the commander stands the list down and closes the incident; both boards follow', async () => {
    const f = pages[fay.email];
    const g = pages[gus.email];
    await f.getByTestId('command').getByLabel(LIST).check();
    await f.getByRole('button', { name: 'Stand down', exact: true }).click();
    await f.getByTestId('incident-lists').filter({ hasText: 'stood down' }).waitFor({ timeout: 30_000 });
    await g.getByTestId('my-answer').filter({ hasText: 'You were stood down' }).waitFor({ timeout: 30_000 });

    // Command passes to someone else; an admin keeps the controls too.
    await f.getByLabel('Email address of the new commander').fill(gus.email);
    await f.getByRole('button', { name: 'Make commander' }).click();
    await f.getByTestId('commander').filter({ hasText: gus.name }).waitFor({ timeout: 30_000 });
    await g.getByTestId('commander').filter({ hasText: gus.name }).waitFor({ timeout: 30_000 });
    await g.getByTestId('command').waitFor();

    await f.getByRole('button', { name: 'Close the incident' }).click();
    await f.getByTestId('confirm').waitFor();
    await check(f, 'incident-close-confirm');
    await f.getByRole('button', { name: 'Yes, close it' }).click();
    await f.getByTestId('incident-status').filter({ hasText: 'Closed' }).waitFor({ timeout: 30_000 });
    await g.getByTestId('incident-status').filter({ hasText: 'Closed' }).waitFor({ timeout: 30_000 });
    // Closed, the exercise no longer shows on every page.
    await menu(g, 'Home');
    await heading(g).filter({ hasText: 'Hello' }).waitFor();
    await g.waitForFunction(() => !document.querySelector('[data-testid=exercise-banner]'));
  });

  step('the commander exports the incident log: timeline, roll-call and the decrypted METHANE report', async () => {
    const f = pages[fay.email];
    await f.goto(boardURL);
    await f.getByTestId('incident-status').filter({ hasText: 'Closed' }).waitFor();
    const downloaded = f.waitForEvent('download', { timeout: 60_000 });
    await f.getByRole('button', { name: 'Export the incident log' }).click();
    // A reload locks messaging: the log, which decrypts, asks for the PIN.
    const locked = heading(f).filter({ hasText: 'Messages are locked' });
    const log = heading(f).filter({ hasText: 'incident log' });
    await locked.or(log).waitFor({ timeout: 30_000 });
    if (await locked.isVisible()) {
      await f.getByLabel('PIN', { exact: true }).fill(PIN[fay.email]);
      await f.getByRole('button', { name: 'Unlock' }).click();
    }
    await log.waitFor({ timeout: 60_000 });
    const file = await downloaded;
    const saved = JSON.parse(readFileSync(await file.path(), 'utf8'));
    assert.ok(saved.server.incident.exercise, 'the log is of the exercise');
    assert.ok(saved.messages.some((m) => m.type === 'methane' && m.text.includes(LOCATION)), 'the log holds the decrypted METHANE report');
    const timeline = await f.getByTestId('timeline').innerText();
    for (const s of ['Declared', 'Answered', 'Stood down', 'Closed']) assert.match(timeline, new RegExp(s));
    assert.match(await f.getByTestId('log-messages').innerText(), new RegExp(LOCATION));
    await check(f, 'incident-log');

    await f.goto('/incidents/all');
    await f.getByTestId('incident').filter({ hasText: 'Closed' }).waitFor();
    await check(f, 'incident-all');
  });

  step('an urgent bleep reaches the holder, escalates when not acknowledged, and is acknowledged; the sender sees each', async () => {
    const f = pages[fay.email];
    await menu(f, 'Duty roles');
    await f.getByRole('button', { name: `Bleep ${ROLE}` }).click();
    const locked = heading(f).filter({ hasText: 'Messages are locked' });
    const form = heading(f).filter({ hasText: `Bleep ${ROLE}` });
    await locked.or(form).waitFor();
    if (await locked.isVisible()) {
      await f.getByLabel('PIN', { exact: true }).fill(PIN[fay.email]);
      await f.getByRole('button', { name: 'Unlock' }).click();
    }
    await form.waitFor({ timeout: 30_000 });
    await f.getByTestId('bleep-holder').filter({ hasText: `now: ${gus.name}` }).waitFor();
    await check(f, 'incident-bleep-form');
    await f.getByLabel('Message', { exact: true }).fill('Theatre 3 needs an anaesthetist now');
    await f.getByLabel('Urgent', { exact: true }).check();
    await f.getByRole('button', { name: 'Send bleep' }).click();
    await f.waitForURL(/\/messages\/[0-9a-f]{32}$/, { timeout: 60_000 });
    await f.getByTestId('role-line').filter({ hasText: `To: ${ROLE} (now: ${gus.name}` }).waitFor();
    const sent = f.getByTestId('message').filter({ hasText: 'Theatre 3 needs' });
    await sent.getByText('Urgent', { exact: true }).waitFor({ timeout: 30_000 });
    await sent.getByTestId('urgent-recipient').filter({ hasText: gus.name }).waitFor({ timeout: 30_000 });

    const g = pages[gus.email];
    await menu(g, 'Home');
    const banner = g.getByTestId('urgent-banner').filter({ hasText: '1 urgent message needs your acknowledgement' });
    await banner.waitFor({ timeout: 30_000 });
    await check(g, 'incident-urgent-banner');
    await menu(g, 'Messages');
    await g.getByTestId('conversation').filter({ has: g.getByTestId('urgent') }).waitFor();
    await banner.getByRole('link').click();
    await g.waitForURL(/\/messages\/[0-9a-f]{32}$/);
    const gLocked = heading(g).filter({ hasText: 'Messages are locked' });
    if (await gLocked.isVisible().catch(() => false)) {
      await g.getByLabel('PIN', { exact: true }).fill(PIN[gus.email]);
      await g.getByRole('button', { name: 'Unlock' }).click();
    }
    const got = g.getByTestId('message').filter({ hasText: 'Theatre 3 needs' });
    await got.getByRole('button', { name: /Acknowledge/ }).waitFor({ timeout: 60_000 });
    await check(g, 'incident-urgent-to-acknowledge');

    // Ten minutes without an acknowledgement: it escalates to the role's
    // escalation contact, and the sender sees so without reloading.
    await sent.getByTestId('urgent-recipient').filter({ hasText: `${gus.name}: delivered, not acknowledged yet` }).waitFor({ timeout: 30_000 });
    await advanceServer(11 * 60 * 1000);
    await sent.getByTestId('urgent-escalated').filter({ hasText: `Escalated to ${hal.name}` }).waitFor({ timeout: 30_000 });
    await sent.getByTestId('urgent-recipient').filter({ hasText: `${hal.name}: not delivered yet (escalated to them)` }).waitFor();
    await check(f, 'incident-urgent-escalated');

    await got.getByRole('button', { name: /Acknowledge/ }).click();
    await got.getByTestId('urgent-acknowledged').waitFor({ timeout: 30_000 });
    await sent.getByTestId('urgent-recipient').filter({ hasText: `${gus.name}: acknowledged` }).waitFor({ timeout: 30_000 });
    await check(f, 'incident-urgent-acknowledged');
    await g.goto('/urgent');
    await g.getByTestId('no-urgent').waitFor();
    await check(g, 'incident-urgent-none');
  });

  step('the holder hands the role over, and the duty roles say who holds it now', async () => {
    const g = pages[gus.email];
    await menu(g, 'Duty roles');
    const role = g.getByTestId('duty-role').filter({ hasText: ROLE });
    await role.getByText(`Hand ${ROLE} over`, { exact: true }).click();
    await role.getByRole('button', { name: 'Hand over', exact: true }).click();
    await g.getByTestId('error-summary').filter({ hasText: 'Enter an email address' }).waitFor();
    await check(g, 'incident-handover-error');
    await role.getByLabel(`Hand ${ROLE} over to`).fill(hal.email);
    await role.getByLabel('Handover note (optional)').fill('Bed 7 bloods due at 22:00');
    await role.getByRole('button', { name: 'Hand over', exact: true }).click();
    // The server's clock moved past the idle limit: messaging locked, and
    // the note, which is encrypted, waits for the PIN.
    const locked = g.getByTestId('error-summary').filter({ hasText: 'Messages are locked' });
    if (await locked.waitFor({ timeout: 5_000 }).then(() => true, () => false)) {
      await check(g, 'incident-handover-locked');
      await menu(g, 'Messages');
      await g.getByLabel('PIN', { exact: true }).fill(PIN[gus.email]);
      await g.getByRole('button', { name: 'Unlock' }).click();
      await g.getByTestId('conversation').first().waitFor();
      await menu(g, 'Duty roles');
      await role.getByText(`Hand ${ROLE} over`, { exact: true }).click();
      await role.getByLabel(`Hand ${ROLE} over to`).fill(hal.email);
      await role.getByLabel('Handover note (optional)').fill('Bed 7 bloods due at 22:00');
      await role.getByRole('button', { name: 'Hand over', exact: true }).click();
    }
    await role.getByTestId('holder').filter({ hasText: `now: ${hal.name}` }).waitFor({ timeout: 30_000 });
    assert.equal(await g.getByTestId('my-roles').count(), 0, 'Gus no longer holds a role');
    await role.getByRole('button', { name: `Bleep ${ROLE}` }).waitFor();
    await check(g, 'incident-handed-over');
    // The note went end to end encrypted, in a conversation of the two.
    await menu(g, 'Messages');
    await g.getByText(`Handover: ${ROLE}`).first().waitFor({ timeout: 30_000 });
  });
});
