// Reading and sending mail in Chromium: open a message, download an
// attachment, send a message with an attachment to oneself and find it in the
// inbox, reply, and a message that cannot go out kept in Drafts.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { browserSuite, logOn, messageRow, openMessage, reloadUntilRow, withPage, SENT, USER } from './lib.mjs';

// The sample report's attachment, figures.csv, as the sender wrote it.
const FIGURES = 'month,messages,users\nSeptember,1204,17\nOctober,1310,19\nNovember,1472,21\n';

async function download(page, link) {
  const [dl] = await Promise.all([page.waitForEvent('download'), link.click()]);
  const failure = await dl.failure();
  assert.equal(failure, null, `the download completes (${failure})`);
  return { name: dl.suggestedFilename(), bytes: await readFile(await dl.path()) };
}

async function goToFolder(page, name) {
  if (!(await page.locator('nav.folders').count())) {
    await page.locator('p.nav a').click(); // from a message back to its folder
    await page.locator('nav.folders').waitFor();
  }
  await page.locator('nav.folders a', { hasText: new RegExp(`^${name}$`) }).click();
  await page.waitForURL((u) => u.pathname === '/mail' && u.searchParams.get('f') === name);
}

browserSuite('mail', {}, (env, test) => {
  test('a user opens a message from the inbox, which marks it read', async () => {
    await withPage(env.browser, async (page) => {
      await logOn(page, env.inst.base);
      const row = messageRow(page, 'Reisepläne für Dezember');
      assert.match(await row.getAttribute('class'), /\bunread\b/);
      await openMessage(page, 'Reisepläne für Dezember');
      assert.equal(await page.locator('h1.subject').innerText(), 'Reisepläne für Dezember ✈');
      const headers = await page.locator('dl.headers').innerText();
      assert.match(headers, /Zoë Müller/);
      assert.match(await page.locator('pre.body').innerText(), /hier die Pläne für Dezember: Abfahrt am 3\., Rückkehr am 10\./);
      for (const link of ['Reply', 'Reply to all', 'Forward']) {
        assert.equal(await page.getByRole('link', { name: link, exact: true }).count(), 1, link);
      }
      await page.locator('p.nav a').click();
      await page.waitForURL((u) => u.pathname === '/mail');
      assert.doesNotMatch((await messageRow(page, 'Reisepläne für Dezember').getAttribute('class')) ?? '', /\bunread\b/);
    });
  });

  test('a user downloads an attachment and gets its exact bytes', async () => {
    await withPage(env.browser, async (page) => {
      await logOn(page, env.inst.base);
      await openMessage(page, 'Monthly report');
      const item = page.locator('ul.attachments li', { hasText: 'figures.csv' });
      assert.match(await item.innerText(), /text\/csv/);
      const { name, bytes } = await download(page, item.locator('a'));
      assert.equal(name, 'figures.csv');
      assert.equal(bytes.toString('utf8'), FIGURES);
    });
  });

  test('a user sends a message with an attachment to himself; it arrives in the inbox and in Sent', async () => {
    await withPage(env.browser, async (page) => {
      const subject = `Note to self ${Date.now()}`;
      const text = 'Remember the milk.\nAnd the eggs: ä ö ü €.';
      const binary = Buffer.alloc(3000);
      for (let i = 0; i < binary.length; i++) binary[i] = (i * 7 + (i >> 8)) & 0xff;

      await logOn(page, env.inst.base);
      await page.locator('a.compose').click();
      await page.waitForURL((u) => u.pathname === '/mail/compose');
      assert.match(await page.locator('main.compose p.from').innerText(), new RegExp(USER));
      await page.locator('#to').fill(USER);
      await page.locator('#subject').fill(subject);
      await page.locator('#body').fill(text);
      await page.locator('#attachments').setInputFiles([
        { name: 'all-bytes.bin', mimeType: 'application/octet-stream', buffer: binary },
        { name: 'list.txt', mimeType: 'text/plain', buffer: Buffer.from('one\ntwo\nthree\n') },
      ]);
      await page.getByRole('button', { name: 'Send' }).click();
      await page.waitForURL((u) => u.pathname === '/mail' && u.searchParams.get('n') === SENT.n);
      assert.equal(await page.locator('p.notice').innerText(), SENT.notice);

      const row = await reloadUntilRow(page, `${env.inst.base}/mail?f=INBOX`, subject);
      assert.match(await row.getAttribute('class'), /\bunread\b/, 'it arrives unread');
      assert.equal(await row.locator('[title="Has attachments"]').count(), 1);
      await openMessage(page, subject);
      assert.match(await page.locator('dl.headers').innerText(), new RegExp(USER));
      assert.equal((await page.locator('pre.body').innerText()).trim(), text);
      const attachments = page.locator('ul.attachments li');
      assert.equal(await attachments.count(), 2);
      const bin = await download(page, attachments.filter({ hasText: 'all-bytes.bin' }).locator('a'));
      assert.equal(bin.name, 'all-bytes.bin');
      assert.ok(bin.bytes.equals(binary), 'the binary attachment comes back byte for byte');
      const txt = await download(page, attachments.filter({ hasText: 'list.txt' }).locator('a'));
      assert.equal(txt.bytes.toString(), 'one\ntwo\nthree\n');

      await goToFolder(page, 'Sent');
      assert.equal(await messageRow(page, subject).count(), 1, 'a copy is in Sent');
    });
  });

  test('Reply fills in the sender and the subject, and quotes the message', async () => {
    await withPage(env.browser, async (page) => {
      await logOn(page, env.inst.base);
      await openMessage(page, 'Welcome to Web Messaging');
      await page.getByRole('link', { name: 'Reply', exact: true }).click();
      await page.waitForURL((u) => u.pathname === '/mail/compose' && u.searchParams.get('mode') === 'reply');
      assert.equal(await page.locator('main.compose h1').innerText(), 'Reply');
      assert.match(await page.locator('#to').inputValue(), /postmaster@example\.org/);
      assert.equal(await page.locator('#subject').inputValue(), 'Re: Welcome to Web Messaging');
      assert.match(await page.locator('#body').inputValue(), /^> .*this is your mailbox/m);
    });
  });

  test('Delete moves the checked message to Trash', async () => {
    await withPage(env.browser, async (page) => {
      const subject = `To be deleted ${Date.now()}`;
      await env.inst.deliver(`From: a@example.com\nTo: ${USER}\nSubject: ${subject}\nDate: Mon, 2 Nov 2026 10:00:00 +0000\n\nbye\n`);
      await logOn(page, env.inst.base);
      await messageRow(page, subject).locator('input[name=id]').check();
      await page.locator('form#messages button[value=delete]').click();
      await page.waitForURL((u) => u.searchParams.get('n') === 'trashed');
      assert.equal(await page.locator('p.notice').innerText(), 'Moved to Trash.');
      assert.equal(await messageRow(page, subject).count(), 0);
      await goToFolder(page, 'Trash');
      assert.equal(await messageRow(page, subject).count(), 1);
    });
  });
});

