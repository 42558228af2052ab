// Drafts in Chromium: Save draft keeps one draft per message, updated in
// place with its attachments; a draft opens in compose and sending it takes
// it out of Drafts; a message that cannot go out, sent twice, is one draft.
import assert from 'node:assert/strict';
import { browserSuite, logOff, logOn, messageRow, reloadUntilRow, withPage, PASSWORD, SENT, USER } from './lib.mjs';

async function saveDraft(page) {
  await page.getByRole('button', { name: 'Save draft' }).click();
  await page.waitForURL((u) => u.pathname === '/mail/compose' && u.searchParams.get('n') === 'saved');
  assert.equal(await page.locator('main.compose p.notice').innerText(), 'Draft saved.');
}

async function draftRows(page, base, subject) {
  await page.goto(`${base}/mail?f=Drafts`);
  return messageRow(page, subject).count();
}

browserSuite('drafts', {}, (env, test) => {
  test('Save draft twice leaves one draft, which keeps its attachment and opens in compose', async () => {
    await withPage(env.browser, async (page) => {
      const subject = `Plan ${Date.now()}`;
      await logOn(page, env.inst.base);
      await page.goto(`${env.inst.base}/mail/compose`);
      assert.equal(await page.locator('main.compose h1').innerText(), 'New message');
      await page.locator('#to').fill(USER);
      await page.locator('#subject').fill(subject);
      await page.locator('#body').fill('First words.');
      await page.locator('#attachments').setInputFiles([
        { name: 'plan.txt', mimeType: 'text/plain', buffer: Buffer.from('step one\nstep two\n') },
      ]);
      await saveDraft(page);
      assert.equal(await page.locator('main.compose h1').innerText(), 'Draft');
      assert.equal(await page.locator('#body').inputValue(), 'First words.');
      assert.equal(await page.locator('fieldset.kept li', { hasText: 'plan.txt' }).count(), 1);

      await page.locator('#body').fill('First words.\nMore words.');
      await saveDraft(page);
      assert.equal(await draftRows(page, env.inst.base, subject), 1, 'one draft, not two');

      await messageRow(page, subject).locator('td.subject a').click();
      await page.waitForURL((u) => u.pathname === '/mail/compose');
      assert.equal(await page.locator('main.compose h1').innerText(), 'Draft');
      assert.equal(await page.locator('#to').inputValue(), USER);
      assert.equal(await page.locator('#subject').inputValue(), subject);
      assert.equal(await page.locator('#body').inputValue(), 'First words.\nMore words.');
      assert.equal(await page.locator('fieldset.kept li', { hasText: 'plan.txt' }).count(), 1,
        'the attachment of the first version stays');

      await page.getByRole('button', { name: 'Send' }).click();
      await page.waitForURL((u) => u.pathname === '/mail' && u.searchParams.get('n') === SENT.n);
      const row = await reloadUntilRow(page, `${env.inst.base}/mail?f=INBOX`, subject);
      assert.equal(await row.locator('[title="Has attachments"]').count(), 1, 'it arrives with the attachment');
      assert.equal(await draftRows(page, env.inst.base, subject), 0, 'sent: no longer in Drafts');
    });
  });

  test('an attachment unticked in a draft is left out when it is saved again', async () => {
    await withPage(env.browser, async (page) => {
      const subject = `Trim ${Date.now()}`;
      await logOn(page, env.inst.base);
      await page.goto(`${env.inst.base}/mail/compose`);
      await page.locator('#subject').fill(subject);
      await page.locator('#attachments').setInputFiles([
        { name: 'keep.txt', mimeType: 'text/plain', buffer: Buffer.from('keep\n') },
        { name: 'drop.txt', mimeType: 'text/plain', buffer: Buffer.from('drop\n') },
      ]);
      await saveDraft(page);
      await page.locator('fieldset.kept li', { hasText: 'drop.txt' }).locator('input').uncheck();
      await saveDraft(page);
      assert.equal(await page.locator('fieldset.kept li', { hasText: 'keep.txt' }).count(), 1);
      assert.equal(await page.locator('fieldset.kept li', { hasText: 'drop.txt' }).count(), 0);
    });
  });
});

