// pages.mjs - every kind of page a user meets, as one table that the phone
// layout and accessibility tests walk: adding a page (settings, folders) is
// one line here. Each entry opens its page in a browser page that is logged
// on (or not, for `loggedOff` pages) and waits until it is on screen.
// A page's template marks its main content <main id="main" tabindex="-1">:
// the skip link of frame.html leads there (a11y.mjs checks it).
import { logOn, openMessage, withPage } from './lib.mjs';

// A message whose words, addresses and link do not break by themselves: the
// phone layout must wrap them instead of widening the page.
export const LONG_SUBJECT = `Quarterly-figures-${'x'.repeat(80)}-final`;
export const LONG_MESSAGE = `From: "Someone with a rather long display name indeed" <a.very.long.address.for.testing.the.layout@subdomain.example.com>
To: demo@example.org
Subject: ${LONG_SUBJECT}
Date: Thu, 26 Nov 2026 10:00:00 +0000
Message-ID: <long-1@example.com>
MIME-Version: 1.0
Content-Type: text/plain; charset=us-ascii

See https://www.example.com/${'path/'.repeat(30)}end and ${'unbroken'.repeat(20)}.
`;

// What a suite walking PAGES gives startInstance: the messages they open.
export const PAGES_INSTANCE = { messages: [LONG_MESSAGE] };

async function goto(page, base, path, ready) {
  await page.goto(`${base}${path}`);
  await page.locator(ready).first().waitFor();
}

export const PAGES = [
  { name: 'logon', loggedOff: true, open: (page, base) => goto(page, base, '/', '#password') },
  { name: 'list', open: (page, base) => goto(page, base, '/mail', 'table.messages tbody tr') },
  { name: 'search', open: (page, base) => goto(page, base, '/mail?f=INBOX&q=figures', 'table.messages tbody tr') },
  {
    name: 'message',
    open: async (page, base) => {
      await goto(page, base, '/mail', 'table.messages');
      await openMessage(page, 'Monthly report');
    },
  },
  {
    name: 'HTML message',
    open: async (page, base) => {
      await goto(page, base, '/mail', 'table.messages');
      await openMessage(page, 'An HTML newsletter');
      await page.locator('.html-part iframe').waitFor();
    },
  },
  {
    name: 'long message',
    open: async (page, base) => {
      await goto(page, base, '/mail', 'table.messages');
      await openMessage(page, 'Quarterly-figures');
    },
  },
  { name: 'compose', open: (page, base) => goto(page, base, '/mail/compose', 'textarea#body') },
  { name: 'settings', open: (page, base) => goto(page, base, '/settings', 'main.settings form') },
  { name: 'folders', open: (page, base) => goto(page, base, '/mail/folders', 'main.manage-folders') },
  { name: 'empty Trash', open: (page, base) => goto(page, base, '/mail/folders/empty', 'main.confirm') },
  { name: 'error', open: (page, base) => goto(page, base, '/mail/read?f=INBOX&id=nothing-here', 'main') },
];

// Opens every page of PAGES in turn (the logged-off ones in a profile of
// their own) with these browser context options, and calls fn(page, entry).
export async function eachPage(browser, base, options, fn) {
  for (const loggedOff of [true, false]) {
    await withPage(browser, async (page) => {
      if (!loggedOff) await logOn(page, base);
      for (const entry of PAGES.filter((p) => !!p.loggedOff === loggedOff)) {
        await entry.open(page, base);
        await fn(page, entry);
      }
    }, options);
  }
}