// An instance of its own: under mail.store imap the one above has a relay,
// which every message needs there (even to the user's own address).
browserSuite('mail without a relay', { instance: { sampleMail: false, settings: { 'smtp.relay': '' } } }, (env, test) => {
  test('a message to another host without a mail relay is refused and kept in Drafts', async () => {
    await withPage(env.browser, async (page) => {
      const subject = `Cannot go out ${Date.now()}`;
      await logOn(page, env.inst.base);
      await page.goto(`${env.inst.base}/mail/compose`);
      await page.locator('#to').fill('someone@example.net');
      await page.locator('#subject').fill(subject);
      await page.locator('#body').fill('Hello from the other side.');
      const [response] = await Promise.all([
        page.waitForResponse((r) => new URL(r.url()).pathname === '/mail/send'),
        page.getByRole('button', { name: 'Send' }).click(),
      ]);
      assert.equal(response.status(), 422);
      await page.locator('main.compose .error').waitFor();
      assert.match(await page.locator('main.compose .error').innerText(), /cannot be sent from here.*Drafts/s);
      assert.equal(await page.locator('#to').inputValue(), 'someone@example.net', 'what was typed is still there');
      assert.equal(await page.locator('#subject').inputValue(), subject);
      assert.equal(await page.locator('#body').inputValue(), 'Hello from the other side.');

      await page.goto(`${env.inst.base}/mail?f=Drafts`);
      assert.equal(await messageRow(page, subject).count(), 1, 'the draft is in Drafts');
      await page.goto(`${env.inst.base}/mail?f=Sent`);
      assert.equal(await messageRow(page, subject).count(), 0, 'and nothing in Sent');
    });
  });
});
