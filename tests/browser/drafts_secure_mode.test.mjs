// Switching mode while composing keeps the text: "Save and enter Secure
// Mode" on the compose page saves the draft and reopens it over HTTPS.
import assert from 'node:assert/strict';
import { browserSuite, logOn, messageRow, withPage } from './lib.mjs';

// A host name, as users reach the server (see secure_mode.test.mjs).
const HOST = 'mail.example.org';
const plain = (inst) => `http://${HOST}:${inst.httpPort}`;
const secure = (inst) => `https://${HOST}:${inst.httpsPort}`;

browserSuite('drafts across a mode switch', {
  instance: { ssl: true },
  browserArgs: [`--host-resolver-rules=MAP ${HOST} 127.0.0.1`],
}, (env, test) => {
  test('Save and enter Secure Mode reopens the message over HTTPS with what was typed', async () => {
    await withPage(env.browser, async (page) => {
      const subject = `Half written ${Date.now()}`;
      await logOn(page, plain(env.inst));
      await page.goto(`${plain(env.inst)}/mail/compose`);
      await page.locator('#subject').fill(subject);
      await page.locator('#body').fill('The first paragraph.');
      await page.getByRole('button', { name: 'Save and enter Secure Mode' }).click();
      await page.waitForURL((u) => u.protocol === 'https:' && u.pathname === '/mail/compose');
      assert.equal(new URL(page.url()).origin, secure(env.inst));
      assert.equal(await page.locator('main.compose h1').innerText(), 'Draft');
      assert.equal(await page.locator('#subject').inputValue(), subject);
      assert.equal(await page.locator('#body').inputValue(), 'The first paragraph.');

      // Back the other way, still one draft.
      await page.locator('#body').fill('The first paragraph.\nThe second.');
      await page.getByRole('button', { name: 'Save and return to regular mode' }).click();
      await page.waitForURL((u) => u.protocol === 'http:' && u.pathname === '/mail/compose');
      assert.equal(await page.locator('#body').inputValue(), 'The first paragraph.\nThe second.');
      await page.goto(`${plain(env.inst)}/mail?f=Drafts`);
      assert.equal(await messageRow(page, subject).count(), 1, 'one draft');
    });
  });
});
