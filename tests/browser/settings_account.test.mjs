// The account part of the settings page in Chromium: changing the password
// ends the user's other sessions and keeps this one, and the old password no
// longer logs on; and address completion in compose offers recent recipients
// and the users of the user's domain.
import assert from 'node:assert/strict';
import { before } from 'node:test';
import { browserSuite, logOn, onLogonPage, withPage, PASSWORD } from './lib.mjs';

const PAT = 'pat@example.org';
const ZOE = 'zoe@example.net';

browserSuite('settings_account', {}, (env, test) => {
  // Another domain's user (a recipient known only from sent mail) and a user
  // of this domain (offered by completion; the one whose password changes).
  before(async () => {
    await env.inst.admin(['domain', 'add', 'example.net']);
    await env.inst.admin(['user', 'add', ZOE], `${PASSWORD}\n`);
    await env.inst.admin(['user', 'add', PAT], `${PASSWORD}\n`);
  });

  test('address completion offers a recent recipient and a user of the domain', async () => {
    await withPage(env.browser, async (page) => {
      const base = env.inst.base;
      await logOn(page, base);
      // ZOE is another domain's user: known only once the user has written to her.
      await page.goto(`${base}/mail/compose`);
      await page.locator('#to').fill(ZOE);
      await page.locator('#subject').fill('Hello Zoe');
      await page.getByRole('button', { name: 'Send' }).click();
      await page.waitForURL((u) => u.pathname === '/mail' && u.searchParams.get('n') === 'sent');
      await page.goto(`${base}/mail/compose`);
      await page.locator('#to').pressSequentially('zo');
      await page.locator(`#addresses-to option[value="${ZOE}"]`).waitFor({ state: 'attached' });
      // PAT is a user of the domain nobody has written to yet; the list is the whole field.
      await page.locator('#cc').pressSequentially(`${ZOE}, pa`);
      await page.locator(`#addresses-cc option[value="${ZOE}, ${PAT}"]`).waitFor({ state: 'attached' });
      // The endpoint itself: JSON, session needed.
      const answer = await page.request.get(`${base}/mail/addresses?q=pa`);
      assert.match(answer.headers()['content-type'], /^application\/json/);
      assert.deepEqual(await answer.json(), [PAT]);
    });
    const anonymous = await fetch(`${env.inst.base}/mail/addresses?q=pa`);
    assert.ok(!(await anonymous.text()).includes(PAT), 'no session: no addresses');
  });

  test('change password: the old one no longer logs on, another session ends, this one stays', async () => {
    const NEW = 'A new passphrase, 2nd edition';
    await withPage(env.browser, async (other) => {
      await logOn(other, env.inst.base, { user: PAT });
      await withPage(env.browser, async (page) => {
        const base = env.inst.base;
        await logOn(page, base, { user: PAT });
        await page.goto(`${base}/settings`);
        await page.locator('#old_password').fill('not my password');
        await page.locator('#new_password').fill(NEW);
        await page.locator('#new_password2').fill(NEW);
        await page.getByRole('button', { name: 'Change password' }).click();
        await page.locator('#old-error').waitFor();
        assert.match(await page.locator('#old-error').innerText(), /not your current password/);

        await page.locator('#old_password').fill(PASSWORD);
        await page.locator('#new_password').fill(NEW);
        await page.locator('#new_password2').fill(`${NEW}!`);
        await page.getByRole('button', { name: 'Change password' }).click();
        await page.locator('#new2-error').waitFor();

        await page.locator('#old_password').fill(PASSWORD);
        await page.locator('#new_password').fill(NEW);
        await page.locator('#new_password2').fill(NEW);
        await page.getByRole('button', { name: 'Change password' }).click();
        await page.waitForURL((u) => u.pathname === '/settings' && u.searchParams.get('n') === 'password');
        assert.match(await page.locator('main.settings p.notice').innerText(), /password was changed/);
        await page.goto(`${base}/mail`);
        assert.equal(await page.locator('header .who').innerText(), PAT, 'this session stays');
      });
      await other.goto(`${env.inst.base}/mail`);
      assert.ok(await onLogonPage(other), 'the other session ended');
    });
    await withPage(env.browser, async (page) => {
      await logOn(page, env.inst.base, { user: PAT, expectFailure: true });
      assert.ok(await onLogonPage(page), 'the old password no longer logs on');
      await logOn(page, env.inst.base, { user: PAT, password: NEW });
    });
  });
});
