// Regular and secure mode in Chromium: "Enter Secure Mode" and "Return to
// regular mode" move the page between the HTTP and HTTPS listeners with the
// user still logged on, the footer says which mode a page is in, and Force
// SSL sends every plain HTTP address to HTTPS.
import assert from 'node:assert/strict';
import { browserSuite, logOn, logonError, messageRow, onLogonPage, openMessage, withPage, USER } from './lib.mjs';

// Over HTTPS the session cookie is __Host-webmsg_session: the two modes' cookies never clash.
const sessionCookie = async (context, secure = false) =>
  (await context.cookies()).find((c) => c.name === (secure ? '__Host-webmsg_session' : 'webmsg_session'));

// The server as users reach it: by a host name. (127.0.0.1 and localhost are
// "potentially trustworthy" to Chromium even over plain HTTP, which hides the
// cookie rules a real host name gets.) The browser resolves it to 127.0.0.1.
const HOST = 'mail.example.org';
const plain = (inst) => `http://${HOST}:${inst.httpPort}`;
const secure = (inst) => `https://${HOST}:${inst.httpsPort}`;

browserSuite('secure mode', {
  instance: { ssl: true },
  browserArgs: [`--host-resolver-rules=MAP ${HOST} 127.0.0.1`],
}, (env, test) => {
  test('Enter Secure Mode goes to the same page over HTTPS, still logged on', async () => {
    await withPage(env.browser, async (page, context) => {
      await logOn(page, plain(env.inst));
      await openMessage(page, 'Welcome to Web Messaging');
      const here = new URL(page.url());
      const footer = page.locator('footer.mode');
      assert.match(await footer.innerText(), /Regular mode \(HTTP\)/);
      const plainId = (await sessionCookie(context)).value;

      await footer.getByRole('link', { name: 'Enter Secure Mode' }).click();
      await page.waitForURL((u) => u.protocol === 'https:' && u.pathname === here.pathname);
      const there = new URL(page.url());
      assert.equal(there.origin, secure(env.inst), 'the HTTPS listener');
      assert.equal(there.search, here.search, 'the same message');
      assert.match(await footer.innerText(), /Secure mode \(HTTPS\)/);
      assert.equal(await footer.getByRole('link', { name: 'Return to regular mode' }).count(), 1);
      assert.equal(await page.locator('header .who').count(), 1, 'still logged on after Enter Secure Mode');
      assert.equal(await page.locator('header .who').innerText(), USER);
      assert.equal(await page.locator('h1.subject').innerText(), 'Welcome to Web Messaging');
      const cookie = await sessionCookie(context, true);
      assert.equal(cookie.secure, true, 'the secure session cookie is Secure');
      assert.notEqual(cookie.value, plainId, 'the session id changed');
    });
  });

  test('Return to regular mode goes to the same page over HTTP, still logged on', async () => {
    await withPage(env.browser, async (page) => {
      await logOn(page, secure(env.inst));
      await openMessage(page, 'Welcome to Web Messaging');
      const here = new URL(page.url());
      const footer = page.locator('footer.mode');
      assert.match(await footer.innerText(), /Secure mode \(HTTPS\)/);

      await footer.getByRole('link', { name: 'Return to regular mode' }).click();
      await page.waitForURL((u) => u.protocol === 'http:' && u.pathname === here.pathname);
      const there = new URL(page.url());
      assert.equal(there.origin, plain(env.inst));
      assert.equal(there.search, here.search, 'the same message');
      assert.match(await footer.innerText(), /Regular mode \(HTTP\)/);
      assert.equal(await footer.getByRole('link', { name: 'Enter Secure Mode' }).count(), 1);
      assert.equal(await page.locator('header .who').count(), 1, 'still logged on after Return to regular mode');
      assert.equal(await page.locator('h1.subject').innerText(), 'Welcome to Web Messaging');
    });
  });

  test('after a visit to the HTTPS logon page, logging on over plain HTTP still works', async () => {
    await withPage(env.browser, async (page) => {
      await page.goto(`${secure(env.inst)}/`);
      await page.locator('#password').waitFor();
      const r = await logOn(page, plain(env.inst), { expectFailure: true });
      assert.equal(await logonError(page), '', 'no error on the logon page');
      assert.equal(r.status(), 303, 'the logon is accepted');
      await page.waitForURL((u) => u.pathname === '/mail');
      assert.equal(await page.locator('header .who').innerText(), USER);
    });
  });

  test('a secure session never works over plain HTTP', async () => {
    let id;
    await withPage(env.browser, async (page, context) => {
      await logOn(page, secure(env.inst));
      const cookie = await sessionCookie(context, true);
      assert.equal(cookie.secure, true);
      id = cookie.value;
    });
    // The same id sent over plain HTTP, as someone who saw it could: no session there.
    await withPage(env.browser, async (page, context) => {
      await context.addCookies([{ name: 'webmsg_session', value: id, url: plain(env.inst) }]);
      await page.goto(`${plain(env.inst)}/mail`);
      assert.ok(await onLogonPage(page));
    });
  });

  test('logging on over HTTPS: the footer says Secure mode and the cookies are Secure', async () => {
    await withPage(env.browser, async (page, context) => {
      await page.goto(`${secure(env.inst)}/`);
      assert.match(await page.locator('footer.mode').innerText(), /Secure mode \(HTTPS\)/);
      await logOn(page, secure(env.inst));
      assert.equal(new URL(page.url()).origin, secure(env.inst));
      assert.match(await page.locator('footer.mode').innerText(), /Secure mode \(HTTPS\) · Return to regular mode/);
      for (const c of await context.cookies()) assert.equal(c.secure, true, `${c.name} is Secure`);
      assert.equal(await messageRow(page, 'Welcome to Web Messaging').count(), 1);
    });
  });

  test('Force SSL sends plain HTTP to the same address over HTTPS, with no way back to regular mode', async () => {
    await env.inst.admin(['ssl', 'force', 'on']);
    try {
      await withPage(env.browser, async (page) => {
        await page.goto(`${plain(env.inst)}/mail?f=INBOX&s=subject`);
        await page.waitForURL((u) => u.protocol === 'https:');
        const u = new URL(page.url());
        assert.equal(u.origin, secure(env.inst));
        assert.equal(`${u.pathname}${u.search}`, '/mail?f=INBOX&s=subject');
        assert.ok(await onLogonPage(page), 'not logged on yet: the logon page');
        const footer = await page.locator('footer.mode').innerText();
        assert.match(footer, /Secure mode \(HTTPS\)/);
        assert.doesNotMatch(footer, /regular mode/i);

        // The logon form's back field brings the user to the address he asked for.
        await page.locator('#user').fill(USER);
        await page.locator('#password').fill(env.inst.password);
        await page.locator('form[action="/logon"] button[type=submit]').click();
        await page.waitForURL((v) => v.pathname === '/mail' && v.searchParams.get('s') === 'subject');
        assert.equal(new URL(page.url()).origin, secure(env.inst));
        assert.equal(await page.locator('header .who').innerText(), USER);
        assert.doesNotMatch(await page.locator('footer.mode').innerText(), /regular mode/i);
      });
    } finally {
      await env.inst.admin(['ssl', 'force', 'off']);
    }
  });

  test('with Force SSL a logged-on user who types an http:// address stays logged on', async () => {
    await env.inst.admin(['ssl', 'force', 'on']);
    try {
      await withPage(env.browser, async (page) => {
        await logOn(page, secure(env.inst));
        await page.goto(`${plain(env.inst)}/mail?f=Sent`);
        await page.waitForURL((u) => u.protocol === 'https:' && u.searchParams.get('f') === 'Sent');
        assert.equal(await page.locator('header .who').count(), 1, 'typed address: still logged on');
        assert.match(await page.locator('main.list h1').innerText(), /^Sent/);
      });
    } finally {
      await env.inst.admin(['ssl', 'force', 'off']);
    }
  });

  test('without Force SSL plain HTTP is served as it is', async () => {
    await withPage(env.browser, async (page) => {
      const response = await page.goto(`${plain(env.inst)}/`);
      assert.equal(response.status(), 200);
      assert.equal(new URL(page.url()).origin, plain(env.inst));
      assert.equal(response.request().redirectedFrom(), null);
    });
  });
});
