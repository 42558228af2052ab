// Searching mail in Chromium with the search box at the top of every mail
// page: a word of a body, a subject word typed without its accents, all
// folders, and a result opened like any message of the list.
import assert from 'node:assert/strict';
import { browserSuite, logOn, messageRow, openMessage, withPage, IMAP } from './lib.mjs';

const TRAVEL = 'Reisepläne für Dezember';

async function search(page, words, { all = false } = {}) {
  const box = page.getByRole('searchbox', { name: 'Search mail' });
  await box.fill(words);
  await page.getByRole('combobox', { name: 'Where to search' }).selectOption(all ? '1' : '');
  await page.getByRole('button', { name: 'Search', exact: true }).click();
  await page.waitForURL((u) => u.pathname === '/mail' && u.searchParams.get('q') === words);
  await page.locator('main.list h1').waitFor();
}

async function subjects(page) {
  return page.locator('table.messages tbody td.subject a').allInnerTexts();
}

browserSuite('search', {}, (env, test) => {
  test('a word of a body finds its message, which opens from the results', async () => {
    await withPage(env.browser, async (page) => {
      await logOn(page, env.inst.base);
      await search(page, 'Abfahrt');
      assert.match(await page.locator('main.list h1').innerText(), /Search: Abfahrt\s+1 found in INBOX/);
      assert.deepEqual(await subjects(page), [`${TRAVEL} ✈`]);
      await openMessage(page, TRAVEL);
      assert.equal(await page.locator('h1.subject').innerText(), `${TRAVEL} ✈`);
      // The search box is on the message page too, and keeps the folder.
      await search(page, 'figures');
      assert.deepEqual(await subjects(page), ['Monthly report, with the figures attached']);
    });
  });

  test('a subject word typed without its accents, and the start of a word, find it', async () => {
    await withPage(env.browser, async (page) => {
      await logOn(page, env.inst.base);
      // Under mail.store imap the words are the IMAP server's SEARCH, whose
      // matching ignores case but not accents (Dovecot without a full-text
      // index with a normalizer): there the word keeps them. By design:
      // the Maildir store's own index folds them.
      await search(page, IMAP ? 'reisepläne' : 'reiseplane');
      assert.deepEqual(await subjects(page), [`${TRAVEL} ✈`]);
      await search(page, 'Reisepl');
      assert.deepEqual(await subjects(page), [`${TRAVEL} ✈`]);
      await search(page, 'zoe dezember', { all: true });
      const row = messageRow(page, TRAVEL);
      assert.equal(await row.locator('.in-folder').innerText(), 'INBOX');
      assert.match(await page.locator('main.list h1').innerText(), /in all folders/);
    });
  });

  test('query syntax typed into the box is searched as words', async () => {
    await withPage(env.browser, async (page) => {
      await logOn(page, env.inst.base);
      for (const words of ['"(', 'subject:Abfahrt', 'NEAR(Abfahrt Rückkehr)', 'Abfahrt OR welcome']) {
        await search(page, words);
        assert.deepEqual(await subjects(page), [], words);
        assert.equal(await page.locator('p.empty').innerText(), 'No messages found.');
      }
      // And it is on the page as text, not markup.
      await search(page, '<b>bold</b>');
      assert.match(await page.locator('main.list h1').innerText(), /Search: <b>bold<\/b>/);
    });
  });
});
