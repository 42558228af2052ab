// Two-step verification in Chromium: a user sets it up from the settings page
// (the key read from the page, codes computed here with node's crypto as an
// authenticator app would), then logs on with a code on the second page; a
// code already used and a wrong code are refused, a recovery code works once,
// and the password page says nothing about a second factor before the
// password is right.
import assert from 'node:assert/strict';
import { before } from 'node:test';
import { browserSuite, logOn, logOff, withPage, PASSWORD, WRONG_LOGON, logonError } from './lib.mjs';
import { codeAt, nowStep } from './totp_lib.mjs';

const ANNA = 'anna@example.org';

// Password page, then the code page; resolves with the answer to the code.
async function logOnWithCode(page, base, code) {
  await page.goto(`${base}/`);
  await page.locator('#user').fill(ANNA);
  await page.locator('#password').fill(PASSWORD);
  await page.locator('form[action="/logon"] button[type=submit]').click();
  await page.locator('#code').waitFor();
  await page.locator('#code').fill(code);
  const answer = page.waitForResponse((r) => new URL(r.url()).pathname === '/logon' && r.request().method() === 'POST');
  await page.getByRole('button', { name: 'Verify' }).click();
  const response = await answer;
  await page.waitForLoadState('domcontentloaded');
  return response;
}

browserSuite('totp', {
  // Several wrong codes in a row are part of the test, not an attack.
  instance: { settings: { 'login.throttle_pair_failures': '50' } },
}, (env, test) => {
  before(async () => {
    await env.inst.admin(['user', 'add', ANNA], `${PASSWORD}\n`);
  });

  test('enrol, log on with a code, refused reused and wrong codes, a recovery code once', async () => {
    const base = env.inst.base;
    let secret, recovery, lastUsed;
    await withPage(env.browser, async (page) => {
      await logOn(page, base, { user: ANNA });
      await page.goto(`${base}/settings`);
      assert.match(await page.locator('#totp').innerText(), /Two-step verification is off/);
      await page.getByRole('button', { name: 'Set up two-step verification' }).click();
      await page.locator('#totp-secret').waitFor();
      secret = (await page.locator('#totp-secret').innerText()).trim();
      assert.match(secret, /^[A-Z2-7]{32}$/);
      assert.ok(await page.locator('#totp svg.qr path').isVisible(), 'a QR code is drawn');

      // A wrong code does not turn it on; the key stays on the page.
      const step = nowStep();
      await page.locator('#totp_code').fill(codeAt(secret, step + 5));
      await page.getByRole('button', { name: 'Turn on' }).click();
      await page.locator('#totp .error').waitFor();
      assert.equal((await page.locator('#totp-secret').innerText()).trim(), secret);

      await page.locator('#totp_code').fill(codeAt(secret, step));
      await page.getByRole('button', { name: 'Turn on' }).click();
      await page.locator('#recovery-codes li').first().waitFor();
      recovery = (await page.locator('#recovery-codes li').allInnerTexts()).map((s) => s.trim());
      assert.equal(recovery.length, 10);
      lastUsed = step;
      await page.goto(`${base}/settings`);
      assert.match(await page.locator('#totp').innerText(), /is on.*10 recovery codes left/s);
      await logOff(page);
    });

    await withPage(env.browser, async (page) => {
      // A wrong password: the same answer as for any user, no code asked.
      await logOn(page, base, { user: ANNA, password: 'not the password', expectFailure: true });
      assert.equal(await logonError(page), WRONG_LOGON);
      assert.equal(await page.locator('#code').count(), 0);

      // A right code: the mailbox. The step used at enrolment is spent, so
      // the next one (within the accepted skew) when the clock has not moved.
      const step = Math.max(nowStep(), lastUsed + 1);
      const code = codeAt(secret, step);
      await logOnWithCode(page, base, code);
      await page.waitForURL((u) => u.pathname === '/mail');
      assert.equal(await page.locator('header .who').innerText(), ANNA);
      await logOff(page);

      // The same code again: refused, still on the code page.
      const reused = await logOnWithCode(page, base, code);
      assert.equal(reused.status(), 401);
      assert.match(await page.locator('.logon-box .error').innerText(), /not right, or was used already/);
      assert.equal(await page.locator('header .who').count(), 0);

      // A wrong code: refused too.
      const wrong = String((Number(code) + 1) % 1000000).padStart(6, '0');
      await page.locator('#code').fill(wrong);
      const answer = page.waitForResponse((r) => new URL(r.url()).pathname === '/logon' && r.request().method() === 'POST');
      await page.getByRole('button', { name: 'Verify' }).click();
      assert.equal((await answer).status(), 401);
      assert.equal(await page.locator('header .who').count(), 0);
    });

    await withPage(env.browser, async (page) => {
      // A recovery code, typed in capitals: logs on once.
      await logOnWithCode(page, base, recovery[3].toUpperCase());
      await page.waitForURL((u) => u.pathname === '/mail');
      await page.goto(`${base}/settings`);
      assert.match(await page.locator('#totp').innerText(), /9 recovery codes left/);
      await logOff(page);
      const again = await logOnWithCode(page, base, recovery[3]);
      assert.equal(again.status(), 401);
      assert.equal(await page.locator('header .who').count(), 0);
    });

    await withPage(env.browser, async (page) => {
      // Turned off with the password: the password alone logs on again.
      await logOnWithCode(page, base, recovery[4]);
      await page.waitForURL((u) => u.pathname === '/mail');
      await page.goto(`${base}/settings`);
      await page.locator('#totp_password').fill(PASSWORD);
      await page.getByRole('button', { name: 'Turn off two-step verification' }).click();
      await page.waitForURL((u) => u.searchParams.get('n') === 'totp_off');
      await logOff(page);
      await logOn(page, base, { user: ANNA });
    });
  });
});
