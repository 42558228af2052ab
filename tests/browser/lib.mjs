// lib.mjs - what every browser test shares: a throw-away webmsg instance on
// free loopback ports (the real webmsgd, set up with the real webmsg-admin),
// Debian's Chromium driven by playwright-core, and the steps a user takes
// (log on, log off) written once.
//
// Environment: WEBMSG_BIN (required) names the folder with webmsgd and
// webmsg-admin; WEBMSG_SHARE_DIR the share folder (templates, sample mail);
// CHROMIUM the browser (default /usr/bin/chromium); WEBMSG_KEEP=1 keeps each
// instance's folder for a look afterwards.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
export const SHARE_DIR = resolve(process.env.WEBMSG_SHARE_DIR || join(here, '..', '..', 'share'));
export const SAMPLE_MAIL = join(SHARE_DIR, 'sample-mail');
export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

// What works for headless Chromium in this sandbox (as root, closed network).
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export const DOMAIN = 'example.org';
export const USER = `demo@${DOMAIN}`;
export const PASSWORD = 'Corr3ct horse, battery staple!';
export const WRONG_LOGON = 'The user ID or password is wrong.';
const TIMEOUT = 15000;

function bin(name) {
  const dir = process.env.WEBMSG_BIN;
  if (!dir) throw new Error('WEBMSG_BIN must name the folder with webmsgd and webmsg-admin');
  const path = resolve(dir, name);
  if (!existsSync(path)) throw new Error(`${path} is missing: build webmsgd and webmsg-admin first`);
  return path;
}

// Runs a program; resolves to { code, stdout, stderr }.
export function run(cmd, args, { env, input, cwd } = {}) {
  return new Promise((done, fail) => {
    const child = spawn(cmd, args, { env: { ...process.env, ...env }, cwd, stdio: 'pipe' });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', fail);
    child.on('close', (code) => done({ code, stdout, stderr }));
    // A program that exits without reading its input closes the pipe first (EPIPE).
    child.stdin.on('error', () => {});
    child.stdin.end(input ?? '');
  });
}