// An instance of its own: under mail.store imap the one above has a relay,
// which every message needs there (even to the user's own address).
browserSuite('drafts of mail that cannot go out', { instance: { sampleMail: false, settings: { 'smtp.relay': '' } } }, (env, test) => {
  test('a reply that cannot go out, sent twice, is one draft with its attachment', async () => {
    await withPage(env.browser, async (page) => {
      const subject = `Nowhere ${Date.now()}`;
      await logOn(page, env.inst.base);
      await page.goto(`${env.inst.base}/mail/compose`);
      await page.locator('#to').fill('someone@example.net');
      await page.locator('#subject').fill(subject);
      await page.locator('#body').fill('Hello there.');
      await page.locator('#attachments').setInputFiles([
        { name: 'photo.bin', mimeType: 'application/octet-stream', buffer: Buffer.alloc(2000, 7) },
      ]);
      for (let i = 0; i < 2; i++) {
        const [response] = await Promise.all([
          page.waitForResponse((r) => new URL(r.url()).pathname === '/mail/send'),
          page.getByRole('button', { name: 'Send' }).click(),
        ]);
        assert.equal(response.status(), 422);
        await page.locator('main.compose .error').waitFor();
        assert.equal(await page.locator('main.compose h1').innerText(), 'New message');
        assert.equal(await page.locator('#body').inputValue(), 'Hello there.');
        assert.equal(await page.locator('fieldset.kept li', { hasText: 'photo.bin' }).count(), 1);
      }
      assert.equal(await draftRows(page, env.inst.base, subject), 1, 'one draft for one message');
      await messageRow(page, subject).locator('td.subject a').click();
      await page.waitForURL((u) => u.pathname === '/mail/compose');
      assert.equal(await page.locator('fieldset.kept li', { hasText: 'photo.bin' }).count(), 1);
    });
  });
});

// Under mail.store imap the session's IMAP password ended with it: the
// message is kept sealed in the session store until the next logon in this
// browser, and then put in Drafts on the IMAP server.
browserSuite('drafts after the session ended', {}, (env, test) => {
  test('a session ended in another tab, then Send: after logging on again the text is in Drafts', async () => {
    await withPage(env.browser, async (page, context) => {
      const subject = `Long letter ${Date.now()}`;
      const text = 'Dear Ann,\nthis took an hour to write: ä ö ü €.';
      await logOn(page, env.inst.base);
      await page.goto(`${env.inst.base}/mail/compose`);
      await page.locator('#to').fill(USER);
      await page.locator('#subject').fill(subject);
      await page.locator('#body').fill(text);

      const other = await context.newPage();
      await other.goto(`${env.inst.base}/mail`);
      await logOff(other);
      await other.close();

      await page.getByRole('button', { name: 'Send' }).click();
      await page.waitForURL((u) => u.pathname === '/');
      assert.match(await page.locator('main.logon-box .error').innerText(),
        /Your session had ended; your message was kept in Drafts/);

      await page.locator('#user').fill(USER);
      await page.locator('#password').fill(PASSWORD);
      await page.locator('form[action="/logon"] button[type=submit]').click();
      await page.waitForURL((u) => u.pathname === '/mail/compose' && u.searchParams.get('mode') === 'draft');
      assert.equal(await page.locator('main.compose h1').innerText(), 'Draft');
      assert.equal(await page.locator('#subject').inputValue(), subject);
      assert.equal(await page.locator('#body').inputValue(), text);

      assert.equal(await draftRows(page, env.inst.base, subject), 1, 'the text is in Drafts');
      await page.goto(`${env.inst.base}/mail?f=Sent`);
      assert.equal(await messageRow(page, subject).count(), 0, 'and nothing was sent');
    });
  });
});

browserSuite('drafts and the size limit', { instance: { settings: { 'mail.max_message_mb': '1' } } }, (env, test) => {
  test('the size limit is on the page, and a too-large file returns the form with the text', async () => {
    await withPage(env.browser, async (page) => {
      await logOn(page, env.inst.base);
      await page.goto(`${env.inst.base}/mail/compose`);
      assert.match(await page.locator('label[for=attachments]').innerText(), /up to 1 MiB/);
      await page.locator('#to').fill(USER);
      await page.locator('#subject').fill('Holiday pictures');
      await page.locator('#body').fill('Here they are, all of them.');
      await page.locator('#attachments').setInputFiles([
        { name: 'big.bin', mimeType: 'application/octet-stream', buffer: Buffer.alloc(1536 * 1024, 1) },
      ]);
      const [response] = await Promise.all([
        page.waitForResponse((r) => new URL(r.url()).pathname === '/mail/send'),
        page.getByRole('button', { name: 'Send' }).click(),
      ]);
      assert.equal(response.status(), 413);
      await page.locator('main.compose .error').waitFor();
      assert.match(await page.locator('main.compose .error').innerText(), /larger than 1 MiB/);
      assert.equal(await page.locator('#to').inputValue(), USER);
      assert.equal(await page.locator('#subject').inputValue(), 'Holiday pictures');
      assert.equal(await page.locator('#body').inputValue(), 'Here they are, all of them.');
    });
  });
});
