// HTML mail in Chromium: shown in a sandboxed frame where no script runs, and
// nothing from elsewhere is fetched until the user clicks "Show remote images".
import assert from 'node:assert/strict';
import { browserSuite, logOn, openMessage, startProbe, withPage, USER } from './lib.mjs';

// What a hostile sender might put in a message, every piece observable: the
// marker's text, the titles, and requests to the probe server.
function probeMessage(subject, probe) {
  return `From: Probe <probe@example.com>
To: ${USER}
Subject: ${subject}
Date: Mon, 2 Nov 2026 10:00:00 +0000
Message-ID: <probe-${Date.now()}@example.com>
MIME-Version: 1.0
Content-Type: text/html; charset=utf-8

<html><head><title>untouched</title>
<link rel="stylesheet" href="${probe}/style.css">
<meta http-equiv="refresh" content="0; url=${probe}/refresh">
</head>
<body onload="document.title = 'onload ran'">
<p id="marker">script did not run</p>
<script>
document.getElementById('marker').textContent = 'SCRIPT RAN';
document.title = 'script ran';
try { parent.document.title = 'parent reached'; } catch (e) {}
try { top.location = '/logoff'; } catch (e) {}
new Image().src = '${probe}/from-script.gif';
fetch('${probe}/fetch');
</script>
<img src="broken.gif" onerror="document.getElementById('marker').textContent = 'HANDLER RAN'">
<img id="remote" src="${probe}/pixel.gif" alt="remote image">
<div style="background: url(${probe}/background.gif)">with a background</div>
<form action="${probe}/form" method="post"><input name="q" value="1"><button id="send">Send</button></form>
</body></html>
`;
}

// Every request to an origin that the page (or a frame) got an answer to; one
// the browser blocked before sending it (by CSP or the sandbox) is not counted.
function recordRequests(page, origin) {
  const urls = [];
  page.on('requestfinished', (r) => {
    if (r.url().startsWith(origin)) urls.push(new URL(r.url()).pathname);
  });
  return urls;
}

const htmlFrame = (page) => page.frameLocator('section.html-part iframe');

