// The conversation view of the message list in Chromium: three messages of
// one conversation (threaded by References and In-Reply-To) and one other
// become two rows, the conversation's saying 3; opening it shows its
// messages, each opening as a message; deleting it moves all three to Trash;
// the switch is kept from page to page, and the user's setting makes it the
// default.
import assert from 'node:assert/strict';
import { browserSuite, USER } from './lib.mjs';
import { follow, shared, subjects } from './list_lib.mjs';

function message(subject, minute, id, { refs, inReplyTo } = {}) {
  const date = new Date(Date.UTC(2025, 0, 2, 9, minute, 0)).toUTCString().replace('GMT', '+0000');
  return `From: Ann <ann@example.net>\nTo: ${USER}\nSubject: ${subject}\nDate: ${date}\n` +
    `Message-ID: <${id}@example.net>\n` +
    (refs ? `References: ${refs.map((r) => `<${r}@example.net>`).join(' ')}\n` : '') +
    (inReplyTo ? `In-Reply-To: <${inReplyTo}@example.net>\n` : '') +
    'Content-Type: text/plain; charset=utf-8\n\nHello.\n';
}

// The reply comes before what it answers: threading must not depend on order.
const INBOX = [
  message('Re: Re: Plan', 3, 'plan-3', { refs: ['plan-1', 'plan-2'], inReplyTo: 'plan-2' }),
  message('Plan', 1, 'plan-1'),
  message('Re: Plan', 2, 'plan-2', { inReplyTo: 'plan-1' }),
  message('Lunch', 4, 'lunch'),
];

const rows = (page) => page.locator('table.messages tbody tr');
const toggle = (page) => page.locator('p.conv-toggle a');

browserSuite('conversations', { instance: { sampleMail: false, messages: INBOX } }, (env, test) => {
  test('a conversation is one row of 3; it opens, and deleting it moves all 3 to Trash', async () => {
    const page = await shared(env);
    await page.goto(`${env.inst.base}/mail?f=INBOX`);
    assert.equal(await rows(page).count(), 4, 'single messages by default');
    assert.equal((await toggle(page).innerText()).trim(), 'Conversations: off');
    await follow(page, toggle(page));
    assert.equal((await toggle(page).innerText()).trim(), 'Conversations: on');
    assert.equal(await rows(page).count(), 2);
    assert.deepEqual(await subjects(page), ['Lunch', 'Re: Re: Plan']);
    const thread = rows(page).filter({ has: page.locator('.thread-count') });
    assert.equal(await thread.count(), 1);
    assert.equal((await thread.locator('.thread-count').innerText()).trim(), '3');
    assert.match(await page.locator('h1 .count').innerText(), /^2 conversations$/);

    await follow(page, thread.locator('td.subject a'));
    assert.deepEqual(await subjects(page), ['Plan', 'Re: Plan', 'Re: Re: Plan']);
    await follow(page, page.locator('td.subject a', { hasText: /^Re: Plan$/ }));
    assert.match(await page.locator('main').innerText(), /Re: Plan/);
    assert.equal(new URL(page.url()).pathname, '/mail/read');
    // Previous and next stay within the conversation, and the way back
    // returns to it.
    await follow(page, page.locator('a[rel="next"]'));
    assert.match(await page.locator('main').innerText(), /Re: Re: Plan/);
    await follow(page, page.locator('p.nav a'));
    assert.deepEqual(await subjects(page), ['Plan', 'Re: Plan', 'Re: Re: Plan']);

    await page.goto(`${env.inst.base}/mail?f=INBOX&c=1`);
    await rows(page).filter({ has: page.locator('.thread-count') }).locator('input[type=checkbox]').check();
    await Promise.all([page.waitForURL((u) => u.searchParams.get('n') === 'trashed'),
      page.getByRole('button', { name: 'Delete', exact: true }).click()]);
    assert.deepEqual(await subjects(page), ['Lunch']);
    assert.equal((await toggle(page).innerText()).trim(), 'Conversations: on');
    await page.goto(`${env.inst.base}/mail?f=Trash&c=0`);
    assert.deepEqual((await subjects(page)).sort(), ['Plan', 'Re: Plan', 'Re: Re: Plan']);
  });

  test('the switch is kept from page to page, and the setting makes it the default', async () => {
    const batch = [];
    for (let i = 0; i < 55; i++) batch.push(env.inst.deliver(message(`Note ${i}`, 10 + i, `note-${i}`), 'Notes'));
    await Promise.all(batch);
    const page = await shared(env);
    await page.goto(`${env.inst.base}/mail?f=Notes`);
    await follow(page, toggle(page));
    assert.match(await page.locator('h1 .count').innerText(), /^55 conversations$/);
    await follow(page, page.locator('a[rel=next]').first());
    assert.equal((await toggle(page).innerText()).trim(), 'Conversations: on');
    assert.match(await page.locator('h1 .count').innerText(), /^55 conversations$/);
    assert.equal(await rows(page).count(), 5);

    await page.goto(`${env.inst.base}/settings`);
    await page.getByLabel(/Group messages into conversations/).check();
    await Promise.all([page.waitForURL((u) => u.pathname === '/settings' && u.searchParams.get('n') === 'saved'),
      page.getByRole('button', { name: 'Save settings' }).click()]);
    await page.goto(`${env.inst.base}/mail?f=Notes`);
    assert.equal((await toggle(page).innerText()).trim(), 'Conversations: on');
    await page.goto(`${env.inst.base}/mail?f=INBOX`);
    assert.equal((await toggle(page).innerText()).trim(), 'Conversations: on');
  });
});
