// login.totp required in Chromium: a user without a second factor is sent to
// set it up right after a right password (never before it), logs on by
// confirming a code, sees the recovery codes once, and is asked for a code
// from then on.
import assert from 'node:assert/strict';
import { before } from 'node:test';
import { browserSuite, logOff, logonError, withPage, PASSWORD, WRONG_LOGON } from './lib.mjs';
import { codeAt, nowStep } from './totp_lib.mjs';

const BEA = 'bea@example.org';

async function password(page, base, pass) {
  await page.goto(`${base}/`);
  await page.locator('#user').fill(BEA);
  await page.locator('#password').fill(pass);
  await page.locator('form[action="/logon"] button[type=submit]').click();
  await page.waitForLoadState('domcontentloaded');
}

browserSuite('totp_required', {
  instance: { settings: { 'login.totp': 'required', 'login.throttle_pair_failures': '50' } },
}, (env, test) => {
  before(async () => {
    await env.inst.admin(['user', 'add', BEA], `${PASSWORD}\n`);
  });

  test('a user without a second factor sets it up right after the password', async () => {
    const base = env.inst.base;
    let secret, used;
    await withPage(env.browser, async (page) => {
      await password(page, base, 'not the password');
      assert.equal(await logonError(page), WRONG_LOGON);
      assert.equal(await page.locator('#totp-secret').count(), 0, 'nothing before the password is right');

      await password(page, base, PASSWORD);
      await page.locator('#totp-secret').waitFor();
      secret = (await page.locator('#totp-secret').innerText()).trim();
      assert.match(secret, /^[A-Z2-7]{32}$/);
      assert.ok(await page.locator('svg.qr').isVisible());
      // Not logged on yet: the mail needs the code first.
      assert.equal(await page.locator('header .who').count(), 0);

      await page.locator('#code').fill(codeAt(secret, nowStep() + 5));
      await page.getByRole('button', { name: 'Turn on and log on' }).click();
      await page.locator('.logon-box .error').waitFor();
      assert.equal((await page.locator('#totp-secret').innerText()).trim(), secret, 'the same key, to try again');

      used = nowStep();
      await page.locator('#code').fill(codeAt(secret, used));
      await page.getByRole('button', { name: 'Turn on and log on' }).click();
      await page.locator('#recovery-codes li').first().waitFor();
      assert.equal(await page.locator('#recovery-codes li').count(), 10);
      await page.locator('#go-on').click();
      await page.waitForURL((u) => u.pathname === '/mail');
      assert.equal(await page.locator('header .who').innerText(), BEA);
      await logOff(page);

      // From now on: a code after the password.
      await password(page, base, PASSWORD);
      await page.locator('#code').waitFor();
      assert.equal(await page.locator('#totp-secret').count(), 0, 'no new key');
      await page.locator('#code').fill(codeAt(secret, Math.max(nowStep(), used + 1)));
      await page.getByRole('button', { name: 'Verify' }).click();
      await page.waitForURL((u) => u.pathname === '/mail');
    });
  });
});