// A loopback port nothing listens on now.
export function freePort() {
  return new Promise((done, fail) => {
    const srv = createNetServer();
    srv.once('error', fail);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => done(port));
    });
  });
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitUntil(what, cond, ms = 10000) {
  const end = Date.now() + ms;
  for (;;) {
    if (await cond()) return;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

// The instances still running, so that an interrupted run (Ctrl-C, a CTest
// timeout's SIGTERM) does not leave daemons and folders behind.
const live = new Set();
function stopAllNow(signal) {
  for (const inst of live) {
    try {
      const pid = parseInt(readFileSync(join(inst.dir, 'webmsgd.pid'), 'utf8'), 10);
      if (pid > 0) process.kill(pid, 'SIGTERM');
    } catch {
      // not running
    }
    if (!process.env.WEBMSG_KEEP) rmSync(inst.dir, { recursive: true, force: true });
  }
  live.clear();
  process.exit(128 + (signal === 'SIGINT' ? 2 : 15));
}
for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, () => stopAllNow(signal));

// A maildir file name of our own: TIME.MnPpid.HOST, unique in this process.
let delivered = 0;
function maildirName() {
  delivered += 1;
  return `${Math.floor(Date.now() / 1000)}.M${delivered}P${process.pid}.browsertest`;
}

/**
 * A new webmsg instance in a fresh folder: database, a domain with one user
 * (USER / PASSWORD), the sample mail in the user's INBOX, the daemon started.
 *   ssl: true       a self-signed certificate for localhost/127.0.0.1 and HTTPS on
 *   settings: {}    more `config set KEY VALUE` before the start
 *   messages: []    more messages for the INBOX, raw RFC 5322 text (or { text })
 */
export async function startInstance({ ssl = false, settings = {}, messages = [], sampleMail = true } = {}) {
  const admin = bin('webmsg-admin');
  const dir = await mkdtemp(join(tmpdir(), 'webmsg-browser-'));
  const inst = {
    dir,
    db: join(dir, 'webmsg.db'),
    user: USER,
    password: PASSWORD,
    maildir: join(dir, 'mail', DOMAIN, USER.split('@')[0]),
    env: {
      WEBMSG_CONFIG: join(dir, 'webmsg.db'),
      WEBMSG_DAEMON: bin('webmsgd'),
      WEBMSG_SHARE_DIR: SHARE_DIR,
    },
  };
  live.add(inst);

  // webmsg-admin ARGS...; throws with its output when it fails.
  inst.admin = async (args, input) => {
    const r = await run(admin, args, { env: inst.env, input });
    if (r.code !== 0) {
      throw new Error(`webmsg-admin ${args.join(' ')} exited ${r.code}:\n${r.stdout}${r.stderr}`);
    }
    return r.stdout;
  };
  inst.pid = async () => {
    try {
      const pid = parseInt(await readFile(join(dir, 'webmsgd.pid'), 'utf8'), 10);
      return pid > 0 && alive(pid) ? pid : 0;
    } catch {
      return 0;
    }
  };
  inst.log = async () => readFile(join(dir, 'webmsgd.log'), 'utf8').catch(() => '');
  inst.stop = async ({ showLog = false } = {}) => {
    live.delete(inst);
    const pid = await inst.pid();
    if (pid) {
      await run(admin, ['service', 'stop'], { env: inst.env }).catch(() => {});
      if (alive(pid)) process.kill(pid, 'SIGTERM');
      await waitUntil('webmsgd to stop', () => !alive(pid), 5000).catch(() => {
        if (alive(pid)) process.kill(pid, 'SIGKILL');
      });
    }
    if (showLog) {
      const lines = (await inst.log()).trimEnd().split('\n').slice(-30);
      console.error(`--- webmsgd.log (${dir})\n${lines.join('\n')}`);
    }
    if (process.env.WEBMSG_KEEP) console.error(`kept ${dir}`);
    else await rm(dir, { recursive: true, force: true });
  };
  // Delivers a raw message into a folder's new/ as an MTA would (tmp/, then rename).
  inst.deliver = async (text, folder = 'INBOX') => {
    const base = folder === 'INBOX' ? inst.maildir : join(inst.maildir, `.${folder}`);
    for (const sub of ['tmp', 'new', 'cur']) await mkdir(join(base, sub), { recursive: true });
    const name = maildirName();
    await writeFile(join(base, 'tmp', name), text.replace(/\r?\n/g, '\n'));
    await rename(join(base, 'tmp', name), join(base, 'new', name));
    return name;
  };

  try {
    await inst.admin(['init']);
    // Served as whoever runs the tests, as the integration tests are.
    for (const [key, flag] of [['service.user', '-un'], ['service.group', '-gn']]) {
      await inst.admin(['config', 'set', key, execFileSync('id', [flag]).toString().trim()]);
    }
    await inst.admin(['config', 'set', 'web.bind', '127.0.0.1']);
    await usePorts(inst, ssl);
    if (ssl) {
      await mkdir(join(dir, 'ssl'), { mode: 0o700 });
      await inst.admin(['ssl', 'keystore', join(dir, 'ssl')]);
      await inst.admin(['ssl', 'selfsign', '--cn', 'localhost', '--san', '127.0.0.1']);
      await inst.admin(['ssl', 'enable']);
    }
    for (const [key, value] of Object.entries(settings)) {
      await inst.admin(['config', 'set', key, String(value)]);
    }
    await inst.admin(['domain', 'add', DOMAIN]);
    await inst.admin(['user', 'add', USER], `${PASSWORD}\n`);
    if (sampleMail) {
      for (const f of (await readdir(SAMPLE_MAIL)).filter((n) => n.endsWith('.eml')).sort()) {
        await inst.deliver(await readFile(join(SAMPLE_MAIL, f), 'utf8'));
      }
    }
    for (const m of messages) await inst.deliver(m.text ?? m);
    // A free port can be taken by someone else before the daemon binds it:
    // then new ports and another try.
    for (let attempt = 1; ; attempt++) {
      const r = await run(admin, ['service', 'start'], { env: inst.env });
      if (r.code === 0) break;
      if (attempt === 3 || !/in use|bind/i.test(r.stdout + r.stderr)) {
        throw new Error(`webmsg-admin service start exited ${r.code}:\n${r.stdout}${r.stderr}`);
      }
      await usePorts(inst, ssl);
    }
    await waitUntil('webmsgd to answer', async () => {
      try {
        return (await fetch(`${inst.base}/`)).ok;
      } catch {
        return false;
      }
    });
  } catch (e) {
    await inst.stop({ showLog: true });
    throw e;
  }
  return inst;
}

// Free loopback ports for the instance's listeners, saved in its configuration.
async function usePorts(inst, ssl) {
  inst.httpPort = await freePort();
  inst.base = `http://127.0.0.1:${inst.httpPort}`;
  await inst.admin(['config', 'set', 'web.http_port', String(inst.httpPort)]);
  if (ssl) {
    do inst.httpsPort = await freePort();
    while (inst.httpsPort === inst.httpPort);
    inst.secureBase = `https://127.0.0.1:${inst.httpsPort}`;
    await inst.admin(['config', 'set', 'web.https_port', String(inst.httpsPort)]);
  }
}

// Debian's Chromium, headless; extra arguments after the ones that work here.
export async function launchBrowser(extraArgs = []) {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: install Debian's chromium (scripts/deps.sh test)`);
  }
  return chromium.launch({ executablePath: CHROMIUM, args: [...CHROMIUM_ARGS, ...extraArgs] });
}

