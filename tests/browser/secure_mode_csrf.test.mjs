// The mode switch and "back" against an attacker, in Chromium: a switch link
// made by one browser does not log another on (login CSRF), and the reported
// open redirects (a TAB that Chromium drops, an escaped one) end on this server.
import assert from 'node:assert/strict';
import { request } from 'playwright-core';
import { browserSuite, onLogonPage, withPage, USER } from './lib.mjs';

// A host name, as users reach the server: Chromium treats 127.0.0.1 as
// trustworthy even over HTTP, which would hide the cookie rules.
const HOST = 'mail.example.org';
const plain = (inst) => `http://${HOST}:${inst.httpPort}`;
const secure = (inst) => `https://${HOST}:${inst.httpsPort}`;

browserSuite('mode switch and redirects under attack', {
  instance: { ssl: true },
  browserArgs: [`--host-resolver-rules=MAP ${HOST} 127.0.0.1`],
}, (env, test) => {
  test("an attacker's switch link opened in the victim's browser does not log it on", async () => {
    // The attacker needs no browser: a client of his own logs on, asks for the
    // switch and keeps the link instead of following it.
    const attacker = await request.newContext({ ignoreHTTPSErrors: true, maxRedirects: 0 });
    try {
      const at = `http://127.0.0.1:${env.inst.httpPort}`;
      const form = await (await attacker.get(`${at}/`)).text();
      const csrf = form.match(/name="csrf" value="([^"]+)"/)[1];
      const logon = await attacker.post(`${at}/logon`, { form: { csrf, user: USER, password: env.inst.password } });
      assert.equal(logon.status(), 303, 'the attacker is logged on');
      const r = await attacker.get(`${at}/mode/secure?back=/mail`);
      assert.equal(r.status(), 302);
      const own = r.headers().location;
      const token = (await attacker.storageState()).cookies.find((c) => c.name === 'webmsg_switch')?.value;
      assert.ok(token, 'the token went to the client that asked');
      // The link as he would send it: the server's name, and the token in the
      // address as it used to travel.
      const link = own.replace('127.0.0.1', HOST);
      assert.equal(link, `${secure(env.inst)}/mode/enter?back=/mail`, 'nothing secret in the link');

      await withPage(env.browser, async (victim, victimContext) => {
        for (const url of [link, `${link}&t=${token}`]) {
          await victim.goto(url);
          await victim.waitForURL((u) => u.pathname === '/mail');
          assert.ok(await onLogonPage(victim), `${url}: the victim sees the logon page, not the attacker's mail`);
        }
        const cookies = await victimContext.cookies();
        assert.equal(cookies.find((c) => c.name === '__Host-webmsg_session'), undefined, "no session in the victim's browser");
      });

      // The token was good all along, only bound: the client that asked can use it.
      const arrival = await attacker.get(own);
      assert.equal(arrival.status(), 200);
      assert.match(arrival.headers()['set-cookie'] ?? '', /__Host-webmsg_session=[\w-]{43}/);
    } finally {
      await attacker.dispose();
    }
  });

  test('the reported open redirect /mode/leave?back=/%09/evil.example stays on this server', async () => {
    await withPage(env.browser, async (page) => {
      const asked = [];
      page.on('request', (req) => asked.push(new URL(req.url()).hostname));
      for (const url of [`${plain(env.inst)}/mode/leave?back=/%09/evil.example`,
                         `${secure(env.inst)}/mode/enter?back=/%09/evil.example`,
                         `${plain(env.inst)}/mode/secure?back=/%2509/evil.example`]) {
        await page.goto(url);
        await page.waitForLoadState('domcontentloaded');
        assert.equal(new URL(page.url()).hostname, HOST, `${url} ends here`);
        assert.ok(await onLogonPage(page), `${url}: this server's front page`);
      }
      assert.deepEqual([...new Set(asked)], [HOST], 'no request left this server');
    });
  });

  test('a logon form whose back was tampered with goes to the mailbox', async () => {
    await withPage(env.browser, async (page) => {
      const asked = [];
      page.on('request', (req) => asked.push(new URL(req.url()).hostname));
      await page.goto(`${plain(env.inst)}/`);
      await page.locator('input[name="back"]').evaluate((el) => { el.value = '/\t/evil.example'; });
      await page.locator('#user').fill(USER);
      await page.locator('#password').fill(env.inst.password);
      await page.locator('form[action="/logon"] button[type=submit]').click();
      await page.waitForURL((u) => u.pathname === '/mail');
      assert.equal(new URL(page.url()).origin, plain(env.inst));
      assert.equal(await page.locator('header .who').innerText(), USER);
      assert.deepEqual([...new Set(asked)], [HOST], 'no request left this server');
    });
  });
});
