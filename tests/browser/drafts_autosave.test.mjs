// Autosave in Chromium: while the user types, the compose form is saved as
// one draft every 30 seconds (share/static/autosave.js, under the page's CSP);
// once the session has ended, the text is kept as that one draft and saving
// stops, so a tab left open does not fill Drafts with copies.
import assert from 'node:assert/strict';
import { browserSuite, logOff, logOn, messageRow, withPage, PASSWORD, USER } from './lib.mjs';

const draftId = (page) => page.locator('main.compose input[name=draft]').inputValue();

async function waitForDraftChange(page, before) {
  const end = Date.now() + 75000; // two turns of the 30-second clock, and some
  for (;;) {
    const now = await draftId(page);
    if (now && now !== before) return now;
    if (Date.now() > end) throw new Error('no autosave within 75 s');
    await page.waitForTimeout(250);
  }
}

browserSuite('drafts autosave', {}, (env, test) => {
  test('typing is saved as one draft without pressing anything', async () => {
    await withPage(env.browser, async (page, context) => {
      const subject = `Autosaved ${Date.now()}`;
      const errors = [];
      page.on('pageerror', (e) => errors.push(e.message));
      page.on('console', (m) => /Content Security Policy/.test(m.text()) && errors.push(m.text()));
      await logOn(page, env.inst.base);
      await page.goto(`${env.inst.base}/mail/compose`);
      await page.locator('#subject').fill(subject);
      await page.locator('#body').fill('Typed, never sent.');
      const first = await waitForDraftChange(page, '');
      assert.match(await page.locator('main.compose .autosave').innerText(), /Draft saved at/);

      await page.locator('#body').fill('Typed, never sent. And more.');
      await waitForDraftChange(page, first);

      const other = await context.newPage();
      await other.goto(`${env.inst.base}/mail?f=Drafts`);
      assert.equal(await messageRow(other, subject).count(), 1, 'one draft, replaced in place');
      await messageRow(other, subject).locator('td.subject a').click();
      await other.waitForURL((u) => u.pathname === '/mail/compose');
      assert.equal(await other.locator('#body').inputValue(), 'Typed, never sent. And more.');
      assert.deepEqual(errors, [], 'no script error, nothing refused by the CSP');
    });
  });

  test('the session ends in another tab while typing: the text is kept as the one draft, and saving stops', async () => {
    await withPage(env.browser, async (page, context) => {
      const subject = `Typed on ${Date.now()}`;
      const text = 'Written before and after the session ended.';
      await logOn(page, env.inst.base);
      await page.goto(`${env.inst.base}/mail/compose`);
      await page.locator('#subject').fill(subject);
      await page.locator('#body').fill('Written before');
      await waitForDraftChange(page, '');

      const other = await context.newPage();
      await other.goto(`${env.inst.base}/mail`);
      await logOff(other);
      await other.close();

      await page.locator('#body').fill(text);
      const status = page.locator('main.compose .autosave');
      await status.filter({ hasText: 'Your session has ended' }).waitFor({ timeout: 75000 });
      assert.match(await status.innerText(), /your text is kept\. Log on again in this browser to find it in Drafts/);

      await page.goto(`${env.inst.base}/`);
      assert.match(await page.locator('main.logon-box .error').innerText(),
        /Your session had ended; your message was kept in Drafts/);
      await page.locator('#user').fill(USER);
      await page.locator('#password').fill(PASSWORD);
      await page.locator('form[action="/logon"] button[type=submit]').click();
      await page.waitForURL((u) => u.pathname === '/mail/compose' && u.searchParams.get('mode') === 'draft');
      assert.equal(await page.locator('#body').inputValue(), text);

      await page.goto(`${env.inst.base}/mail?f=Drafts`);
      assert.equal(await messageRow(page, subject).count(), 1, 'the kept text replaced the autosaved draft');
    });
  });
});
