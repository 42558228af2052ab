// What a logon leaves in the browser: "Expire page views" keeps mail pages out
// of every cache (no-store) where a normal logon allows a private copy, and
// "Remember me" logs the user on again in a browser restarted with its
// cookies, until he logs off.
import assert from 'node:assert/strict';
import { browserSuite, logOff, logOn, onLogonPage, openMessage, withPage, USER } from './lib.mjs';

// The Cache-Control of every page of the mailbox (frames included) the page loads.
function recordMailPages(page) {
  const seen = [];
  page.on('response', (r) => {
    const url = new URL(r.url());
    const type = r.request().resourceType();
    if (url.pathname.startsWith('/mail') && (type === 'document' || type === 'subdocument') && r.status() === 200) {
      const headers = r.headers();
      seen.push({ path: url.pathname, cacheControl: headers['cache-control'] ?? '', pragma: headers.pragma ?? '' });
    }
  });
  return seen;
}

// Visits the list, a message with an HTML part, and the compose form.
async function visitMailPages(page, base) {
  await openMessage(page, 'An HTML newsletter');
  await page.frameLocator('section.html-part iframe').locator('h1').waitFor();
  await page.goto(`${base}/mail/compose`);
  await page.locator('#to').waitFor();
  await page.goto(`${base}/mail`);
  await page.locator('table.messages').waitFor();
}

function paths(seen) {
  return [...new Set(seen.map((s) => s.path))].sort();
}

// Cookies a browser keeps when it is closed and opened again: not the session ones.
function afterRestart(state) {
  return { ...state, cookies: state.cookies.filter((c) => c.expires !== -1) };
}

browserSuite('session', {}, (env, test) => {
  test('with "Expire page views" every mail page is sent no-store', async () => {
    await withPage(env.browser, async (page) => {
      const seen = recordMailPages(page);
      await logOn(page, env.inst.base, { expire: true });
      await visitMailPages(page, env.inst.base);
      assert.deepEqual(paths(seen), ['/mail', '/mail/compose', '/mail/html', '/mail/read']);
      for (const s of seen) {
        assert.match(s.cacheControl, /\bno-store\b/, `${s.path}: Cache-Control ${s.cacheControl}`);
        if (s.path !== '/mail/html') assert.equal(s.pragma, 'no-cache', `${s.path}: Pragma`);
      }
    });
  });

  test('without it mail pages are private to the browser, and not no-store', async () => {
    await withPage(env.browser, async (page) => {
      const seen = recordMailPages(page);
      await logOn(page, env.inst.base);
      await visitMailPages(page, env.inst.base);
      assert.deepEqual(paths(seen), ['/mail', '/mail/compose', '/mail/html', '/mail/read']);
      for (const s of seen) {
        assert.match(s.cacheControl, /\bprivate\b/, `${s.path}: Cache-Control ${s.cacheControl}`);
        assert.doesNotMatch(s.cacheControl, /\bno-store\b/, `${s.path}: Cache-Control ${s.cacheControl}`);
      }
    });
  });

  test('without "Remember me" a restarted browser is not logged on', async () => {
    let state;
    await withPage(env.browser, async (page, context) => {
      await logOn(page, env.inst.base);
      assert.equal((await context.cookies()).filter((c) => c.name === 'webmsg_remember').length, 0);
      state = await context.storageState();
    });
    await withPage(env.browser, async (page) => {
      await page.goto(`${env.inst.base}/mail`);
      assert.ok(await onLogonPage(page));
    }, { storageState: afterRestart(state) });
  });

  test('"Remember me" keeps the user logged on in a restarted browser until he logs off', async () => {
    let first, second;
    await withPage(env.browser, async (page, context) => {
      await logOn(page, env.inst.base, { remember: true });
      const cookie = (await context.cookies()).find((c) => c.name === 'webmsg_remember');
      assert.ok(cookie, 'a remember cookie');
      assert.equal(cookie.httpOnly, true);
      assert.equal(cookie.sameSite, 'Strict');
      const days = (cookie.expires - Date.now() / 1000) / 86400;
      assert.ok(days > 29 && days <= 30, `it lasts 30 days (${days.toFixed(2)})`);
      first = afterRestart(await context.storageState());
    });

    // The browser opened again: straight to the mailbox.
    await withPage(env.browser, async (page, context) => {
      await page.goto(`${env.inst.base}/`);
      await page.waitForURL((u) => u.pathname === '/mail');
      assert.equal(await page.locator('header .who').innerText(), USER);
      const cookie = (await context.cookies()).find((c) => c.name === 'webmsg_remember');
      const old = first.cookies.find((c) => c.name === 'webmsg_remember');
      assert.ok(cookie, 'still remembered');
      assert.notEqual(cookie.value, old.value, 'with a new token');
      second = afterRestart(await context.storageState());
      await logOff(page);
      assert.equal((await context.cookies()).filter((c) => c.name === 'webmsg_remember').length, 0,
        'logoff removes the remember cookie');
    }, { storageState: first });

    // The cookie it had before logoff, copied back, logs on no more.
    await withPage(env.browser, async (page, context) => {
      await page.goto(`${env.inst.base}/mail`);
      assert.ok(await onLogonPage(page), 'the remembered logon ended with logoff');
      await page.goto(`${env.inst.base}/`);
      assert.ok(await onLogonPage(page));
      assert.equal((await context.cookies()).filter((c) => c.name === 'webmsg_remember').length, 0,
        'and the server removes the dead cookie');
    }, { storageState: second });
    // Nor does the first one, used up already.
    await withPage(env.browser, async (page) => {
      await page.goto(`${env.inst.base}/mail`);
      assert.ok(await onLogonPage(page));
    }, { storageState: first });
  });

  test('when the administrator turns Remember me off, the box is gone and remembered logons end', async () => {
    let state;
    await withPage(env.browser, async (page, context) => {
      await logOn(page, env.inst.base, { remember: true });
      state = afterRestart(await context.storageState());
    });
    await env.inst.admin(['config', 'set', 'login.remember_me', 'off']);
    try {
      await withPage(env.browser, async (page) => {
        await page.goto(`${env.inst.base}/mail`);
        assert.ok(await onLogonPage(page), 'the remembered logon does not work');
        assert.equal(await page.getByLabel('Remember me on this computer').count(), 0);
        assert.equal(await page.getByLabel('Expire page views').count(), 1);
      }, { storageState: state });
    } finally {
      await env.inst.admin(['config', 'set', 'login.remember_me', 'on']);
    }
  });
});
