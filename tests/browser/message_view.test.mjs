// The message page in Chromium: a PDF attachment opens in the browser's own
// viewer in a tab of its own, under a CSP that runs nothing of it, while an
// HTML or SVG part only downloads; links in HTML mail name their real
// address on hover; the HTML frame is as tall as what it shows (the page
// scrolls, not the frame); a reply or forward saved as a draft and sent
// later still marks its original.
import assert from 'node:assert/strict';
import { browserSuite, logOn, messageRow, openMessage, reloadUntilRow, startProbe, withPage, SENT, USER } from './lib.mjs';

const htmlFrame = (page) => page.frameLocator('section.html-part iframe');

// A one-page PDF that says "Hello PDF", made here.
function helloPdf() {
  const objs = ['<< /Type /Catalog /Pages 2 0 R >>', '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 144] /Contents 4 0 R ' +
      '/Resources << /Font << /F1 5 0 R >> >> >>',
    null, '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>'];
  const stream = 'BT /F1 24 Tf 20 60 Td (Hello PDF) Tj ET';
  let out = '%PDF-1.4\n';
  const offsets = [];
  objs.forEach((o, i) => {
    offsets.push(out.length);
    out += o === null
      ? `${i + 1} 0 obj\n<< /Length ${stream.length} >>\nstream\n${stream}\nendstream\nendobj\n`
      : `${i + 1} 0 obj\n${o}\nendobj\n`;
  });
  const xref = out.length;
  out += `xref\n0 ${objs.length + 1}\n0000000000 65535 f \n`;
  for (const o of offsets) out += `${String(o).padStart(10, '0')} 00000 n \n`;
  out += `trailer\n<< /Size ${objs.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
}

const b64 = (data) => Buffer.from(data).toString('base64').replace(/.{76}/g, '$&\n');

// Polls fn until it returns a true value; fails with what after tries.
async function waitFor(what, fn, tries = 150) {
  for (let i = 0; i < tries; i++) {
    const v = await fn();
    if (v) return v;
    await new Promise((done) => setTimeout(done, 100));
  }
  assert.fail(`${what} never happened`);
}

browserSuite('the message page', {}, (env, test) => {
  test('a PDF opens in the browser\'s viewer in a tab under a CSP sandbox; HTML and SVG parts only download', async () => {
    const subject = `Invoice ${Date.now()}`;
    await env.inst.deliver(`From: Shop <shop@example.com>
To: ${USER}
Subject: ${subject}
Date: Mon, 2 Nov 2026 10:00:00 +0000
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="b"

--b
Content-Type: text/plain; charset=utf-8

Your invoice is attached.
--b
Content-Type: application/pdf; name="invoice.pdf"
Content-Disposition: attachment; filename="invoice.pdf"
Content-Transfer-Encoding: base64

${b64(helloPdf())}
--b
Content-Type: text/html; name="page.html"
Content-Disposition: attachment; filename="page.html"

<script>document.title = 'ran'</script><p>hi</p>
--b
Content-Type: image/svg+xml; name="drawing.svg"
Content-Disposition: attachment; filename="drawing.svg"

<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>
--b--
`);
    await withPage(env.browser, async (page, context) => {
      await logOn(page, env.inst.base);
      await openMessage(page, subject);
      const item = (name) => page.locator('ul.attachments li', { hasText: name });
      const open = item('invoice.pdf').getByRole('link', { name: 'Open invoice.pdf in a new tab' });
      assert.equal(await open.getAttribute('target'), '_blank');
      assert.equal(await open.getAttribute('rel'), 'noopener noreferrer');
      assert.equal(await item('page.html').locator('a.view').count(), 0, 'no viewing of HTML');
      assert.equal(await item('drawing.svg').locator('a.view').count(), 0, 'nor of SVG');

      const viewUrl = new URL(await open.getAttribute('href'), env.inst.base).href;
      const viewed = await page.request.get(viewUrl);
      assert.equal(viewed.headers()['content-type'], 'application/pdf');
      assert.match(viewed.headers()['content-disposition'], /^inline; filename="invoice.pdf"/);
      assert.equal(viewed.headers()['x-content-type-options'], 'nosniff');
      assert.match(viewed.headers()['content-security-policy'], /^sandbox; default-src 'none'/);
      assert.ok((await viewed.body()).subarray(0, 5).equals(Buffer.from('%PDF-')));

      const download = new URL(await item('invoice.pdf').locator('a[download]').getAttribute('href'),
        env.inst.base).href;
      assert.match((await page.request.get(download)).headers()['content-disposition'], /^attachment;/);
      // Asked for as something to view, HTML and SVG still only download.
      const html = new URL(await item('page.html').locator('a[download]').getAttribute('href'),
        env.inst.base).href;
      for (const url of [html, html.replace(/n=(\d+)$/, (m, n) => `n=${Number(n) + 1}`)]) {
        const r = await page.request.get(`${url.replace('&n=', '&view=1&n=')}`);
        assert.equal(r.headers()['content-type'], 'application/octet-stream', url);
        assert.match(r.headers()['content-disposition'], /^attachment;/, url);
      }

      // The tab: Chromium's PDF viewer opens in it (its extension's frame)
      // under the sandbox, and the message page stays.
      const mailUrl = page.url();
      const [tab] = await Promise.all([context.waitForEvent('page'), open.click()]);
      await waitFor('the PDF viewer', () =>
        tab.frames().some((f) => f.url().startsWith('chrome-extension://')));
      assert.equal(new URL(tab.url()).pathname, '/mail/part');
      assert.equal(page.url(), mailUrl, 'the mail page stays');
      await Promise.race([tab.close(), new Promise((done) => setTimeout(done, 3000))]);
    });
  });

  test('a link in HTML mail shows its real address on hover when its text names another', async () => {
    const probe = await startProbe();
    try {
      const subject = `Bank ${Date.now()}`;
      await env.inst.deliver(`From: Bank <bank@example.com>
To: ${USER}
Subject: ${subject}
Date: Mon, 2 Nov 2026 10:00:00 +0000
MIME-Version: 1.0
Content-Type: text/html; charset=utf-8

<p><a id="fake" title="https://bank.example/login" href="${probe.base}/phish">https://bank.example/login</a></p>
<p><a id="plain" href="${probe.base}/notes">${probe.base}/notes</a></p>
`);
      await withPage(env.browser, async (page, context) => {
        await logOn(page, env.inst.base);
        await openMessage(page, subject);
        const frame = htmlFrame(page);
        await frame.locator('#fake').waitFor();
        assert.equal(await frame.locator('#fake').getAttribute('title'), `${probe.base}/phish`,
          'the real address, not the one the mail wrote');
        assert.equal(await frame.locator('#plain').getAttribute('title'), null,
          'a text that is the address itself needs none');
        assert.equal(await frame.locator('#fake').getAttribute('rel'), 'noopener noreferrer');
        const [tab] = await Promise.all([context.waitForEvent('page'), frame.locator('#fake').click()]);
        await tab.waitForLoadState();
        assert.equal(tab.url(), `${probe.base}/phish`);
        assert.equal(await tab.evaluate(() => window.opener), null, 'no opener');
        assert.equal(await tab.evaluate(() => document.referrer), '', 'no referrer');
      });
    } finally {
      await probe.close();
    }
  });

  test('a long HTML mail shows in a frame as tall as its content: the page scrolls, not the frame', async () => {
    const subject = `Long letter ${Date.now()}`;
    const paragraphs = Array.from({ length: 120 }, (_, i) => `<p>Paragraph ${i + 1} of the long letter.</p>`);
    await env.inst.deliver(`From: Ann <ann@example.com>
To: ${USER}
Subject: ${subject}
Date: Mon, 2 Nov 2026 10:00:00 +0000
MIME-Version: 1.0
Content-Type: text/html; charset=utf-8

<!DOCTYPE html><html><body>${paragraphs.join('\n')}<p id="end">The end.</p></body></html>
`);
    await withPage(env.browser, async (page) => {
      await logOn(page, env.inst.base);
      await openMessage(page, subject);
      const iframe = page.locator('section.html-part iframe');
      assert.equal(await iframe.getAttribute('sandbox'),
        'allow-same-origin allow-popups allow-popups-to-escape-sandbox', 'no allow-scripts');
      await htmlFrame(page).locator('#end').waitFor();
      const inner = () => page.frames().find((f) => f.url().includes('/mail/html'));
      const sizes = async () => ({
        frame: await iframe.evaluate((f) => f.clientHeight),
        content: await inner().evaluate(() => document.documentElement.scrollHeight),
      });
      await waitFor('the frame to take its content\'s height', async () => {
        const s = await sizes();
        return s.frame >= s.content && s.frame > 1000;
      });
      const s = await sizes();
      const pageHeight = await page.evaluate(() => document.documentElement.scrollHeight);
      const viewport = await page.evaluate(() => window.innerHeight);
      assert.ok(pageHeight > viewport, `the page scrolls (${pageHeight} > ${viewport})`);
      assert.ok(pageHeight >= s.frame, 'the page holds the whole frame');
      // Inside the frame nothing is left to scroll.
      const innerScroll = await inner().evaluate(() => {
        window.scrollTo(0, 100000);
        return window.scrollY;
      });
      assert.equal(innerScroll, 0, `no inner scroll bar (frame ${s.frame}, content ${s.content})`);
      // The frame holds no script.
      assert.equal(await inner().evaluate(() => document.scripts.length), 0);
    });
  });

  test('a reply and a forward saved as drafts and sent later still mark their originals', async () => {
    const stamp = Date.now();
    for (const what of ['Quince', 'Medlar']) {
      await env.inst.deliver(`From: Ann <ann@example.com>
To: ${USER}
Subject: ${what} ${stamp}
Date: Mon, 2 Nov 2026 10:00:00 +0000
Message-ID: <${what}.${stamp}@example.com>

About ${what}.
`);
    }
    const exactRow = (page, subject) => page.locator('table.messages tbody tr').filter({
      has: page.locator('td.subject a', { hasText: new RegExp(`^${subject}$`) }),
    });
    await withPage(env.browser, async (page) => {
      await logOn(page, env.inst.base);
      for (const [what, link, mark] of [['Quince', 'Reply', 'Answered'], ['Medlar', 'Forward', 'Forwarded']]) {
        const subject = `${what} ${stamp}`;
        await page.goto(`${env.inst.base}/mail?f=INBOX`);
        await openMessage(page, subject);
        await page.getByRole('link', { name: link, exact: true }).click();
        await page.waitForURL((u) => u.pathname === '/mail/compose');
        await page.locator('#to').fill(USER);
        await page.locator('#body').fill(`About ${what}, later.`);
        await page.getByRole('button', { name: 'Save draft' }).click();
        await page.waitForURL((u) => u.searchParams.get('n') === 'saved');

        // Another day: the draft from Drafts, sent.
        await page.goto(`${env.inst.base}/mail?f=Drafts`);
        const draftSubject = link === 'Reply' ? `Re: ${subject}` : `Fwd: ${subject}`;
        await messageRow(page, draftSubject).locator('td.subject a').click();
        await page.waitForURL((u) => u.pathname === '/mail/compose' && u.searchParams.get('mode') === 'draft');
        assert.equal(await page.locator('#body').inputValue(), `About ${what}, later.`);
        await page.getByRole('button', { name: 'Send' }).click();
        await page.waitForURL((u) => u.pathname === '/mail' && u.searchParams.get('n') === SENT.n);
        await reloadUntilRow(page, `${env.inst.base}/mail?f=INBOX`, draftSubject);
        assert.equal(await exactRow(page, subject).locator(`[title=${mark}]`).count(), 1,
          `${subject} is marked ${mark}`);
        if (link === 'Forward') {
          // The original went along once, not once more for each save.
          await openMessage(page, draftSubject);
          assert.equal(await page.locator('ul.attachments li').count(), 1);
        }
      }
    });
  });

  test('a draft naming an original that is not the user\'s message marks nothing', async () => {
    const subject = `Crafted ${Date.now()}`;
    await env.inst.deliver(`From: ${USER}
To: ${USER}
Subject: ${subject}
Date: Mon, 2 Nov 2026 10:00:00 +0000
X-Webmsg-Origin: answered f=..%2F..%2Fother id=1.2.host
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8

Hello.
`, 'Drafts');
    await withPage(env.browser, async (page) => {
      await logOn(page, env.inst.base);
      await page.goto(`${env.inst.base}/mail?f=Drafts`);
      await messageRow(page, subject).locator('td.subject a').click();
      await page.waitForURL((u) => u.pathname === '/mail/compose');
      assert.equal(await page.locator('input[name="re_f"]').inputValue(), '');
      assert.equal(await page.locator('input[name="re_id"]').inputValue(), '');
    });
  });
});
