// Logging on and off as a user does it in Chromium: the inbox after logon, the
// same answer for a wrong password and an unknown user, a bare user name on a
// mail domain's host, and nothing usable behind the Back button after logoff.
import assert from 'node:assert/strict';
import {
  browserSuite, logOff, logOn, logonError, messageRow, onLogonPage, openMessage, withPage,
  DOMAIN, PASSWORD, USER, WRONG_LOGON,
} from './lib.mjs';

const MAIL_HOST = `mail.${DOMAIN}`;

browserSuite('logon', {
  // mail.example.org is this machine for the browser, as DNS would make it.
  browserArgs: [`--host-resolver-rules=MAP ${MAIL_HOST} 127.0.0.1`],
}, (env, test) => {
  test('the logon page asks for user ID and password, with Expire page views and Remember me', async () => {
    await withPage(env.browser, async (page) => {
      const response = await page.goto(`${env.inst.base}/`);
      assert.equal(response.status(), 200);
      assert.match(await page.title(), /^Log on/);
      await page.locator('#user').waitFor();
      assert.equal(await page.locator('#password').getAttribute('type'), 'password');
      assert.equal(await page.getByLabel('Expire page views').isChecked(), false);
      assert.equal(await page.getByLabel('Remember me on this computer').isChecked(), false);
      assert.match(await page.locator('footer').innerText(), /Regular mode \(HTTP\)/);
    });
  });

  test('a user logs on and sees the inbox', async () => {
    await withPage(env.browser, async (page, context) => {
      await logOn(page, env.inst.base);
      assert.equal(new URL(page.url()).pathname, '/mail');
      assert.equal(await page.locator('header .who').innerText(), USER);
      assert.match(await page.locator('main.list h1').innerText(), /^INBOX\s+4 messages/);
      for (const subject of ['Welcome to Web Messaging', 'Reisepläne für Dezember ✈',
        'Monthly report, with the figures attached', 'An HTML newsletter']) {
        assert.equal(await messageRow(page, subject).count(), 1, `"${subject}" is in the list`);
      }
      assert.equal(await page.locator('nav.folders li.current').innerText(), 'INBOX (4)');
      const session = (await context.cookies()).find((c) => c.name === 'webmsg_session');
      assert.ok(session, 'a session cookie');
      assert.equal(session.httpOnly, true);
      assert.equal(session.sameSite, 'Strict');
      assert.equal(session.secure, false, 'no Secure flag over plain HTTP');
      assert.equal(session.expires, -1, 'the session cookie ends with the browser');
    });
  });

  test('every logon gets a new session id', async () => {
    await withPage(env.browser, async (page, context) => {
      await logOn(page, env.inst.base);
      const first = (await context.cookies()).find((c) => c.name === 'webmsg_session').value;
      await page.goto(`${env.inst.base}/`);
      await page.waitForURL((u) => u.pathname === '/mail');
      await logOff(page);
      await logOn(page, env.inst.base);
      const second = (await context.cookies()).find((c) => c.name === 'webmsg_session').value;
      assert.notEqual(second, first);
    });
  });

  test('a wrong password and an unknown user get the same answer, which does not say which', async () => {
    await withPage(env.browser, async (page) => {
      const wrongPassword = await logOn(page, env.inst.base, { password: 'not the password', expectFailure: true });
      const pageWrongPassword = await page.locator('main.logon-box').innerText();
      assert.equal(wrongPassword.status(), 401);
      assert.equal(await logonError(page), WRONG_LOGON);
      assert.equal(await page.locator('#user').inputValue(), USER, 'the user ID stays typed');
      assert.equal(await page.locator('#password').inputValue(), '', 'the password does not');
      assert.equal(await page.locator('header .who').count(), 0);

      const unknown = await logOn(page, env.inst.base, { user: `nobody@${DOMAIN}`, expectFailure: true });
      assert.equal(unknown.status(), 401);
      assert.equal(await logonError(page), WRONG_LOGON);
      const pageUnknown = await page.locator('main.logon-box').innerText();
      assert.equal(pageUnknown, pageWrongPassword, 'the two pages read the same');
      assert.doesNotMatch(pageUnknown, /unknown|no such|not exist|does not|incorrect password/i);

      // And the right password still works afterwards.
      await logOn(page, env.inst.base);
      assert.equal(await page.locator('header .who').innerText(), USER);
    });
  });

  test('a bare user name logs on when the address names a mail domain, and not otherwise', async () => {
    await withPage(env.browser, async (page) => {
      await logOn(page, `http://${MAIL_HOST}:${env.inst.httpPort}`, { user: 'demo' });
      assert.equal(await page.locator('header .who').innerText(), USER);
      assert.equal(new URL(page.url()).host, `${MAIL_HOST}:${env.inst.httpPort}`);
    });
    await withPage(env.browser, async (page) => {
      const r = await logOn(page, env.inst.base, { user: 'demo', expectFailure: true });
      assert.equal(r.status(), 401, '127.0.0.1 is no mail domain');
      assert.equal(await logonError(page), WRONG_LOGON);
    });
  });

  test('after logoff, Back shows nothing usable and every link or action leads to the logon page', async () => {
    await withPage(env.browser, async (page, context) => {
      await logOn(page, env.inst.base);
      // Two more tabs left open on the message list, as on a shared computer.
      const stale = [];
      for (let i = 0; i < 2; i++) {
        const tab = await context.newPage();
        await tab.goto(`${env.inst.base}/mail`);
        await messageRow(tab, 'Welcome to Web Messaging').waitFor();
        stale.push(tab);
      }

      await openMessage(page, 'Welcome to Web Messaging');
      const body = 'this is your mailbox on the demo instance';
      assert.match(await page.locator('pre.body').innerText(), new RegExp(body));
      const [logoff] = await Promise.all([
        page.waitForResponse((r) => new URL(r.url()).pathname === '/logoff'),
        logOff(page),
      ]);
      assert.equal(logoff.status(), 303);
      assert.equal((await logoff.allHeaders())['clear-site-data'], '"cache"', 'logoff clears the browser\'s cache');
      assert.equal((await context.cookies()).filter((c) => c.name === 'webmsg_session').length, 0,
        'the session cookie is gone');

      // Back to the message, and back again to the list: the logon page each time.
      await page.goBack();
      assert.equal(new URL(page.url()).pathname, '/mail/read');
      assert.ok(await onLogonPage(page), 'Back to the message shows the logon page');
      assert.doesNotMatch(await page.locator('body').innerText(), new RegExp(body));
      await page.reload();
      assert.ok(await onLogonPage(page), 'and so does reloading it');
      await page.goBack();
      assert.equal(new URL(page.url()).pathname, '/mail');
      assert.ok(await onLogonPage(page), 'Back to the list shows the logon page');
      assert.equal(await messageRow(page, 'Welcome to Web Messaging').count(), 0);

      // A tab still showing the list: a message link leads to the logon page...
      await openMessageLink(stale[0], 'Monthly report');
      assert.ok(await onLogonPage(stale[0]), 'a message link leads to the logon page');
      assert.doesNotMatch(await stale[0].locator('body').innerText(), /figures for November/);
      // ...and an action (Delete) too, without doing anything.
      await messageRow(stale[1], 'Welcome to Web Messaging').locator('input[name=id]').check();
      await stale[1].locator('form#messages button[value=delete]').click();
      await stale[1].waitForURL((u) => u.pathname === '/');
      assert.ok(await onLogonPage(stale[1]), 'Delete leads to the logon page');
      // Nothing was deleted: the message is still in the inbox after a new logon.
      await logOn(page, env.inst.base);
      assert.equal(await messageRow(page, 'Welcome to Web Messaging').count(), 1);
    });
  });

  test('the password is not kept in the page after logon', async () => {
    await withPage(env.browser, async (page) => {
      await logOn(page, env.inst.base);
      assert.ok(!(await page.content()).includes(PASSWORD));
    });
  });
});

// Clicks a message's link in a list that may be stale, and waits for what comes.
async function openMessageLink(page, subject) {
  await page.locator('td.subject a', { hasText: subject }).click();
  await page.waitForURL((u) => u.pathname === '/mail/read');
  await page.waitForLoadState('domcontentloaded');
}
