// security.mjs - the desk's locks, in a real browser (Debian chromium
// through playwright-core): a server on a non-loopback address sends
// every page to the login form; a wrong password is refused and a right
// one lets the clerk in with a cookie scripts cannot read; a chuyên viên
// cannot issue or void; a form posted from a page of another origin (a
// forged cross-site request) changes nothing, and neither does a request
// with a forged CSRF token.  A screenshot of every page goes to --shots.
//
// node tests/web/security.mjs --vanthu build/vanthu --source . --build build
//      [--shots build/web-screens]
import { spawnSync } from 'node:child_process';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import {
  check, finish, freePort, hasServe, launchBrowser, login, newPage, parseArgs, screenshot,
  startServe,
} from './lib.mjs';

const PASSWORD = 'mật khẩu văn thư';
const args = parseArgs();

// This machine's address on its network, so that the server really
// listens off loopback (0.0.0.0 when there is none).
function ownAddress() {
  for (const list of Object.values(os.networkInterfaces()))
    for (const a of list || [])
      if (a.family === 'IPv4' && !a.internal) return a.address;
  return '0.0.0.0';
}

// The register's entry as the desk would show it: [number, voided].
function entry(register, id) {
  const r = spawnSync('python3', ['-c', `
import sqlite3, sys
row = sqlite3.connect(sys.argv[1]).execute(
    'SELECT number, coalesce(voided, "") FROM entry WHERE id = ?', (int(sys.argv[2]),)).fetchone()
print(row[0] if row else '', row[1] if row else '', sep='\\t')`, register, String(id)],
  { encoding: 'utf8' });
  const [number, voided] = r.stdout.replace(/\n$/, '').split('\t');
  return { number, voided };
}

function auditCount(register, action) {
  const r = spawnSync('python3', ['-c', `
import sqlite3, sys
print(sqlite3.connect(sys.argv[1]).execute(
    'SELECT count(*) FROM audit WHERE action = ?', (sys.argv[2],)).fetchone()[0])`,
  register, action], { encoding: 'utf8' });
  return Number(r.stdout.trim());
}

// One document issued from the command line, so the register has an
// entry (id 1) to try to void.
function issueOne(server) {
  const plan = path.join(args.source, 'plans', 'kim-thanh-2017-ke-hoach-sinh-hoat-to-truong.xml');
  const r = spawnSync(args.vanthu, ['issue', plan, '--register', server.register, '-o',
                                    path.join(server.dir, 'issued')],
  { encoding: 'utf8', env: { ...process.env, VANTHU_TEMPLATES: path.join(args.build, 'templates') } });
  if (r.status !== 0) throw new Error(`vanthu issue: ${r.stderr}`);
}

// A page of another origin (another port on loopback) holding a form that
// posts itself to the desk: what a hostile site would do.
async function attackerSite(target, host = '127.0.0.1') {
  const port = await freePort();
  const html = `<!doctype html><meta charset="utf-8"><title>Khuyến mãi</title>
<h1>Trang của kẻ khác</h1>
<form id="f" method="post" action="${target}/so-van-ban-di/1/huy">
<input name="ly_do" value="giả mạo"><input name="csrf" value="${'A'.repeat(43)}">
</form><script>document.getElementById('f').submit()</script>`;
  const srv = http.createServer((req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end(html);
  });
  await new Promise((r) => srv.listen(port, '127.0.0.1', r));
  return { url: `http://${host}:${port}/`, close: () => new Promise((r) => srv.close(r)) };
}

// The default desk (loopback, no login): the clerk has it open, and a
// page elsewhere posts a void form to it, once from another port of the
// same host (same site: the cookie goes along, the forged token stops it)
// and once from another host name (another site: SameSite=Strict keeps
// the cookie back, and the fresh anonymous session's token differs).
async function loopbackForgery(browser, shots) {
  const local = await startServe(args.vanthu);
  try {
    issueOne(local);
    const page = await newPage(browser);
    await page.goto(`${local.url}/so-van-ban-di/1`);
    check(/1012\/KH/.test(await page.locator('body').innerText()),
      'loopback desk: the clerk sees entry 1012 without a login');
    for (const [label, host] of [['another port', '127.0.0.1'], ['another site', 'localhost']]) {
      const attacker = await attackerSite(local.url, host);
      await page.goto(attacker.url);
      await page.waitForLoadState('load');
      await page.waitForTimeout(500);
      check(page.url() !== attacker.url, `loopback desk, ${label}: the form was posted (${page.url()})`);
      check(/CSRF/.test(await page.locator('body').innerText()),
        `loopback desk, ${label}: answered with the CSRF refusal`);
      await screenshot(page, shots, `csrf-gia-mao-may-nay-${host === 'localhost' ? 'trang-khac' : 'cong-khac'}`);
      check(entry(local.register, 1).voided === '', `loopback desk, ${label}: the entry is not voided`);
      await attacker.close();
    }
    await page.context().close();
  } finally {
    const exit = await local.stop();
    check(exit && exit.code === 0, `the loopback desk stops cleanly (${JSON.stringify(exit)})`);
  }
}

