// The settings page in Chromium, and that each setting takes effect where a
// user sees it: the display name in the From of sent mail (read in Sent), the
// signature in compose, messages per page in the list, the time zone in the
// message's date (the browser's zone offered first), HTML or plain text first;
// (settings_account.test.mjs: the password change and address completion).
// Under mail.store imap (browser.imap.settings) the settings live in Dovecot's
// METADATA, and the Maildir read for Sent is Dovecot's.
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { before } from 'node:test';
import { browserSuite, logOn, openMessage, withPage, PASSWORD, SENT, USER } from './lib.mjs';

const ZOE = 'zoe@example.net';

function message(subject, { date = new Date().toUTCString().replace('GMT', '+0000'), html = false } = {}) {
  const head = `From: Sender <sender@example.com>\r\nTo: ${USER}\r\nSubject: ${subject}\r\nDate: ${date}\r\n` +
    `Message-ID: <${subject.replace(/\W/g, '')}.${Date.now()}@example.com>\r\nMIME-Version: 1.0\r\n`;
  if (!html) return `${head}Content-Type: text/plain; charset=utf-8\r\n\r\nHello.\r\n`;
  return `${head}Content-Type: multipart/alternative; boundary="b"\r\n\r\n--b\r\n` +
    'Content-Type: text/plain; charset=utf-8\r\n\r\nThe plain words.\r\n--b\r\n' +
    'Content-Type: text/html; charset=utf-8\r\n\r\n<p>The <b>HTML</b> words.</p>\r\n--b--\r\n';
}

// A header with RFC 2047 encoded words as a mail program shows it.
function decodeWords(header) {
  const decoded = header.replace(/=\?([\w-]+)\?([bq])\?([^?]*)\?=/gi, (_, charset, kind, text) => {
    const bytes = kind.toLowerCase() === 'b'
      ? Buffer.from(text, 'base64')
      : Buffer.from(text.replace(/_/g, ' ').replace(/=([0-9a-f]{2})/gi, (m, h) => String.fromCharCode(parseInt(h, 16))), 'latin1');
    return new TextDecoder(charset).decode(bytes);
  });
  return decoded.replace(/\?=\s+=\?/g, '');
}

// Fills the settings form with these values and saves; returns the answer's
// status. noValidate: past the browser's own checks, to reach the server's.
async function saveSettings(page, base, values, { noValidate = false } = {}) {
  await page.goto(`${base}/settings`);
  if (noValidate) await page.locator('form.prefs').evaluate((f) => { f.noValidate = true; });
  for (const [field, value] of Object.entries(values)) {
    if (field === 'first') await page.locator(`input[name=first][value=${value}]`).check();
    else await page.locator(`#${field}`).fill(value);
  }
  const answer = page.waitForResponse((r) => new URL(r.url()).pathname === '/settings' && r.request().method() === 'POST');
  await page.getByRole('button', { name: 'Save settings' }).click();
  const status = (await answer).status();
  await page.waitForLoadState('domcontentloaded');
  return status;
}

async function saved(page, base, values) {
  assert.equal(await saveSettings(page, base, values), 303);
  await page.waitForURL((u) => u.pathname === '/settings' && u.searchParams.get('n') === 'saved');
  assert.equal(await page.locator('main.settings p.notice').innerText(), 'Your settings were saved.');
}

