// Autosave in Chromium: while the user types, the compose form is saved as
// one draft every 30 seconds (share/static/autosave.js, under the page's CSP).
import assert from 'node:assert/strict';
import { browserSuite, logOn, messageRow, withPage } from './lib.mjs';

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
});