async function main() {
  if (!hasServe(args.vanthu)) {
    console.log('SKIPPED: this vanthu has no "serve" command (the web desk is not built in)');
    return 77;
  }
  const host = ownAddress();
  const server = await startServe(args.vanthu, {
    host,
    users: [['lan', 'van-thu', PASSWORD], ['minh', 'chuyen-vien', PASSWORD]],
  });
  const browser = await launchBrowser();
  const shots = args.shots;
  try {
    issueOne(server);
    const base = server.url;

    // every page leads to the login form
    let page = await newPage(browser);
    for (const p of ['/', '/soan', '/so-van-ban-di', '/giay-moi', '/so-van-ban-di/1']) {
      const res = await page.goto(base + p);
      check(new URL(page.url()).pathname === '/dang-nhap' && res.status() === 200,
        `${p} without login leads to /dang-nhap (at ${page.url()})`);
    }
    check(await page.locator('h1').count() === 1, 'the login page has its <h1>');
    await screenshot(page, shots, 'dang-nhap');

    // a wrong password
    await login(page, base, 'lan', 'sai mật khẩu');
    check(new URL(page.url()).pathname === '/dang-nhap' &&
          /không đúng/.test(await page.locator('body').innerText()),
    'a wrong password: back on the login page, "không đúng"');
    await screenshot(page, shots, 'dang-nhap-sai');

    // a chuyên viên: in, but cannot issue or void
    await login(page, base, 'minh', PASSWORD);
    check(new URL(page.url()).pathname === '/', `minh logged in: at / (${page.url()})`);
    const cookies = await page.context().cookies(base);
    const sid = cookies.find((c) => c.name === 'vt_sid');
    check(sid && sid.httpOnly && sid.sameSite === 'Strict' && !sid.secure,
      `the session cookie is HttpOnly, SameSite=Strict (${JSON.stringify(sid && {
        httpOnly: sid.httpOnly, sameSite: sid.sameSite })})`);
    check(!(await page.evaluate(() => document.cookie)).includes('vt_sid'),
      'scripts cannot read the session cookie');
    await screenshot(page, shots, 'trang-chu-chuyen-vien');
    await page.goto(`${base}/so-van-ban-di/1`);
    await screenshot(page, shots, 'so-van-ban-di-chuyen-vien');
    const token = await page.evaluate(() => {
      const f = document.querySelector('input[name="csrf"]');
      const m = document.querySelector('meta[name="csrf"], meta[name="csrf-token"]');
      return (f && f.value) || (m && m.content) || '';
    });
    check(token.length === 43, 'the page carries the session\'s CSRF token');
    for (const route of ['/so-van-ban-di/1/huy', '/ban-nhap/abc/cap-so', '/so-van-ban-di/1/ghi-chu']) {
      const status = await page.evaluate(async ([r, t]) => {
        const body = new URLSearchParams({ ly_do: 'thử', csrf: t });
        const res = await fetch(r, { method: 'POST', body, headers: { 'X-CSRF-Token': t } });
        return res.status;
      }, [route, token]);
      check(status === 403, `a chuyên viên POSTs ${route} with the right token: 403 (got ${status})`);
    }
    // the refusal as the clerk sees it: a form submitted in the page
    await page.evaluate(([t]) => {
      const f = document.createElement('form');
      f.method = 'post';
      f.action = '/so-van-ban-di/1/huy';
      for (const [k, v] of [['ly_do', 'thử'], ['csrf', t]]) {
        const i = document.createElement('input');
        i.name = k; i.value = v; f.appendChild(i);
      }
      document.body.appendChild(f);
      f.submit();
    }, [token]);
    await page.waitForLoadState('load');
    check(/quyền|văn thư/i.test(await page.locator('body').innerText()),
      'the refusal says a văn thư is needed');
    await screenshot(page, shots, 'tu-choi-vai-tro');
    check(entry(server.register, 1).voided === '', 'the entry is not voided by the chuyên viên');
    await page.context().close();

    // a văn thư, and a forged request from another site
    page = await newPage(browser);
    await login(page, base, 'lan', PASSWORD);
    check(new URL(page.url()).pathname === '/', 'lan logged in');
    const attacker = await attackerSite(base);
    await page.goto(attacker.url);
    await page.waitForLoadState('load');
    await page.waitForTimeout(500);
    const landed = page.url();
    check(landed !== attacker.url, `the forged form was submitted (the browser left the other site for ${landed})`);
    check(entry(server.register, 1).voided === '',
      `a form posted from another origin voids nothing (landed on ${landed})`);
    check(/Cần đăng nhập|CSRF/.test(await page.locator('body').innerText()),
      'the desk answered it as a request without a session (SameSite=Strict kept the cookie back)');
    await screenshot(page, shots, 'csrf-gia-mao');
    await attacker.close();
    // the same with the cookie but a forged token, from the desk's own page
    await page.goto(`${base}/so-van-ban-di/1`);
    const forged = await page.evaluate(async () => {
      const res = await fetch('/so-van-ban-di/1/huy', {
        method: 'POST',
        body: new URLSearchParams({ ly_do: 'giả mạo', csrf: 'A'.repeat(43) }),
        headers: { 'X-CSRF-Token': 'B'.repeat(43) },
      });
      return [res.status, await res.text()];
    });
    check(forged[0] === 403, `a forged CSRF token with a real session: 403 (got ${forged[0]})`);
    check(entry(server.register, 1).voided === '', 'and the entry is still not voided');
    check(auditCount(server.register, 'void') === 0, 'no void in the audit trail');
    check(auditCount(server.register, 'login') >= 2, 'both logins in the audit trail');
    await page.context().close();
    await loopbackForgery(browser, shots);
  } finally {
    await browser.close();
    const exit = await server.stop();
    check(exit && exit.code === 0, `the server stops cleanly (${JSON.stringify(exit)})`);
  }
  return finish();
}

main().then((code) => process.exit(code), (err) => {
  console.error(err && err.stack ? err.stack : err);
  console.log('FAIL  security.mjs stopped: ' + (err && err.message));
  finish();
  process.exit(1);
});