// A fresh browser profile (no cookies, no cache) and a page in it.
export async function newPage(browser, options = {}) {
  const context = await browser.newContext({ ignoreHTTPSErrors: true, acceptDownloads: true, ...options });
  context.setDefaultTimeout(TIMEOUT);
  context.setDefaultNavigationTimeout(TIMEOUT);
  const page = await context.newPage();
  return { context, page };
}

// The logon form's message ("" when there is none).
export async function logonError(page) {
  const alert = page.locator('.logon-box .error');
  return (await alert.count()) ? (await alert.innerText()).trim() : '';
}

/**
 * Logs on through the form on BASE/ and waits for the mailbox.
 *   expire, remember: tick the boxes; user, password: other credentials;
 *   expectFailure: wait for the logon page to answer instead.
 */
export async function logOn(page, base, { user = USER, password = PASSWORD, expire = false, remember = false, expectFailure = false } = {}) {
  await page.goto(`${base}/`);
  await page.locator('#user').fill(user);
  await page.locator('#password').fill(password);
  if (expire) await page.locator('#expire').check();
  if (remember) await page.locator('#remember').check();
  const answer = page.waitForResponse((r) => new URL(r.url()).pathname === '/logon' && r.request().method() === 'POST');
  await page.locator('form[action="/logon"] button[type=submit]').click();
  const response = await answer;
  if (expectFailure) {
    await page.waitForLoadState('domcontentloaded');
    return response;
  }
  await page.waitForURL((u) => u.pathname === '/mail');
  await page.locator('header .who').waitFor();
  return response;
}

// Clicks "Log off" and waits for the logon page.
export async function logOff(page) {
  await page.locator('header form.logoff button').click();
  await page.waitForURL((u) => u.pathname === '/');
  await page.locator('#password').waitFor();
}

// Whether the page is the logon form (nobody logged on).
export async function onLogonPage(page) {
  await page.waitForLoadState('domcontentloaded');
  return (await page.locator('form[action="/logon"] #password').count()) === 1 &&
    (await page.locator('header .who').count()) === 0;
}

// The row of the message list whose subject is `subject`.
export function messageRow(page, subject) {
  return page.locator('table.messages tbody tr').filter({ has: page.locator('td.subject', { hasText: subject }) });
}

// Opens the message with this subject from the list on screen.
export async function openMessage(page, subject) {
  await messageRow(page, subject).locator('td.subject a').click();
  await page.waitForURL((u) => u.pathname === '/mail/read');
  await page.locator('h1.subject').waitFor();
}

/**
 * A small HTTP server on loopback standing for "somewhere else on the
 * Internet": it answers every request with a 1x1 GIF and records the paths.
 */
export async function startProbe() {
  const hits = [];
  const gif = Buffer.from('R0lGODlhAQABAIAAAP///wAAACH5BAEAAAAALAAAAAABAAEAAAICRAEAOw==', 'base64');
  const srv = createServer((req, res) => {
    hits.push(req.url);
    res.writeHead(200, { 'Content-Type': req.url.endsWith('.css') ? 'text/css' : 'image/gif' });
    res.end(req.url.endsWith('.css') ? 'body{background:red}' : gif);
  });
  await new Promise((done) => srv.listen(0, '127.0.0.1', done));
  const base = `http://127.0.0.1:${srv.address().port}`;
  return { base, hits, close: () => new Promise((done) => srv.close(done)) };
}

/**
 * describe() with an instance and a browser that live as long as the suite and
 * are cleaned up even when a test or the set-up fails. The body gets `env`
 * (env.inst, env.browser, filled in before the first test) and `test`, an it()
 * that, when it fails, has the daemon's log printed at the end.
 */
export function browserSuite(name, { instance = {}, browserArgs = [] } = {}, body) {
  describe(name, () => {
    const env = {};
    let failed = false;
    before(async () => {
      env.inst = await startInstance(instance);
      env.browser = await launchBrowser(typeof browserArgs === 'function' ? browserArgs(env.inst) : browserArgs);
    });
    after(async () => {
      await env.browser?.close().catch(() => {});
      await env.inst?.stop({ showLog: failed });
    });
    const test = (title, fn) =>
      it(title, async (t) => {
        try {
          await fn(t);
        } catch (e) {
          failed = true;
          throw e;
        }
      });
    body(env, test);
  });
}

// A page in a new profile for the length of fn; the profile is closed afterwards.
export async function withPage(browser, fn, options = {}) {
  const { context, page } = await newPage(browser, options);
  try {
    return await fn(page, context);
  } finally {
    await context.close().catch(() => {});
  }
}