browserSuite('settings', {
  instance: {
    messages: [
      ...Array.from({ length: 14 }, (_, i) => message(`Filler ${String(i).padStart(2, '0')}`)),
      message('Winter meeting', { date: 'Mon, 15 Jan 2024 12:00:00 +0000' }),
      message('Both kinds', { html: true }),
    ],
  },
}, (env, test) => {
  // Another domain's user to write to.
  before(async () => {
    await env.inst.addUser(ZOE, PASSWORD);
  });

  test('display name and signature: compose shows the signature, Sent shows the name', async () => {
    await withPage(env.browser, async (page) => {
      const base = env.inst.base;
      const subject = `Signed ${Date.now()}`;
      await logOn(page, base);
      await page.locator('header a.settings').click();
      await page.waitForURL((u) => u.pathname === '/settings');
      await saved(page, base, { display_name: 'Dana Émile', signature: 'Dana\nTeam Blue' });
      assert.equal(await page.locator('#display_name').inputValue(), 'Dana Émile');
      assert.equal(await page.locator('#signature').inputValue(), 'Dana\nTeam Blue');

      await page.goto(`${base}/mail/compose`);
      assert.equal(await page.locator('#body').inputValue(), '\n\n-- \nDana\nTeam Blue');
      assert.equal(await page.locator('main.compose p.from').innerText(), `From: Dana Émile <${USER}>`);
      await page.locator('#to').fill(ZOE);
      await page.locator('#subject').fill(subject);
      await page.getByRole('button', { name: 'Send' }).click();
      await page.waitForURL((u) => u.pathname === '/mail' && u.searchParams.get('n') === SENT.n);

      await page.goto(`${base}/mail?f=Sent`);
      await openMessage(page, subject);
      assert.match(await page.locator('dl dd').first().innerText(), /Dana Émile/);
      // On the wire the name is encoded (RFC 2047), the header stays 7-bit.
      let raw = '';
      for (const sub of ['cur', 'new']) {
        const sent = join(env.inst.maildir, '.Sent', sub);
        for (const f of await readdir(sent).catch(() => [])) {
          const text = await readFile(join(sent, f), 'latin1');
          if (text.includes(subject)) raw = text;
        }
      }
      const from = (raw.match(/^From: (.*)$/m)?.[1] ?? '').replace(/\r$/, '');
      assert.match(from, /^[ -~]+$/, `7-bit: ${from}`);
      assert.equal(decodeWords(from), `Dana Émile <${USER}>`, from);

      // A reply carries the signature under the quote.
      await page.goto(`${base}/mail`);
      await openMessage(page, 'Winter meeting');
      await page.getByRole('link', { name: 'Reply', exact: true }).click();
      await page.waitForURL((u) => u.pathname === '/mail/compose');
      assert.match(await page.locator('#body').inputValue(), /\n> Hello\.\n[\s\S]*\n-- \nDana\nTeam Blue$/);
    });
  });

  test('a value that does not pass comes back with its reason beside the field', async () => {
    await withPage(env.browser, async (page) => {
      await logOn(page, env.inst.base);
      assert.equal(await saveSettings(page, env.inst.base, { zone: 'Mars/Olympus', per_page: '5' }, { noValidate: true }), 422);
      assert.match(await page.locator('#zone-error').innerText(), /Not a time zone/);
      assert.match(await page.locator('#per_page-error').innerText(), /from 10 to 200/);
      assert.equal(await page.locator('#zone').inputValue(), 'Mars/Olympus', 'what was typed stays');
    });
  });

  test('messages per page changes the list', async () => {
    await withPage(env.browser, async (page) => {
      const base = env.inst.base;
      await logOn(page, base);
      const rows = page.locator('table.messages tbody tr');
      const all = await rows.count();
      assert.ok(all > 10, `${all} messages in INBOX`);
      await saved(page, base, { per_page: '10' });
      await page.goto(`${base}/mail`);
      assert.equal(await rows.count(), 10);
      assert.match(await page.locator('main.list').innerText(), new RegExp(`1–10 of ${all}`));
      await saved(page, base, { per_page: '50' });
      await page.goto(`${base}/mail`);
      assert.equal(await rows.count(), all);
    });
  });

  test('the time zone changes the time shown; the browser\'s zone is offered first', async () => {
    await withPage(env.browser, async (page) => {
      const base = env.inst.base;
      await logOn(page, base);
      await saved(page, base, { zone: '' });
      await page.goto(`${base}/settings`);
      // No zone saved: the browser's zone is filled in, and the page says UTC is used until then.
      await page.waitForFunction(() => document.getElementById('zone').value !== '');
      assert.equal(await page.locator('#zone').inputValue(), 'Asia/Tokyo');
      assert.match(await page.locator('#zone-hint').innerText(), /UTC until you save/);
      await page.goto(`${base}/mail`);
      await openMessage(page, 'Winter meeting');
      const date = page.locator('dl dt', { hasText: 'Date' }).locator('xpath=following-sibling::dd[1]');
      assert.equal(await date.innerText(), 'Mon, 15 Jan 2024 12:00 UTC');

      await saved(page, base, { zone: 'Asia/Tokyo' });
      await page.goto(`${base}/mail`);
      await openMessage(page, 'Winter meeting');
      assert.equal(await date.innerText(), 'Mon, 15 Jan 2024 21:00 JST');
      await saved(page, base, { zone: 'America/New_York' });
      await page.goto(`${base}/mail`);
      await openMessage(page, 'Winter meeting');
      assert.equal(await date.innerText(), 'Mon, 15 Jan 2024 07:00 EST');
    }, { timezoneId: 'Asia/Tokyo' });
  });

  test('plain text first opens the plain version of a message with both', async () => {
    await withPage(env.browser, async (page) => {
      const base = env.inst.base;
      await logOn(page, base);
      await saved(page, base, { first: 'text' });
      await page.goto(`${base}/mail`);
      await openMessage(page, 'Both kinds');
      assert.match(await page.locator('p.version').innerText(), /^Plain text/);
      assert.match(await page.locator('main').innerText(), /The plain words\./);
      await page.getByRole('link', { name: 'Show HTML' }).click();
      await page.frameLocator('section.html-part iframe').locator('b', { hasText: 'HTML' }).waitFor();
      await saved(page, base, { first: 'html' });
    });
  });
});
