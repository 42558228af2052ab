// list_lib.mjs - what the message-list browser tests share: messages to
// seed, reading the list's subjects, pager and notice, following a link, and
// one logged-on page per test file (logging on costs a password hash).
import { logOn, newPage, USER } from './lib.mjs';

// A message from `from` with this subject, dated `day` days after a fixed day.
export function mail(from, subject, day, { to = USER } = {}) {
  const date = new Date(Date.UTC(2025, 0, 1 + day, 9, 0, 0)).toUTCString().replace('GMT', '+0000');
  return `From: ${from}\nTo: ${to}\nSubject: ${subject}\nDate: ${date}\n` +
    `Message-ID: <list-${day}-${subject.replace(/\W/g, '')}@example.net>\n` +
    'Content-Type: text/plain; charset=utf-8\n\nHello.\n';
}

export async function subjects(page) {
  return page.locator('table.messages tbody td.subject a').allInnerTexts();
}

// The row whose subject is exactly this (not the reply's "Re: ...").
export function exactRow(page, subject) {
  return page.locator('table.messages tbody tr').filter({ has: page.locator('td.subject a', { hasText: new RegExp(`^${subject}$`) }) });
}

export async function pagerTexts(page) {
  return (await page.locator('p.pages span').allInnerTexts()).map((t) => t.trim());
}

export async function notice(page) {
  return (await page.locator('p.notice').innerText()).trim();
}

// Clicks a link and waits for the page it leads to.
export async function follow(page, link) {
  const href = await link.getAttribute('href');
  await Promise.all([page.waitForURL((u) => `${u.pathname}${u.search}`.startsWith(href.split('#')[0])), link.click()]);
  await page.waitForLoadState('domcontentloaded');
}

// One logged-on page for the whole file: logging on costs a password hash,
// and each test starts from the address it needs.
let session;

export async function shared(env) {
  if (!session) {
    session = await newPage(env.browser);
    await logOn(session.page, env.inst.base);
  }
  return session.page;
}
