// The message list in Chromium: the unread count in the tab's title, rows
// named for screen readers, sorting and its indicator, actions with nothing
// selected, select all (with and without the script), Sent listed by
// recipient (pages beyond the end: list_pages.test.mjs).
import assert from 'node:assert/strict';
import { browserSuite, logOn, messageRow, openMessage, withPage, USER } from './lib.mjs';
import { mail, subjects, notice, follow, shared } from './list_lib.mjs';

// INBOX, newest first: Cherry (Carl), Banana (Bob), apple (Ann).
const INBOX = [
  mail('Ann <ann@example.net>', 'apple', 1),
  mail('Bob <bob@example.net>', 'Banana', 2),
  mail('Carl <carl@example.net>', 'Cherry', 3),
];

browserSuite('list', { instance: { sampleMail: false, messages: INBOX } }, (env, test) => {
  test('the tab title has the folder\'s unread count, and each row is named and says Unread', async () => {
    {
      const page = await shared(env);
      await page.goto(`${env.inst.base}/mail?f=INBOX`);
      const unread = await page.locator('table.messages tbody tr.unread').count();
      assert.equal(unread, 3);
      assert.match(await page.title(), /^\(3\) INBOX/);
      const box = messageRow(page, 'apple').locator('input[type=checkbox]');
      assert.equal(await box.getAttribute('aria-label'), 'Select message from Ann: apple');
      assert.equal(await page.getByRole('checkbox', { name: 'Select message from Bob: Banana' }).count(), 1);
      assert.match(await messageRow(page, 'Cherry').locator('td.marks').innerText(), /Unread/);
      for (const th of await page.locator('table.messages thead th').all()) {
        assert.notEqual((await th.textContent()).trim(), '', 'no empty table header');
      }
      await openMessage(page, 'apple');
      await page.locator('p.nav a').click();
      await page.waitForURL((u) => u.pathname === '/mail');
      assert.match(await page.title(), /^\(2\) INBOX/);
      assert.doesNotMatch(await messageRow(page, 'apple').locator('td.marks').innerText(), /Unread/);
    }
  });

  test('a column\'s first click sorts text A to Z and dates newest first, with an arrow and aria-sort', async () => {
    {
      const page = await shared(env);
      await page.goto(`${env.inst.base}/mail?f=INBOX`);
      const th = (name) => page.locator('table.messages thead th', { hasText: name });
      assert.equal(await th('Date').getAttribute('aria-sort'), 'descending');
      assert.equal(await th('Subject').getAttribute('aria-sort'), null);
      assert.deepEqual(await subjects(page), ['Cherry', 'Banana', 'apple']);

      await follow(page, th('Subject').locator('a'));
      assert.equal(new URL(page.url()).searchParams.get('s'), 'subject');
      assert.equal(await th('Subject').getAttribute('aria-sort'), 'ascending');
      assert.match(await th('Subject').innerText(), /▲/);
      assert.equal(await th('Date').getAttribute('aria-sort'), null);
      assert.deepEqual(await subjects(page), ['apple', 'Banana', 'Cherry']);

      await follow(page, th('Subject').locator('a'));
      assert.equal(await th('Subject').getAttribute('aria-sort'), 'descending');
      assert.match(await th('Subject').innerText(), /▼/);
      assert.deepEqual(await subjects(page), ['Cherry', 'Banana', 'apple']);

      await follow(page, th('From').locator('a'));
      assert.equal(await th('From').getAttribute('aria-sort'), 'ascending');
      assert.deepEqual(await subjects(page), ['apple', 'Banana', 'Cherry']);

      await follow(page, th('Date').locator('a'));
      assert.equal(await th('Date').getAttribute('aria-sort'), 'descending');
      assert.deepEqual(await subjects(page), ['Cherry', 'Banana', 'apple']);
    }
  });

  test('Delete, Move and Mark with nothing selected say so and change nothing', async () => {
    {
      const page = await shared(env);
      await page.goto(`${env.inst.base}/mail?f=INBOX`);
      const move = page.getByRole('combobox', { name: 'Move to folder' });
      assert.equal((await move.locator('option:checked').innerText()).trim(), 'Move to…');
      assert.equal(await move.locator('option', { hasText: 'Move to…' }).isDisabled(), true);
      for (const label of ['Delete', 'Move', 'Mark read']) {
        await page.getByRole('button', { name: label, exact: true }).click();
        await page.waitForURL((u) => u.searchParams.get('n') === 'none');
        assert.equal(await notice(page), 'Nothing selected.', label);
        assert.deepEqual(await subjects(page), ['Cherry', 'Banana', 'apple'], label);
        await page.goto(`${env.inst.base}/mail?f=INBOX`);
      }
      // A message ticked but no folder chosen: still nothing moves.
      await messageRow(page, 'Banana').locator('input[type=checkbox]').check();
      await page.getByRole('button', { name: 'Move', exact: true }).click();
      await page.waitForURL((u) => u.searchParams.get('n') === 'no_target');
      assert.equal(await notice(page), 'Choose the folder to move to.');
      assert.deepEqual(await subjects(page), ['Cherry', 'Banana', 'apple']);
    }
  });

  test('select all ticks every message of the page; without scripts its box is not there and rows still work', async () => {
    {
      const page = await shared(env);
      await page.goto(`${env.inst.base}/mail?f=INBOX`);
      const all = page.getByRole('checkbox', { name: 'Select all messages on this page' });
      await all.check();
      const boxes = page.locator('table.messages tbody input[type=checkbox]');
      assert.equal(await boxes.count(), 3);
      for (const b of await boxes.all()) assert.equal(await b.isChecked(), true);
      await boxes.first().uncheck();
      assert.equal(await all.evaluate((el) => el.indeterminate), true, 'some ticked: the box says so');
      await all.check();
      await page.getByRole('button', { name: 'Mark unread', exact: true }).click();
      await page.waitForURL((u) => u.searchParams.get('n') === 'marked');
      assert.equal(await page.locator('table.messages tbody tr.unread').count(), 3);
      assert.match(await page.title(), /^\(3\) INBOX/);
    }
    await withPage(env.browser, async (page) => {
      await logOn(page, env.inst.base);
      assert.equal(await page.locator('input.select-all').isVisible(), false);
      await messageRow(page, 'Cherry').locator('input[type=checkbox]').check();
      await page.getByRole('button', { name: 'Mark read', exact: true }).click();
      await page.waitForURL((u) => u.searchParams.get('n') === 'marked');
      assert.equal(await page.locator('table.messages tbody tr.unread').count(), 2);
    }, { javaScriptEnabled: false });
  });

  test('Sent lists who a message went to, under a "To" header', async () => {
    await env.inst.deliver(mail(USER, 'Trip photos', 4, { to: 'Zoë Müller <zoe@example.org>, max@example.org' }), 'Sent');
    await env.inst.deliver(mail(USER, 'Plans', 3, { to: 'adam@example.org' }), 'Sent');
    {
      const page = await shared(env);
      await page.goto(`${env.inst.base}/mail?f=INBOX`);
      await page.goto(`${env.inst.base}/mail?f=Sent`);
      assert.equal(await page.locator('table.messages thead th', { hasText: /^To/ }).count(), 1);
      assert.equal(await page.locator('table.messages thead th', { hasText: /^From/ }).count(), 0);
      assert.equal((await messageRow(page, 'Trip photos').locator('td.from').innerText()).trim(), 'Zoë Müller + 1');
      assert.equal(await page.getByRole('checkbox', { name: 'Select message to Zoë Müller + 1: Trip photos' }).count(), 1);
      // The "To" column sorts by recipient, A to Z at its first click.
      await follow(page, page.locator('table.messages thead th', { hasText: /^To/ }).locator('a'));
      assert.equal(new URL(page.url()).searchParams.get('s'), 'to');
      assert.equal(await page.locator('table.messages thead th', { hasText: /^To/ }).getAttribute('aria-sort'), 'ascending');
      assert.deepEqual(await subjects(page), ['Plans', 'Trip photos']);
    }
  });
});
