// Pages of a 5000-message folder in Chromium: a page beyond the end shows the
// last one with its true numbers, a negative or garbage page the first, and
// the pager is above and below the list.
import assert from 'node:assert/strict';
import { browserSuite } from './lib.mjs';
import { mail, pagerTexts, shared } from './list_lib.mjs';

// INBOX, newest first: Cherry (Carl), Banana (Bob), apple (Ann).
const BULK = 5000;

const INBOX = [
  mail('Ann <ann@example.net>', 'apple', 1),
  mail('Bob <bob@example.net>', 'Banana', 2),
  mail('Carl <carl@example.net>', 'Cherry', 3),
];

browserSuite('list_pages', { instance: { sampleMail: false, messages: INBOX } }, (env, test) => {
  test('a page beyond the end shows the last page; a negative or garbage page the first', async () => {
    // Delivered 100 at a time: one by one takes long on a busy machine.
    for (let i = 1; i <= BULK; i += 100) {
      const batch = [];
      for (let j = i; j < i + 100 && j <= BULK; j++) batch.push(env.inst.deliver(mail('Bulk <bulk@example.net>', `Bulk ${j}`, 10 + (j % 300)), 'Bulk'));
      await Promise.all(batch);
    }
    {
      const page = await shared(env);
      await page.goto(`${env.inst.base}/mail?f=INBOX`);
      await page.goto(`${env.inst.base}/mail?f=Bulk&p=500`);
      assert.deepEqual(await pagerTexts(page), ['4951–5000 of 5000', '4951–5000 of 5000'], 'pager at top and bottom');
      assert.equal(await page.locator('table.messages tbody tr').count(), 50);
      assert.equal(await page.locator('a[rel=next]', { hasText: 'Older' }).count(), 0);
      for (const p of ['-3', 'abc', '1e3', '']) {
        await page.goto(`${env.inst.base}/mail?f=Bulk&p=${p}`);
        assert.deepEqual(await pagerTexts(page), ['1–50 of 5000', '1–50 of 5000'], `p=${p}`);
      }
    }
  });
});
