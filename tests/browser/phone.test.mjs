// The phone layout in Chromium at 390x844, as a phone shows it (touch,
// meta viewport honoured): no page scrolls sideways, the folders fold into a
// menu that opens and leads to a folder, a message of the list takes two
// lines (sender and date, then the subject), the actions and the header stay
// usable; and a desktop window keeps the folders beside the list.
import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import { browserSuite, logOn, messageRow, newPage, withPage } from './lib.mjs';
import { eachPage, PAGES_INSTANCE } from './pages.mjs';

const WIDTH = 390;
const PHONE = { viewport: { width: WIDTH, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 3 };
const DESKTOP = { viewport: { width: 1280, height: 800 } };
const FOLDERS = ['INBOX', 'Drafts', 'Sent', 'Trash'];

// The page's width against the phone's, and what sticks out when it is wider.
function sideways(page) {
  return page.evaluate((width) => {
    const wide = document.scrollingElement.scrollWidth;
    const out = [];
    if (wide > width || innerWidth !== width) {
      for (const el of document.body.querySelectorAll('*')) {
        const r = el.getBoundingClientRect();
        if (r.right > width + 0.5 && out.length < 5) {
          out.push(`${el.tagName.toLowerCase()}${el.className ? `.${el.className}` : ''} (to ${Math.round(r.right)} px)`);
        }
      }
    }
    return { scrollWidth: wide, innerWidth, out };
  }, WIDTH);
}

async function box(locator) {
  const b = await locator.boundingBox();
  assert.ok(b, 'the element is on screen');
  return b;
}

browserSuite('phone', { instance: PAGES_INSTANCE }, (env, test) => {
  // One phone, logged on once, for the tests of the list; each starts at the inbox.
  const phone = {};
  before(async () => {
    Object.assign(phone, await newPage(env.browser, PHONE));
    await logOn(phone.page, env.inst.base);
  });
  after(async () => phone.context?.close().catch(() => {}));
  const inbox = async () => {
    await phone.page.goto(`${env.inst.base}/mail`);
    await phone.page.locator('table.messages tbody tr').first().waitFor();
    return phone.page;
  };

  test('no page scrolls sideways at 390x844', async () => {
    const wide = [];
    await eachPage(env.browser, env.inst.base, PHONE, async (page, entry) => {
      const s = await sideways(page);
      if (s.scrollWidth > WIDTH || s.innerWidth !== WIDTH) wide.push({ page: entry.name, ...s });
    });
    assert.deepEqual(wide, [], 'pages wider than the phone');
  });

  test('the folders are a menu that opens, lists the folders and leads to one', async () => {
    const page = await inbox();
    const links = page.locator('nav.folders li a');
    const menu = page.locator('nav.folders').getByText('Folders', { exact: true });
    // Closed: the list has the whole width and starts near the top.
    for (const name of FOLDERS) assert.equal(await links.filter({ hasText: name }).isVisible(), false, name);
    const list = await box(page.locator('main.list'));
    assert.ok(list.width >= WIDTH - 40, `the list is ${list.width} px wide`);
    assert.ok(list.y < 844 / 2, `the list starts at ${list.y} px`);

    await menu.tap();
    await links.first().waitFor({ state: 'visible' });
    const shown = [];
    for (const link of await links.all()) if (await link.isVisible()) shown.push(await link.innerText());
    assert.deepEqual(shown, FOLDERS);
    await links.filter({ hasText: 'Sent' }).tap();
    await page.waitForURL((u) => u.pathname === '/mail' && u.searchParams.get('f') === 'Sent');
    assert.match(await page.locator('main.list h1').innerText(), /^Sent/);

    // The menu's switch is a control of its own for keyboards and screen readers.
    const toggle = page.getByRole('checkbox', { name: 'Folders', exact: true });
    await toggle.focus();
    await page.keyboard.press('Space');
    await links.filter({ hasText: 'Trash' }).waitFor({ state: 'visible' });
    assert.equal(await toggle.isChecked(), true);
  });

  test('a message of the list takes two lines: sender and date, then the subject', async () => {
    const page = await inbox();
    const row = messageRow(page, 'Monthly report');
    const from = await box(row.locator('td.from'));
    const date = await box(row.locator('td.date'));
    const subject = await box(row.locator('td.subject'));
    assert.ok(from.y + from.height <= subject.y + 1, `the subject (at ${subject.y}) is under the sender (${from.y}+${from.height})`);
    assert.ok(Math.abs(date.y - from.y) < from.height / 2, `the date (at ${date.y}) is beside the sender (${from.y})`);
    assert.ok(date.x > from.x, 'the date is right of the sender');
    assert.ok(subject.height < from.height * 1.5, 'the subject takes one line');
    assert.equal(await row.locator('td.from').innerText(), 'Reports');
    assert.equal(await row.locator('td.subject').innerText(), 'Monthly report, with the figures attached');
    // Every row, however long its sender and subject, stays inside the screen.
    for (const r of await page.locator('table.messages tbody tr').all()) {
      const b = await box(r);
      assert.ok(b.x >= 0 && b.x + b.width <= WIDTH, `a row from ${b.x} to ${b.x + b.width} px`);
    }
  });

  test('the actions and the header stay within reach', async () => {
    const page = await inbox();
    const onScreen = async (locator, what) => {
      const b = await box(locator);
      assert.ok(b.x >= 0 && b.x + b.width <= WIDTH, `${what}: ${b.x} to ${b.x + b.width} px`);
      return b;
    };
    for (const name of ['Delete', 'Mark unread', 'Mark read', 'Move']) {
      await onScreen(page.locator('main.list .actions').getByRole('button', { name, exact: true }), name);
    }
    for (const name of ['From', 'Subject', 'Date']) {
      await onScreen(page.locator('table.messages thead').getByRole('link', { name }), `sort by ${name}`);
    }
    // The header: name, user and Log off on one line, the search box under them.
    const brand = await onScreen(page.locator('header .brand'), 'the name');
    const who = await onScreen(page.locator('header .who'), 'the user');
    const logoff = await onScreen(page.getByRole('button', { name: 'Log off' }), 'Log off');
    const search = await onScreen(page.getByRole('searchbox', { name: 'Search mail' }), 'the search box');
    await onScreen(page.getByRole('button', { name: 'Search', exact: true }), 'Search');
    for (const b of [who, logoff]) assert.ok(b.y < brand.y + brand.height && brand.y < b.y + b.height, 'on the line of the name');
    assert.ok(search.y >= brand.y + brand.height, 'the search box is under the name');
    assert.ok(search.width >= 150, `the search box is ${search.width} px wide`);
    assert.ok(logoff.height < brand.height * 2, 'Log off is on one line');

    await page.goto(`${env.inst.base}/mail/compose`);
    for (const name of ['Send', 'Save draft']) await onScreen(page.getByRole('button', { name, exact: true }), name);
  });

  test('a desktop window keeps the folders beside the list, one line per message', async () => {
    await withPage(env.browser, async (page) => {
      await logOn(page, env.inst.base);
      const nav = await box(page.locator('nav.folders'));
      const list = await box(page.locator('main.list'));
      assert.ok(nav.x + nav.width <= list.x, 'the folders are left of the list');
      for (const name of FOLDERS) assert.ok(await page.locator('nav.folders li a', { hasText: name }).isVisible(), name);
      assert.equal(await page.locator('nav.folders').getByText('Folders', { exact: true }).isVisible(), false);
      const row = messageRow(page, 'Monthly report');
      const from = await box(row.locator('td.from'));
      const subject = await box(row.locator('td.subject'));
      assert.ok(subject.x > from.x && Math.abs(subject.y - from.y) < 2, 'sender and subject on one line');
    }, DESKTOP);
  });
});
