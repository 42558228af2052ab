// Folders in Chromium: create one from the folders page, move a message
// into it, delete it after its own page asks (the message is then in
// Trash); Cancel keeps it; a name of spaces refused where it was typed; a
// sub-folder under its parent; rename keeps the messages.
import assert from 'node:assert/strict';
import { browserSuite, logOn, messageRow, withPage } from './lib.mjs';

const MONTHLY = 'Monthly report';

function note(subject, word) {
  return `From: Bob <bob@example.org>\nTo: user@example.org\nSubject: ${subject}\n\nThe word is ${word}.\n`;
}

async function manage(page) {
  await page.locator('nav.folders a', { hasText: /^Manage folders$/ }).click();
  await page.waitForURL((u) => u.pathname === '/mail/folders');
  await page.locator('main.manage-folders h1').waitFor();
}

async function createFolder(page, name, { inside = '', expectRefusal = false } = {}) {
  await page.locator('#folder-name').fill(name);
  if (inside) await page.locator('#folder-parent').selectOption({ value: inside });
  await page.getByRole('button', { name: 'Create folder' }).click();
  if (expectRefusal) {
    await page.locator('#folder-name-error').waitFor();
    return;
  }
  await page.waitForURL((u) => u.pathname === '/mail/folders' && u.searchParams.get('n') === 'created');
}

// The row of the folders page for the folder shown as `label`.
function folderRow(page, label) {
  return page.locator('ul.folder-tree .folder-row').filter({
    has: page.locator('a.folder-name', { hasText: new RegExp(`^${label}$`) }),
  });
}

async function goToFolder(page, label) {
  await page.locator('nav.folders a', { hasText: new RegExp(`^${label}$`) }).first().click();
  await page.waitForURL((u) => u.pathname === '/mail');
  await page.locator('main.list h1').waitFor();
}

async function subjects(page) {
  return page.locator('table.messages tbody td.subject a').allInnerTexts();
}

