// Mail content in Chromium: pictures sent inline (with plain text or named
// by cid: in HTML) are shown from the message's own parts, picture
// attachments get a thumbnail, links in HTML mail open in a new tab that
// leaves the mail page as it was, and addresses in plain text are links.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { browserSuite, logOn, openMessage, startProbe, withPage, USER } from './lib.mjs';

const data = join(dirname(fileURLToPath(import.meta.url)), '..', 'data', 'mail');
const eml = (name) => readFile(join(data, name), 'utf8');
const htmlFrame = (page) => page.frameLocator('section.html-part iframe');
const naturalWidth = (locator) => locator.evaluate((img) => img.complete ? img.naturalWidth : 0);

async function waitForPicture(locator) {
  await locator.waitFor();
  for (let i = 0; i < 100; i++) {
    if ((await naturalWidth(locator)) > 0) return;
    await new Promise((done) => setTimeout(done, 100));
  }
  assert.fail('the picture never loaded');
}

browserSuite('Mail content', {}, (env, test) => {
  test('a plain-text message with an inline picture shows it under the text, and lists it', async () => {
    await env.inst.deliver(await eml('text-inline-image.eml'));
    await withPage(env.browser, async (page) => {
      await logOn(page, env.inst.base);
      await openMessage(page, 'A photo from the phone');
      await waitForPicture(page.locator('.inline-images img[alt="photo.png"]'));
      assert.equal(await naturalWidth(page.locator('.inline-images img')), 3);
      const download = page.locator('ul.attachments a[download]', { hasText: 'photo.png' });
      assert.equal(await download.count(), 1, 'it can be saved too');
    });
  });

  test('a web address in plain text is a link to a new tab, an e-mail address opens compose', async () => {
    const subject = `Plain links ${Date.now()}`;
    await env.inst.deliver(`From: Ann <ann@example.com>
To: ${USER}
Subject: ${subject}
Date: Mon, 2 Nov 2026 10:00:00 +0000
Content-Type: text/plain; charset=utf-8

The notes are at https://example.com/notes?a=1&b="x"<b>bold</b> (or www.example.com/n).
Write to bob.lee+x@example.net, please.
`);
    await withPage(env.browser, async (page) => {
      await logOn(page, env.inst.base);
      await openMessage(page, subject);
      const body = page.locator('pre.body');
      const web = body.locator('a[target="_blank"]');
      assert.deepEqual(await web.evaluateAll((as) => as.map((a) => a.href)),
        ['https://example.com/notes?a=1&b=', 'http://www.example.com/n']);
      assert.equal(await body.locator('b').count(), 0, 'no markup from the text');
      assert.match(await body.innerText(), /&b="x"<b>bold<\/b> \(or www\.example\.com\/n\)\./);
      await body.getByRole('link', { name: 'bob.lee+x@example.net' }).click();
      await page.waitForURL((u) => u.pathname === '/mail/compose');
      assert.equal(await page.locator('input[name="to"]').inputValue(), 'bob.lee+x@example.net');
    });
  });

  test('an HTML message shows its cid: picture from its own part', async () => {
    await env.inst.deliver(await eml('html-cid-image.eml'));
    await withPage(env.browser, async (page) => {
      await logOn(page, env.inst.base);
      const [html] = await Promise.all([
        page.waitForResponse((r) => new URL(r.url()).pathname === '/mail/html'),
        openMessage(page, 'An HTML mail with its logo'),
      ]);
      const csp = html.headers()['content-security-policy'];
      assert.match(csp, /img-src data:;/, `nothing fetched, not even from us: ${csp}`);
      await htmlFrame(page).locator('#text').waitFor();
      await waitForPicture(htmlFrame(page).locator('#logo'));
      assert.equal(await page.locator('ul.attachments li').count(), 0,
        'the picture the HTML shows is not listed again');
      assert.equal(await page.locator('pre.body').count(), 0, 'one version: the HTML');

      await page.getByRole('link', { name: 'Show plain text' }).click();
      await page.waitForURL((u) => u.searchParams.get('v') === 'text');
      assert.match(await page.locator('pre.body').innerText(), /Our logo:/);
      assert.equal(await page.locator('section.html-part').count(), 0, 'and now only the text');
      await waitForPicture(page.locator('.inline-images img'));
      await page.getByRole('link', { name: 'Show HTML' }).click();
      await htmlFrame(page).locator('#logo').waitFor();
    });
  });

  test('a picture attachment has a thumbnail; an SVG part is never shown', async () => {
    await env.inst.deliver(await eml('image-attachment.eml'));
    await withPage(env.browser, async (page) => {
      await logOn(page, env.inst.base);
      await openMessage(page, 'A picture attached');
      const thumb = page.locator('ul.attachments a.thumb img[alt="chart.png"]');
      await waitForPicture(thumb);
      assert.equal(await page.locator('img[alt="drawing.svg"]').count(), 0, 'no SVG preview');
      const full = await thumb.evaluate((img) => img.src);
      const r = await page.request.get(full);
      assert.equal(r.headers()['content-type'], 'image/png');
      assert.match(r.headers()['content-disposition'], /^inline;/);
      assert.equal(r.headers()['x-content-type-options'], 'nosniff');
      assert.match(r.headers()['content-security-policy'], /^sandbox/);
      // The SVG asked for as a picture still comes as a download.
      const svg = await page.request.get(full.replace(/n=\d+$/, 'n=3'));
      assert.equal(svg.headers()['content-type'], 'application/octet-stream');
      assert.match(svg.headers()['content-disposition'], /^attachment;/);
    });
  });

  test('a link in HTML mail opens in a new tab and the mail page stays', async () => {
    const probe = await startProbe();
    try {
      const subject = `Links ${Date.now()}`;
      await env.inst.deliver(`From: News <news@example.com>
To: ${USER}
Subject: ${subject}
Date: Mon, 2 Nov 2026 10:00:00 +0000
MIME-Version: 1.0
Content-Type: text/html; charset=utf-8

<base target="_self">
<p><a id="out" target="_self" href="${probe.base}/landing?from=mail">Read more</a></p>
<p><a id="js" href=" java&#115;cript:alert(1)">Click</a> <a id="data" href="data:text/html,hi">Data</a>
<a id="mail" href="mailto:ann@example.com">Write</a></p>
`);
      await withPage(env.browser, async (page, context) => {
        await logOn(page, env.inst.base);
        await openMessage(page, subject);
        const frame = htmlFrame(page);
        await frame.locator('#out').waitFor();
        assert.equal(await page.locator('section.html-part iframe').getAttribute('sandbox'),
          'allow-same-origin allow-popups allow-popups-to-escape-sandbox');
        assert.equal(await frame.locator('#js').getAttribute('href'), null, 'javascript: removed');
        assert.equal(await frame.locator('#data').getAttribute('href'), null, 'data: removed');
        assert.equal(await frame.locator('#mail').getAttribute('href'), 'mailto:ann@example.com');
        assert.equal(await frame.locator('#out').getAttribute('rel'), 'noopener noreferrer');
        const mailUrl = page.url();
        const [popup] = await Promise.all([
          context.waitForEvent('page'),
          frame.locator('#out').click(),
        ]);
        await popup.waitForLoadState();
        assert.equal(popup.url(), `${probe.base}/landing?from=mail`);
        assert.equal(await popup.evaluate(() => window.opener), null, 'no opener');
        assert.equal(await popup.evaluate(() => document.referrer), '', 'no referrer');
        assert.equal(page.url(), mailUrl, 'the mail page stays');
        await frame.locator('#out').waitFor();
        assert.ok(page.frames().some((f) => f.url().includes('/mail/html')), 'the frame stays');
        assert.equal(probe.hits[0], '/landing?from=mail');
      });
    } finally {
      await probe.close();
    }
  });
});
