// Messages opened from the list, in Chromium: previous/next in the list's
// order, the page and order kept after Delete inside a message, and the
// Answered and Forwarded marks after a reply and a forward are sent.
import assert from 'node:assert/strict';
import { browserSuite, messageRow, openMessage, SENT, USER } from './lib.mjs';
import { mail, subjects, exactRow, pagerTexts, notice, shared } from './list_lib.mjs';

const BULK = 200;

// INBOX, newest first: Cherry (Carl), Banana (Bob), apple (Ann).
const INBOX = [
  mail('Ann <ann@example.net>', 'apple', 1),
  mail('Bob <bob@example.net>', 'Banana', 2),
  mail('Carl <carl@example.net>', 'Cherry', 3),
];

browserSuite('list_message', { instance: { sampleMail: false, messages: INBOX } }, (env, test) => {
  test('a message has previous and next in the list\'s order, and its back link returns to that order', async () => {
    {
      const page = await shared(env);
      await page.goto(`${env.inst.base}/mail?f=INBOX`);
      await page.goto(`${env.inst.base}/mail?f=INBOX&s=subject`);
      assert.deepEqual(await subjects(page), ['apple', 'Banana', 'Cherry']);
      await openMessage(page, 'Banana');
      const prev = page.getByRole('link', { name: /Previous message/ });
      const next = page.getByRole('link', { name: /Next message/ });
      await prev.click();
      await page.locator('h1.subject', { hasText: 'apple' }).waitFor();
      assert.equal(await prev.count(), 0, 'the first message has no previous');
      await next.click();
      await page.locator('h1.subject', { hasText: 'Banana' }).waitFor();
      await next.click();
      await page.locator('h1.subject', { hasText: 'Cherry' }).waitFor();
      assert.equal(await next.count(), 0, 'the last message has no next');
      await page.locator('p.nav a').click();
      await page.waitForURL((u) => u.pathname === '/mail' && u.searchParams.get('s') === 'subject');
      assert.deepEqual(await subjects(page), ['apple', 'Banana', 'Cherry']);
    }
  });

  test('Delete inside a message goes to the next one, and the list keeps its page and order', async () => {
    for (let i = 1; i <= BULK; i++) await env.inst.deliver(mail('Bulk <bulk@example.net>', `Bulk ${String(i).padStart(4, '0')}`, 10 + (i % 50)), 'Bulk');
    {
      const page = await shared(env);
      await page.goto(`${env.inst.base}/mail?f=INBOX`);
      await page.goto(`${env.inst.base}/mail?f=Bulk&s=subject&p=2`);
      assert.deepEqual(await pagerTexts(page), ['101–150 of 200', '101–150 of 200']);
      const shown = await subjects(page);
      assert.equal(shown[0], 'Bulk 0101');
      // The last of the page: its next is the first of the next page.
      await openMessage(page, 'Bulk 0150');
      await page.getByRole('button', { name: 'Delete', exact: true }).click();
      await page.waitForURL((u) => u.pathname === '/mail/read' && u.searchParams.get('n') === 'trashed');
      assert.equal(await page.locator('h1.subject').innerText(), 'Bulk 0151');
      assert.equal(await notice(page), 'Moved to Trash.');
      await page.getByRole('link', { name: /Previous message/ }).click();
      await page.locator('h1.subject', { hasText: 'Bulk 0149' }).waitFor();
      await page.locator('p.nav a').click();
      await page.waitForURL((u) => u.pathname === '/mail');
      const u = new URL(page.url());
      assert.equal(u.searchParams.get('s'), 'subject');
      assert.equal(u.searchParams.get('p'), '2');
      const after = await subjects(page);
      assert.equal(after[0], 'Bulk 0101');
      assert.equal(after[49], 'Bulk 0151', 'the deleted message is gone, the next moved up');
      assert.equal(after.includes('Bulk 0150'), false);
    }
  });

  test('in search results, previous/next walk the results and the back link returns to them', async () => {
    for (let i = 1; i <= 4; i++) await env.inst.deliver(mail('Zed <zed@example.net>', `Zebrafish ${i}`, 60 + i), i % 2 ? 'INBOX' : 'Sent');
    {
      const page = await shared(env);
      await page.goto(`${env.inst.base}/mail?f=INBOX&q=zebrafish&all=1&s=subject`);
      assert.deepEqual(await subjects(page), ['Zebrafish 1', 'Zebrafish 2', 'Zebrafish 3', 'Zebrafish 4']);
      await openMessage(page, 'Zebrafish 2');
      await page.getByRole('link', { name: /Next message/ }).click();
      await page.locator('h1.subject', { hasText: 'Zebrafish 3' }).waitFor();
      await page.getByRole('link', { name: /Previous message/ }).click();
      await page.locator('h1.subject', { hasText: 'Zebrafish 2' }).waitFor();
      await page.getByRole('link', { name: /Previous message/ }).click();
      await page.locator('h1.subject', { hasText: 'Zebrafish 1' }).waitFor();
      await page.getByRole('link', { name: /Search results/ }).click();
      await page.waitForURL((u) => u.pathname === '/mail' && u.searchParams.get('q') === 'zebrafish');
      assert.deepEqual(await subjects(page), ['Zebrafish 1', 'Zebrafish 2', 'Zebrafish 3', 'Zebrafish 4']);
    }
  });

  test('replying marks the original Answered, forwarding marks it Forwarded, once sent', async () => {
    {
      const page = await shared(env);
      await page.goto(`${env.inst.base}/mail?f=INBOX`);
      assert.equal(await messageRow(page, 'Banana').locator('[title=Answered]').count(), 0);
      await openMessage(page, 'Banana');
      await page.getByRole('link', { name: 'Reply', exact: true }).click();
      await page.waitForURL((u) => u.pathname === '/mail/compose');
      await page.locator('#to').fill(USER);
      await page.locator('#body').fill('Yes, bananas.');
      await page.getByRole('button', { name: 'Send' }).click();
      await page.waitForURL((u) => u.pathname === '/mail' && u.searchParams.get('n') === SENT.n);
      assert.equal(await exactRow(page, 'Banana').locator('[title=Answered]').count(), 1);
      assert.equal(await exactRow(page, 'Banana').locator('[title=Forwarded]').count(), 0);

      await openMessage(page, 'Cherry');
      await page.getByRole('link', { name: 'Forward', exact: true }).click();
      await page.waitForURL((u) => u.pathname === '/mail/compose');
      await page.locator('#to').fill(USER);
      await page.getByRole('button', { name: 'Send' }).click();
      await page.waitForURL((u) => u.pathname === '/mail' && u.searchParams.get('n') === SENT.n);
      assert.equal(await exactRow(page, 'Cherry').locator('[title=Forwarded]').count(), 1);
      assert.equal(await exactRow(page, 'Cherry').locator('[title=Answered]').count(), 0);
    }
  });
});