browserSuite('folders', {}, (env, test) => {
  test('a user creates a folder, moves a message into it and deletes the folder after confirming: the message is in Trash', async () => {
    await withPage(env.browser, async (page) => {
      await logOn(page, env.inst.base);
      await manage(page);
      await createFolder(page, 'Projects');
      assert.equal(await page.locator('p.notice').innerText(), 'Folder created.');
      assert.equal(await folderRow(page, 'Projects').count(), 1);

      await goToFolder(page, 'INBOX');
      const row = messageRow(page, MONTHLY);
      await row.locator('input[type=checkbox]').check();
      await page.getByRole('combobox', { name: 'Move to folder' }).selectOption({ label: 'Projects' });
      await page.getByRole('button', { name: 'Move', exact: true }).click();
      await page.waitForURL((u) => u.pathname === '/mail' && u.searchParams.get('n') === 'moved');
      assert.equal(await messageRow(page, MONTHLY).count(), 0);
      await goToFolder(page, 'Projects');
      assert.equal((await subjects(page)).filter((s) => s.startsWith(MONTHLY)).length, 1);

      await manage(page);
      await folderRow(page, 'Projects').getByRole('link', { name: 'Delete Projects' }).click();
      await page.waitForURL((u) => u.pathname === '/mail/folders/delete');
      assert.equal(await page.locator('main.confirm p.question').innerText(),
        'Delete folder Projects? Its message goes to Trash.');
      await page.getByRole('button', { name: 'Delete folder' }).click();
      await page.waitForURL((u) => u.pathname === '/mail/folders' && u.searchParams.get('n') === 'removed');
      assert.equal(await folderRow(page, 'Projects').count(), 0);
      assert.equal(await page.locator('nav.folders a', { hasText: /^Projects$/ }).count(), 0);

      await goToFolder(page, 'Trash');
      assert.equal((await subjects(page)).filter((s) => s.startsWith(MONTHLY)).length, 1);
    });
  });

  test('Cancel on the page that asks keeps the folder and its messages', async () => {
    await withPage(env.browser, async (page) => {
      await logOn(page, env.inst.base);
      await manage(page);
      await createFolder(page, 'Keep');
      await env.inst.deliver(note('Kept note', 'walrus'), 'Keep');
      await page.reload();
      await folderRow(page, 'Keep').getByRole('link', { name: 'Delete Keep' }).click();
      await page.waitForURL((u) => u.pathname === '/mail/folders/delete');
      assert.match(await page.locator('main.confirm p.question').innerText(), /Its message goes to Trash\./);
      await page.getByRole('link', { name: 'Cancel' }).click();
      await page.waitForURL((u) => u.pathname === '/mail/folders');
      assert.equal(await folderRow(page, 'Keep').count(), 1);
      await goToFolder(page, 'Keep');
      assert.deepEqual(await subjects(page), ['Kept note']);
    });
  });

  test('a name of only spaces is refused with a message under the field, the folders still shown', async () => {
    await withPage(env.browser, async (page) => {
      await logOn(page, env.inst.base);
      await manage(page);
      const before = await page.locator('ul.folder-tree .folder-row').count();
      await createFolder(page, '    ', { expectRefusal: true });
      assert.match(await page.locator('#folder-name-error').innerText(), /spaces alone are not one/);
      assert.match(await page.locator('#folder-name-error').innerText(), /letters, digits, spaces/);
      assert.equal(await page.locator('#folder-name').getAttribute('aria-invalid'), 'true');
      assert.equal(await page.locator('#folder-name').inputValue(), '    ');
      assert.equal(await page.locator('ul.folder-tree .folder-row').count(), before);
      assert.equal(await page.locator('nav.folders a', { hasText: /^\s*$/ }).count(), 0);
      // And a '/' says how to make a folder inside another.
      await createFolder(page, 'a/b', { expectRefusal: true });
      assert.match(await page.locator('#folder-name-error').innerText(), /choose that one as its parent/);
    });
  });

  test('a sub-folder shows under its parent, in the folder list and on the folders page', async () => {
    await withPage(env.browser, async (page) => {
      await logOn(page, env.inst.base);
      await manage(page);
      await createFolder(page, 'Clients');
      await createFolder(page, 'Acme', { inside: 'Clients' });
      const parent = page.locator('nav.folders li').filter({ has: page.locator(':scope > a', { hasText: /^Clients$/ }) });
      assert.deepEqual(await parent.locator(':scope > ul > li > a').allInnerTexts(), ['Acme']);
      const row = page.locator('ul.folder-tree > li').filter({ has: page.locator(':scope > .folder-row a.folder-name', { hasText: /^Clients$/ }) });
      assert.deepEqual(await row.locator(':scope > ul > li > .folder-row a.folder-name').allInnerTexts(), ['Acme']);
      // Indented: the child starts to the right of its parent.
      const px = (await parent.locator(':scope > a').boundingBox()).x;
      const cx = (await parent.locator(':scope > ul > li > a').boundingBox()).x;
      assert.ok(cx > px, `Acme (${cx}) is indented under Clients (${px})`);
    });
  });

  test('rename keeps the messages', async () => {
    await withPage(env.browser, async (page) => {
      await logOn(page, env.inst.base);
      await manage(page);
      await createFolder(page, 'Old name');
      await env.inst.deliver(note('Renamed note', 'narwhal'), 'Old name');
      await page.reload();
      const row = folderRow(page, 'Old name');
      await row.getByRole('textbox', { name: 'New name for Old name' }).fill('New name');
      await row.getByRole('button', { name: 'Rename' }).click();
      await page.waitForURL((u) => u.pathname === '/mail/folders' && u.searchParams.get('n') === 'renamed');
      assert.equal(await folderRow(page, 'Old name').count(), 0);
      await goToFolder(page, 'New name');
      assert.deepEqual(await subjects(page), ['Renamed note']);
    });
  });
});
