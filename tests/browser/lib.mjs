// lib.mjs - what every browser test shares: a throw-away webmsg instance on
// free loopback ports (the real webmsgd, set up with the real webmsg-admin),
// Debian's Chromium driven by playwright-core, and the steps a user takes
// (log on, log off) written once.
//
// Environment: WEBMSG_BIN (required) names the folder with webmsgd and
// webmsg-admin; WEBMSG_SHARE_DIR the share folder (templates, sample mail);
// CHROMIUM the browser (default /usr/bin/chromium); WEBMSG_KEEP=1 keeps each
// instance's folder for a look afterwards; WEBMSG_STORE the mail store the
// instances use: maildir (the default) or imap, a private Dovecot per instance
// (scripts/dovecot.sh) and the loopback SMTP relay delivering into it
// (scripts/smtp_relay.py --lda), as a site with mail.store imap has them.
import { execFileSync, spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, rmSync } from 'node:fs';
import { chmod, chown, mkdir, mkdtemp, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { createConnection, createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
export const SHARE_DIR = resolve(process.env.WEBMSG_SHARE_DIR || join(here, '..', '..', 'share'));
export const SAMPLE_MAIL = join(SHARE_DIR, 'sample-mail');
export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const SCRIPTS = join(here, '..', '..', 'scripts');

// The mail store of this run's instances.
export const STORE = process.env.WEBMSG_STORE || 'maildir';
if (!['maildir', 'imap'].includes(STORE)) throw new Error(`WEBMSG_STORE is maildir or imap, not ${STORE}`);
export const IMAP = STORE === 'imap';

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

/**
 * What the mailbox says after Send. Under mail.store imap every recipient,
 * the user's own address too, goes through smtp.relay (the IMAP site's mail
 * server, server/mail_send.c), so the message is queued, not delivered yet.
 */
export const SENT = IMAP
  ? { n: 'queued', notice: 'Your message was queued for delivery.' }
  : { n: 'sent', notice: 'Your message was sent.' };

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
    for (const child of inst.children) {
      try {
        child.kill('SIGTERM');
      } catch {
        // gone
      }
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

// Is a TCP port on loopback accepting connections?
function portOpen(port) {
  return new Promise((done) => {
    const s = createConnection({ host: '127.0.0.1', port });
    s.once('connect', () => s.end(() => done(true)));
    s.once('error', () => done(false));
  });
}

// A helper of the process, started with its output in LOG and stopped with the instance.
function startChild(inst, cmd, args, log) {
  const fd = openSync(log, 'a');
  const child = spawn(cmd, args, { stdio: ['ignore', fd, fd] });
  closeSync(fd); // the child has its own
  child.on('error', () => {});
  inst.children.push(child);
  return child;
}

function exited(child) {
  return child.exitCode !== null || child.signalCode !== null;
}

async function stopChild(child) {
  if (exited(child)) return;
  child.kill('SIGTERM');
  await waitUntil(`${child.spawnargs[0]} to stop`, () => exited(child), 10000).catch(() => child.kill('SIGKILL'));
}

// scripts/dovecot.sh ARGS...; throws with its output when it fails.
async function dovecotScript(args) {
  const r = await run('bash', [join(SCRIPTS, 'dovecot.sh'), ...args.map(String)]);
  if (r.code !== 0) throw new Error(`dovecot.sh ${args[0]} exited ${r.code}:\n${r.stdout}${r.stderr}`);
}

/*
 * The instance's mail server under mail.store imap: a private Dovecot (the one
 * configuration, scripts/dovecot.sh) with the user, and the relay that
 * delivers what webmsgd sends into it through dovecot-lda. Its folder is
 * inst.dovecot; its Maildir++ (separator '.') is inst.maildir.
 */
async function startMailServer(inst) {
  const dir = inst.dovecot;
  const conf = join(dir, 'dovecot.conf');
  // As root, Dovecot's users (dovecot, dovenull, the mail's owner nobody)
  // pass through the instance's folder to its sockets and the mail.
  await chmod(inst.dir, 0o711);
  // A free port can be taken before Dovecot binds it: new ones and another try.
  for (let attempt = 1; ; attempt++) {
    inst.imapPort = await freePort();
    do inst.imapsPort = await freePort();
    while (inst.imapsPort === inst.imapPort);
    await dovecotScript(['configure', dir, inst.imapPort, inst.imapsPort]);
    const dovecot = startChild(inst, 'dovecot', ['-F', '-c', conf], join(dir, 'dovecot.out'));
    try {
      await waitUntil('Dovecot to greet', async () => {
        if (exited(dovecot)) throw new Error('Dovecot ended');
        return (await run('bash', [join(SCRIPTS, 'dovecot.sh'), 'greets', String(inst.imapPort)])).code === 0 &&
          portOpen(inst.imapsPort);
      }, 30000);
      break;
    } catch (e) {
      await stopChild(dovecot);
      const log = await readFile(join(dir, 'dovecot.log'), 'utf8').catch(() => '');
      if (attempt === 3 || !/in use|bind/i.test(log)) {
        throw new Error(`${e.message}; dovecot.log:\n${log.trimEnd().split('\n').slice(-20).join('\n')}`);
      }
    }
  }
  const relayDir = join(inst.dir, 'relay');
  await mkdir(relayDir);
  for (let attempt = 1; ; attempt++) {
    inst.relayPort = await freePort();
    const relay = startChild(inst, 'python3', [join(SCRIPTS, 'smtp_relay.py'), String(inst.relayPort), relayDir,
      '--lda', conf, '--lifetime', '0'], join(relayDir, 'relay.log'));
    try {
      await waitUntil('the SMTP relay to listen', async () => {
        if (exited(relay)) throw new Error('the SMTP relay ended');
        return portOpen(inst.relayPort);
      }, 30000);
      break;
    } catch (e) {
      await stopChild(relay);
      if (attempt === 3) throw e;
    }
  }
}

// Dovecot's own tool against the instance's Dovecot.
async function doveadm(inst, args, input) {
  return run('doveadm', ['-c', join(inst.dovecot, 'dovecot.conf'), ...args], { input });
}

/**
 * A new webmsg instance in a fresh folder: database, a domain with one user
 * (USER / PASSWORD), the sample mail in the user's INBOX, the daemon started.
 * With WEBMSG_STORE=imap the user is Dovecot's (no domain or user in webmsg's
 * database: IMAP users log on with the IMAP server's credentials) and webmsgd
 * reads the mail from it over implicit TLS and sends through the relay.
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
    maildir: IMAP ? join(dir, 'dovecot', 'home', USER, 'Maildir') : join(dir, 'mail', DOMAIN, USER.split('@')[0]),
    dovecot: IMAP ? join(dir, 'dovecot') : null,
    children: [],
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
    for (const child of inst.children) await stopChild(child);
    if (showLog) {
      const lines = (await inst.log()).trimEnd().split('\n').slice(-30);
      console.error(`--- webmsgd.log (${dir})\n${lines.join('\n')}`);
      if (IMAP) {
        const dlog = await readFile(join(inst.dovecot, 'dovecot.log'), 'utf8').catch(() => '');
        console.error(`--- dovecot.log\n${dlog.trimEnd().split('\n').slice(-20).join('\n')}`);
      }
    }
    if (process.env.WEBMSG_KEEP) console.error(`kept ${dir}`);
    else await rm(dir, { recursive: true, force: true });
  };
  // Delivers a raw message into a folder's new/ as an MTA would (tmp/, then
  // rename); under IMAP through Dovecot (imapDeliver).
  inst.deliver = async (text, folder = 'INBOX') => {
    if (IMAP) return imapDeliver(inst, USER, text, folder);
    const base = folder === 'INBOX' ? inst.maildir : join(inst.maildir, `.${folder}`);
    for (const sub of ['tmp', 'new', 'cur']) await mkdir(join(base, sub), { recursive: true });
    const name = maildirName();
    await writeFile(join(base, 'tmp', name), text.replace(/\r?\n/g, '\n'));
    await rename(join(base, 'tmp', name), join(base, 'new', name));
    return name;
  };

  /*
   * Another user (a second recipient, say) the same way in both modes: an
   * account of webmsg's (its domain added when new) or Dovecot's.
   */
  inst.addUser = async (user, password) => {
    if (IMAP) return dovecotScript(['user', inst.dovecot, user, password]);
    const domain = user.split('@')[1];
    if (!(await inst.admin(['domain', 'list'])).split(/\s+/).includes(domain)) {
      await inst.admin(['domain', 'add', domain]);
    }
    return inst.admin(['user', 'add', user], `${password}\n`);
  };

  try {
    if (IMAP) await startMailServer(inst);
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
    // The test's own settings after these, so that it can change them.
    if (IMAP) {
      for (const [key, value] of [
        ['mail.imap_server', `127.0.0.1:${inst.imapsPort}`],
        ['mail.imap_tls', 'implicit'],
        ['mail.imap_ca_file', join(inst.dovecot, 'cert.pem')],
        ['mail.store', 'imap'],
        ['smtp.relay', `smtp://127.0.0.1:${inst.relayPort}`],
        ['smtp.tls', 'none'],
      ]) {
        await inst.admin(['config', 'set', key, value]);
      }
    }
    for (const [key, value] of Object.entries(settings)) {
      await inst.admin(['config', 'set', key, String(value)]);
    }
    await inst.addUser(USER, PASSWORD);
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

/*
 * A message into a folder of a user's on the instance's Dovecot, as an MTA
 * delivers into Maildir: written in tmp/ and renamed into new/ of the
 * folder's Maildir++ directory (separator '.'), owned by whoever owns the
 * Maildir (the mail's owner of scripts/dovecot.sh: nobody when run as root).
 * Dovecot takes such files in at its next look at the folder, as it does
 * what Postfix delivers; one doveadm call per message would take minutes for
 * the thousands list_pages puts in. A folder not there yet is made by
 * Dovecot first (once); a name that is not plain ASCII (modified UTF-7 on
 * disk) goes through doveadm save.
 */
async function imapDeliver(inst, user, text, folder) {
  const body = text.replace(/\r?\n/g, '\n');
  if (!/^[A-Za-z0-9 _-]+$/.test(folder)) return doveadmSave(inst, user, body, folder);
  const maildir = join(inst.dovecot, 'home', user, 'Maildir');
  const base = folder === 'INBOX' ? maildir : join(maildir, `.${folder}`);
  inst.imapFolders ??= new Map();
  const key = `${user}/${folder}`;
  if (!inst.imapFolders.has(key)) {
    inst.imapFolders.set(key, (async () => {
      if (folder !== 'INBOX') await doveadm(inst, ['mailbox', 'create', '-s', '-u', user, folder]);
      const owner = await stat(maildir);
      for (const sub of ['tmp', 'new', 'cur']) {
        if (existsSync(join(base, sub))) continue;
        await mkdir(join(base, sub), { recursive: true });
        await chown(join(base, sub), owner.uid, owner.gid);
      }
      return owner;
    })());
  }
  const owner = await inst.imapFolders.get(key);
  const name = maildirName();
  await writeFile(join(base, 'tmp', name), body);
  await chown(join(base, 'tmp', name), owner.uid, owner.gid);
  await rename(join(base, 'tmp', name), join(base, 'new', name));
  return folder;
}

// doveadm save: one message, by Dovecot itself.
async function doveadmSave(inst, user, body, folder) {
  let r = await doveadm(inst, ['save', '-u', user, '-m', folder], body);
  if (r.code !== 0 && folder !== 'INBOX') {
    await doveadm(inst, ['mailbox', 'create', '-s', '-u', user, folder]);
    r = await doveadm(inst, ['save', '-u', user, '-m', folder], body);
  }
  if (r.code !== 0) throw new Error(`doveadm save into ${folder} exited ${r.code}:\n${r.stdout}${r.stderr}`);
  return folder;
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

/**
 * Goes to the list at URL and loads it again until the message with this
 * subject is there (bounded): under mail.store imap what was sent to the
 * user arrives through the relay and Dovecot a moment after Send.
 */
export async function reloadUntilRow(page, url, subject, ms = 60000) {
  await page.goto(url);
  await waitUntil(`"${subject}" in ${url}`, async () => {
    if ((await messageRow(page, subject).count()) > 0) return true;
    await new Promise((r) => setTimeout(r, 200));
    await page.goto(url);
    return false;
  }, ms);
  return messageRow(page, subject);
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
 * that, when it fails, has the daemon's log printed at the end. skip: a
 * reason not to run the suite (node's runner reports it as skipped).
 */
export function browserSuite(name, { instance = {}, browserArgs = [], skip = false } = {}, body) {
  describe(name, { skip }, () => {
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
