// Pages of a 5000-message folder in Chromium: a page beyond the end shows the
// last one with its true numbers, a negative or garbage page the first, and
// the pager is above and below the list.
import assert from 'node:assert/strict';
import { browserSuite, logOn, messageRow, newPage, openMessage, withPage, USER } from './lib.mjs';


// A message from `from` with this subject, dated `day` days after a fixed day.
function mail(from, subject, day, { to = USER } = {}) {
  const date = new Date(Date.UTC(2025, 0, 1 + day, 9, 0, 0)).toUTCString().replace('GMT', '+0000');
  return `From: ${from}\nTo: ${to}\nSubject: ${subject}\nDate: ${date}\n` +
    `Message-ID: <list-${day}-${subject.replace(/\W/g, '')}@example.net>\n` +
    'Content-Type: text/plain; charset=utf-8\n\nHello.\n';
}

// INBOX, newest first: Cherry (Carl), Banana (Bob), apple (Ann).
const BULK = 5000;

const INBOX = [
  mail('Ann <ann@example.net>', 'apple', 1),
  mail('Bob <bob@example.net>', 'Banana', 2),
  mail('Carl <carl@example.net>', 'Cherry', 3),
];

async function subjects(page) {
  return page.locator('table.messages tbody td.subject a').allInnerTexts();
}

async function pagerTexts(page) {
  return (await page.locator('p.pages span').allInnerTexts()).map((t) => t.trim());
}

async function notice(page) {
  return (await page.locator('p.notice').innerText()).trim();
}

// Clicks a link and waits for the page it leads to.
async function follow(page, link) {
  const href = await link.getAttribute('href');
  await Promise.all([page.waitForURL((u) => `${u.pathname}${u.search}`.startsWith(href.split('#')[0])), link.click()]);
  await page.waitForLoadState('domcontentloaded');
}

// One logged-on page for the whole file: logging on costs a password hash,
// and each test starts from the address it needs.
let session;
async function shared(env) {
  if (!session) {
    session = await newPage(env.browser);
    await logOn(session.page, env.inst.base);
  }
  return session.page;
}

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
