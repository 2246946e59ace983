// lib.mjs - what the browser tests of `vanthu serve` share.
//
// Why a library: every browser test needs the same four things, done the
// same careful way: Debian's chromium driven by playwright-core (no
// browser download, nothing fetched from the internet), a real
// `vanthu serve` on a free port with its own register and data folder
// that is always stopped, forms filled by their stable `name`s, and a
// screenshot of every page saved where the README can show it.  The
// tests print one line per check and end with "N passed, N failed", like
// the Python suites.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

export const CHROMIUM = process.env.VT_CHROMIUM || '/usr/bin/chromium';

// --vanthu BIN --source DIR --build DIR [--shots DIR], as ctest passes them.
export function parseArgs(argv = process.argv.slice(2)) {
  const a = { vanthu: null, source: null, build: null, shots: null };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i].replace(/^--/, '');
    if (k in a && i + 1 < argv.length) a[k] = argv[++i];
    else throw new Error(`unknown argument ${argv[i]}`);
  }
  if (!a.vanthu) throw new Error('--vanthu BIN is required');
  a.vanthu = path.resolve(a.vanthu);
  if (!a.shots) a.shots = path.join(a.build || '.', 'web-screens');
  return a;
}

// ---- checks --------------------------------------------------------------

const results = { passed: 0, failed: 0 };

export function check(ok, what) {
  if (ok) results.passed++;
  else results.failed++;
  console.log(`${ok ? 'ok  ' : 'FAIL'}  ${what}`);
  return ok;
}

// Print the tally and give the exit code (1 on any failure).
export function finish() {
  console.log(`${results.passed} passed, ${results.failed} failed`);
  return results.failed || !results.passed ? 1 : 0;
}

// ---- the browser ---------------------------------------------------------

// Headless Debian chromium; as root (CI containers) it needs --no-sandbox.
export async function launchBrowser() {
  if (!fs.existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} not found: ./scripts/setup installs Debian's chromium`);
  const args = ['--disable-dev-shm-usage', '--disable-gpu'];
  if (process.getuid && process.getuid() === 0) args.push('--no-sandbox');
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args });
}

// A page the size of the clerk's laptop, Vietnamese.
export async function newPage(browser) {
  const context = await browser.newContext({
    viewport: { width: 1366, height: 768 },
    locale: 'vi-VN',
  });
  return context.newPage();
}

// Fill the form fields named in fields ({name: value}); a value that is
// an object {file: PATH} sets a file input.
export async function fill(page, fields, scope = 'form') {
  for (const [name, value] of Object.entries(fields)) {
    const field = page.locator(`${scope} [name="${name}"]`).first();
    if (value && typeof value === 'object' && value.file) await field.setInputFiles(value.file);
    else await field.fill(String(value));
  }
}

// Save the whole page as DIR/NAME.png (the folder is made if needed).
export async function screenshot(page, dir, name) {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

// ---- the server ----------------------------------------------------------

// A TCP port nobody listens on now.
export function freePort(host = '127.0.0.1') {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, host, () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

export function tempDir(tag = 'web') {
  return fs.mkdtempSync(path.join(os.tmpdir(), `vt-${tag}-`));
}

// 1 if this vanthu knows the command `serve` (the desk may not be built in).
export function hasServe(vanthu) {
  const r = spawnSync(vanthu, ['serve', '--help'], { encoding: 'utf8' });
  return r.status === 0 && /serve/.test(r.stdout + r.stderr);
}

// `vanthu user add NAME --role ROLE --password-file F` on a register.
export function addUser(vanthu, register, name, role, password) {
  const dir = tempDir('pw');
  const pw = path.join(dir, 'pw');
  fs.writeFileSync(pw, password + '\n', { mode: 0o600 });
  const r = spawnSync(vanthu, ['user', 'add', name, '--role', role, '--register', register,
                               '--password-file', pw], { encoding: 'utf8' });
  fs.rmSync(dir, { recursive: true, force: true });
  if (r.status !== 0) throw new Error(`vanthu user add ${name}: ${r.stderr}`);
}

function connects(host, port) {
  return new Promise((resolve) => {
    const s = net.connect({ host, port }, () => { s.destroy(); resolve(true); });
    s.once('error', () => resolve(false));
    s.setTimeout(1000, () => { s.destroy(); resolve(false); });
  });
}

// Start `vanthu serve` on a free port with its own register and data
// folder (in a temp folder unless given) and wait until it answers.
// opts: {host, register, data, args, env, users: [[name, role, pw]…]}.
// Returns {url, host, port, register, data, dir, proc, log(), stop()}.
export async function startServe(vanthu, opts = {}) {
  const host = opts.host || '127.0.0.1';
  const dir = opts.dir || tempDir('serve');
  const register = opts.register || path.join(dir, 'register.sqlite');
  const data = opts.data || path.join(dir, 'data');
  fs.mkdirSync(data, { recursive: true });
  for (const [name, role, pw] of opts.users || []) addUser(vanthu, register, name, role, pw);
  const port = opts.port || (await freePort(host));
  const args = ['serve', '--listen', `${host}:${port}`, '--register', register, '--data', data,
                ...(opts.args || [])];
  let output = '';
  // VT_WRAP (valgrind in CI) wraps the server as it wraps every vanthu
  // call of the Python suites; a wrapped server is slower to start and stop
  const wrap = (process.env.VT_WRAP || '').split(/\s+/).filter(Boolean);
  const slow = wrap.length ? 10 : 1;
  const proc = spawn(wrap.length ? wrap[0] : vanthu, [...wrap.slice(1), ...(wrap.length ? [vanthu] : []),
                                                     ...args], {
    env: { ...process.env, ...(opts.env || {}) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  proc.stdout.on('data', (b) => { output += b; });
  proc.stderr.on('data', (b) => { output += b; });
  let exited = null;
  proc.on('exit', (code, signal) => { exited = { code, signal }; });
  const urlHost = host.includes(':') ? `[${host}]` : host;
  const server = {
    url: `http://${urlHost}:${port}`, host, port, register, data, dir, proc,
    log: () => output,
    exited: () => exited,
    async stop() {
      if (!exited) {
        proc.kill('SIGTERM');
        const deadline = Date.now() + 5000 * slow;
        while (!exited && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
        if (!exited) proc.kill('SIGKILL');
      }
      if (!opts.dir && !opts.keep) fs.rmSync(dir, { recursive: true, force: true });
      return exited;
    },
  };
  const deadline = Date.now() + (opts.timeoutMs || 20000) * slow;
  while (Date.now() < deadline) {
    if (exited) throw new Error(`vanthu serve exited (${JSON.stringify(exited)}): ${output}`);
    if (await connects(host, port)) return server;
    await new Promise((r) => setTimeout(r, 100));
  }
  await server.stop();
  throw new Error(`vanthu serve did not answer on ${host}:${port}: ${output}`);
}

// Log in through the login page's form; resolves once the answer (the
// desk, or the login page again with its message) has loaded.
export async function login(page, baseUrl, name, password) {
  await page.goto(`${baseUrl}/dang-nhap`);
  await fill(page, { ten: name, mat_khau: password });
  await Promise.all([page.waitForNavigation(), page.locator('form [name="mat_khau"]').press('Enter')]);
}