browserSuite('HTML mail', {}, (env, test) => {
  test('the newsletter\'s script does not run and its tracking image is not fetched', async () => {
    await withPage(env.browser, async (page, context) => {
      const tracker = [];
      await context.route('**://tracker.example.com/**', (route) => {
        tracker.push(route.request().url());
        return route.fulfill({ status: 200, contentType: 'image/gif', body: Buffer.from('R0lGODlhAQABAAAAACw=', 'base64') });
      });
      await logOn(page, env.inst.base);
      const [htmlResponse] = await Promise.all([
        page.waitForResponse((r) => new URL(r.url()).pathname === '/mail/html'),
        openMessage(page, 'An HTML newsletter'),
      ]);
      assert.match(htmlResponse.headers()['content-security-policy'], /\bsandbox\b/);
      const iframe = page.locator('section.html-part iframe');
      assert.equal(await iframe.getAttribute('sandbox'),
        'allow-same-origin allow-popups allow-popups-to-escape-sandbox',
        'a sandbox that allows new tabs for links, and no script');
      await htmlFrame(page).locator('h1', { hasText: 'News' }).waitFor();
      assert.match(await htmlFrame(page).locator('body').innerText(), /shows HTML mail in a sandbox/);
      const frame = page.frames().find((f) => f.url().includes('/mail/html'));
      assert.equal(await frame.title(), '', 'the script did not set the frame\'s title');
      assert.match(await page.title(), /^An HTML newsletter/, 'nor the page\'s');
      assert.match(await page.locator('section.html-part h2').innerText(), /remote images are blocked/);
      assert.deepEqual(tracker, [], 'no request to the tracker');

      await page.getByRole('link', { name: 'Show remote images' }).click();
      await page.waitForURL((u) => u.pathname === '/mail/read' && u.searchParams.get('images') === '1');
      await htmlFrame(page).locator('img[alt="remote image"]').waitFor();
      await page.waitForLoadState('load');
      assert.deepEqual([...new Set(tracker)], ['https://tracker.example.com/pixel.gif'], 'the image once the user asked');
      const again = page.frames().find((f) => f.url().includes('/mail/html'));
      assert.equal(await again.title(), '', 'and still no script');
    });
  });

  test('no script, event handler, redirect or form in an HTML message does anything', async () => {
    const probe = await startProbe();
    try {
      const subject = `Script probe ${Date.now()}`;
      await env.inst.deliver(probeMessage(subject, probe.base));
      await withPage(env.browser, async (page) => {
        const requested = recordRequests(page, probe.base);
        const dialogs = [];
        page.on('dialog', (d) => { dialogs.push(d.message()); d.dismiss().catch(() => {}); });
        await logOn(page, env.inst.base);
        await openMessage(page, subject);
        const frame = htmlFrame(page);
        await frame.locator('#marker').waitFor();
        await page.waitForLoadState('load');

        assert.equal(await frame.locator('#marker').innerText(), 'script did not run');
        const f = page.frames().find((x) => x.url().includes('/mail/html'));
        assert.equal(await f.title(), 'untouched', 'neither the script nor onload set the title');
        assert.ok(f.url().includes('/mail/html'), 'the frame was not redirected');
        assert.match(await page.title(), new RegExp(`^${subject}`), 'the page\'s title is its own');
        assert.equal(new URL(page.url()).pathname, '/mail/read', 'the page was not navigated');
        assert.equal(await page.locator('header .who').count(), 1, 'still logged on');

        // The form in the message goes nowhere.
        await frame.locator('#send').click();
        await page.locator('h1.subject').waitFor();
        assert.equal(new URL(page.url()).pathname, '/mail/read');

        assert.deepEqual(probe.hits, [], 'the other server heard nothing');
        assert.deepEqual(requested, [], 'nothing fetched from elsewhere');
        assert.deepEqual(dialogs, []);

        // Show remote images: the images come, and still nothing else does.
        await page.getByRole('link', { name: 'Show remote images' }).click();
        await page.waitForURL((u) => u.searchParams.get('images') === '1');
        await frame.locator('#remote').waitFor();
        await page.waitForLoadState('load');
        assert.equal(await frame.locator('#marker').innerText(), 'script did not run');
        const hits = [...new Set(probe.hits)].sort();
        assert.ok(hits.includes('/pixel.gif'), `the remote image was fetched (${hits})`);
        for (const path of ['/style.css', '/refresh', '/from-script.gif', '/fetch', '/form']) {
          assert.ok(!hits.includes(path), `${path} was not requested (${hits})`);
        }
      });
    } finally {
      await probe.close();
    }
  });

  test('an HTML message with nothing remote shows its own images and offers no "Show remote images"', async () => {
    const subject = `Local only ${Date.now()}`;
    const dot = 'R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7';
    await env.inst.deliver(`From: News <news@example.com>
To: ${USER}
Subject: ${subject}
Date: Mon, 2 Nov 2026 10:00:00 +0000
MIME-Version: 1.0
Content-Type: text/html; charset=utf-8

<p id="text">All here.</p><img id="dot" alt="dot" src="data:image/gif;base64,${dot}">
`);
    await withPage(env.browser, async (page) => {
      await logOn(page, env.inst.base);
      await openMessage(page, subject);
      await htmlFrame(page).locator('#text', { hasText: 'All here.' }).waitFor();
      await page.waitForLoadState('load');
      const width = await htmlFrame(page).locator('#dot').evaluate((img) => img.naturalWidth);
      assert.equal(width, 1, 'the data: image is shown');
      assert.equal(await page.getByRole('link', { name: 'Show remote images' }).count(), 0);
    });
  });
});
