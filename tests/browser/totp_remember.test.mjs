// Remembered logons and the second factor in Chromium: "Remember me" resumes
// a session without the code only when that logon passed the code and
// login.remember_totp allows it, as the policy stands when the browser comes
// back. A token from before the user set up a key, or one resumed after the
// administrator turned login.remember_totp off, leads to the code page (the
// password is not asked again); one whose user must now set up a key (the
// domain's policy became required) leads to the set-up page.
import assert from 'node:assert/strict';
import { before } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { browserSuite, logOn, withPage, onLogonPage } from './lib.mjs';
import { codeAt, nowStep } from './totp_lib.mjs';

const CLEO = 'cleo@example.org';
const DORA = 'dora@strict.example';
const PASS = 'Cleo and Dora, 2 passwords!';

// A browser opened again: what it kept on disk (no session cookies).
function afterRestart(state) {
  return { ...state, cookies: state.cookies.filter((c) => c.expires !== -1) };
}

const rememberCookie = async (context) =>
  (await context.cookies()).find((c) => c.name === 'webmsg_remember');

browserSuite('totp_remember', {
  instance: { settings: { 'login.remember_totp': 'on', 'login.throttle_pair_failures': '50' } },
}, (env, test) => {
  before(async () => {
    await env.inst.admin(['user', 'add', CLEO], `${PASS}\n`);
    await env.inst.admin(['domain', 'add', 'strict.example']);
    await env.inst.admin(['user', 'add', DORA], `${PASS}\n`);
  });

  // Each time step is taken once: the next unused one, never behind the
  // clock (the server takes one step either side of its own), waiting while
  // it is too far ahead.
  let last = 0;
  async function freshCode(secret) {
    for (let i = 0; i < 80 && Math.max(last + 1, nowStep()) > nowStep() + 1; i++)
      await sleep(1000);
    last = Math.max(last + 1, nowStep());
    return codeAt(secret, last);
  }

  async function typeCode(page, code) {
    await page.locator('#code').fill(code);
    await page.getByRole('button', { name: 'Verify' }).click();
  }

  test('a remembered logon asks for the code unless it passed it and login.remember_totp allows it', async () => {
    const base = env.inst.base;
    let secret, beforeKey, withCode, again;
    await withPage(env.browser, async (page, context) => {
      await logOn(page, base, { user: CLEO, password: PASS, remember: true });
      assert.ok(await rememberCookie(context), 'remembered');
      await page.goto(`${base}/settings`);
      await page.getByRole('button', { name: 'Set up two-step verification' }).click();
      await page.locator('#totp-secret').waitFor();
      secret = (await page.locator('#totp-secret').innerText()).trim();
      await page.locator('#totp_code').fill(await freshCode(secret));
      await page.getByRole('button', { name: 'Turn on' }).click();
      await page.locator('#recovery-codes li').first().waitFor();
      beforeKey = afterRestart(await context.storageState());
    });

    // Remembered before she had a key: the code page, not the mailbox.
    await withPage(env.browser, async (page, context) => {
      await page.goto(`${base}/mail`);
      await page.locator('#code').waitFor();
      assert.equal(await page.locator('header .who').count(), 0, 'no mailbox without the code');
      assert.equal(await page.locator('#password').count(), 0, 'the password is not asked again');
      await typeCode(page, await freshCode(secret));
      await page.waitForURL((u) => u.pathname === '/mail');
      assert.equal(await page.locator('header .who').innerText(), CLEO);
      assert.ok(await rememberCookie(context), 'remembered again, now with the code');
      withCode = afterRestart(await context.storageState());
    }, { storageState: beforeKey });

    // Remembered after the code, login.remember_totp on: straight in.
    await withPage(env.browser, async (page, context) => {
      await page.goto(`${base}/mail`);
      await page.locator('header .who').waitFor();
      assert.equal(await page.locator('header .who').innerText(), CLEO);
      again = afterRestart(await context.storageState());
    }, { storageState: withCode });

    // The administrator turns login.remember_totp off: the same browser
    // comes back to the code page, and is not remembered afterwards.
    await env.inst.admin(['config', 'set', 'login.remember_totp', 'off']);
    await withPage(env.browser, async (page, context) => {
      await page.goto(`${base}/mail`);
      await page.locator('#code').waitFor();
      assert.equal(await page.locator('header .who').count(), 0, 'no mailbox without the code');
      await typeCode(page, await freshCode(secret));
      await page.waitForURL((u) => u.pathname === '/mail');
      assert.equal(await page.locator('header .who').innerText(), CLEO);
      assert.equal(await rememberCookie(context), undefined, 'not remembered past the code');
    }, { storageState: again });
    // The token it came with has ended.
    await withPage(env.browser, async (page) => {
      await page.goto(`${base}/mail`);
      assert.ok(await onLogonPage(page), 'the old token logs on no more');
    }, { storageState: again });
    await env.inst.admin(['config', 'set', 'login.remember_totp', 'on']);
  });

  test('a remembered logon of a user whose domain now requires a key goes to its set-up', async () => {
    const base = env.inst.base;
    let state;
    await withPage(env.browser, async (page, context) => {
      await logOn(page, base, { user: DORA, password: PASS, remember: true });
      state = afterRestart(await context.storageState());
    });
    await env.inst.admin(['domain', 'set', 'strict.example', 'totp', 'required']);
    await withPage(env.browser, async (page) => {
      await page.goto(`${base}/mail`);
      await page.locator('#totp-secret').waitFor();
      assert.equal(await page.locator('header .who').count(), 0, 'no mailbox before the set-up');
      const secret = (await page.locator('#totp-secret').innerText()).trim();
      assert.match(secret, /^[A-Z2-7]{32}$/);
      await page.locator('#code').fill(await freshCode(secret));
      await page.getByRole('button', { name: 'Turn on and log on' }).click();
      await page.locator('#recovery-codes li').first().waitFor();
      await page.locator('#go-on').click();
      await page.waitForURL((u) => u.pathname === '/mail');
      assert.equal(await page.locator('header .who').innerText(), DORA);
    }, { storageState: state });
  });
});
