#!/usr/bin/env python3
"""The web desk (`vanthu serve`) at the HTTP level, with real curl and raw
sockets against a real server on a free port: oversized bodies (413),
path traversal in every route that carries an id and in uploaded file
names (400/404, nothing read or written outside --data), unknown routes
(404), malformed multipart (400), a client sending one byte a second
while others are served, a server on a non-loopback address refusing
every page without a login, the login wait, CSRF tokens (403 when
missing or forged), cookies HttpOnly and SameSite=Strict.  Twenty
parallel issues are test_web_parallel.py.

The URL map is the one of docs/web.md (the desk's contract).  When this
vanthu has no `serve` command, the test says so and exits 77, which
ctest reports as skipped.
"""
import os
import re
import secrets
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from test_render import RESULTS, WRAP, check, parse_args  # noqa: E402

SKIP = 77
PASSWORD = 'mật khẩu văn thư'
TOKEN = re.compile(r'[A-Za-z0-9_-]{43}')
VIETNAMESE = re.compile('[àáảãạăắằẳẵặâấầẩẫậđèéẻẽẹêếềểễệìíỉĩịòóỏõọôốồổỗộơớờởỡợùúủũụưứừửữựỳýỷỹỵ]', re.I)


def has_serve(vanthu):
    r = subprocess.run([vanthu, 'serve', '--help'], capture_output=True, text=True)
    return r.returncode == 0 and 'serve' in r.stdout + r.stderr


def no_serve(vanthu):
    """True, after saying so, when this vanthu has no `serve` command: the
    web tests are then skipped (exit SKIP), not passed."""
    if has_serve(vanthu):
        return False
    print('SKIPPED: this vanthu has no "serve" command (the web desk is not built in); '
          'nothing was tested')
    return True


def free_port(host='127.0.0.1'):
    s = socket.socket(socket.AF_INET6 if ':' in host else socket.AF_INET)
    s.bind((host, 0))
    port = s.getsockname()[1]
    s.close()
    return port


def own_address():
    """This machine's address on its network (not loopback), or None."""
    for probe in ('10.255.255.255', '192.0.2.1', '8.8.8.8'):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            s.connect((probe, 9))
            ip = s.getsockname()[0]
        except OSError:
            continue
        finally:
            s.close()
        if not ip.startswith('127.') and ip != '0.0.0.0':
            return ip
    return None


class Server:
    """`vanthu serve` on a free port with its own register and data folder
    inside root; stopped (SIGTERM, then SIGKILL) by stop()."""

    def __init__(self, vanthu, root, env, listen='127.0.0.1', users=(), args=()):
        self.root = root
        self.register = os.path.join(root, 'register.sqlite')
        self.data = os.path.join(root, 'data')
        os.makedirs(self.data, exist_ok=True)
        for name, role, pw in users:
            add_user(vanthu, self.register, name, role, pw, env)
        self.port = free_port(listen)
        self.host = listen
        self.connect_host = '127.0.0.1' if listen in ('0.0.0.0', '127.0.0.1') else listen
        self.url = 'http://%s:%d' % (self.connect_host, self.port)
        self.log = open(os.path.join(root, 'serve.log'), 'wb')
        self.proc = subprocess.Popen(
            WRAP + [vanthu, 'serve', '--listen', '%s:%d' % (listen, self.port), '--register',
                    self.register, '--data', self.data] + list(args),
            stdout=self.log, stderr=subprocess.STDOUT, env=env)
        end = time.time() + 60
        while time.time() < end:
            if self.proc.poll() is not None:
                raise RuntimeError('vanthu serve exited %d: %s' % (self.proc.returncode, self.output()))
            try:
                socket.create_connection((self.connect_host, self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError('vanthu serve did not answer: ' + self.output())

    def output(self):
        self.log.flush()
        with open(os.path.join(self.root, 'serve.log'), 'rb') as f:
            return f.read().decode('utf-8', 'replace')

    def stop(self):
        """Stop the server (SIGTERM) and check it ends with exit 0 (under
        VT_WRAP or a sanitizer, also that it reported no error); its exit
        status, None if it had to be killed."""
        rc = None
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc.returncode is not None and self.proc.returncode >= 0:
            rc = self.proc.returncode
        out = self.output()
        self.log.close()
        check(rc == 0, 'vanthu serve --listen %s stops cleanly on SIGTERM (exit %r)%s'
              % (self.host, rc, '' if rc == 0 else ': ' + out[-2000:]))
        return rc


def add_user(vanthu, register, name, role, pw, env):
    pwfile = register + '.pw'
    with open(pwfile, 'w', encoding='utf-8') as f:
        f.write(pw + '\n')
    r = subprocess.run([vanthu, 'user', 'add', name, '--role', role, '--register', register,
                        '--password-file', pwfile], capture_output=True, text=True, env=env)
    os.unlink(pwfile)
    if r.returncode != 0:
        raise RuntimeError('vanthu user add: ' + r.stderr)


class Reply:
    def __init__(self, status, headers, body):
        self.status, self.headers, self.body = status, headers, body

    def header(self, name):
        return [v for k, v in self.headers if k.lower() == name.lower()]

    def text(self):
        return self.body.decode('utf-8', 'replace')

    def cookie(self, name='vt_sid'):
        """The value and attributes of the Set-Cookie for name, or None."""
        for v in self.header('Set-Cookie'):
            if v.split('=', 1)[0].strip() == name:
                parts = [p.strip() for p in v.split(';')]
                return parts[0].split('=', 1)[1], parts[1:]
        return None


def curl(url, *args, cookie=None, timeout=30):
    """One request with the real curl; --path-as-is so '..' reaches the
    server as written.  A Reply (status 0 when curl failed)."""
    with tempfile.TemporaryDirectory(prefix='vt-curl-') as d:
        head, body = os.path.join(d, 'h'), os.path.join(d, 'b')
        cmd = ['curl', '-s', '--path-as-is', '-o', body, '-D', head, '-w', '%{http_code}',
               '--max-time', str(timeout)] + list(args)
        if cookie:
            cmd += ['-H', 'Cookie: vt_sid=' + cookie]
        r = subprocess.run(cmd + [url], capture_output=True, text=True)
        status = int(r.stdout or 0) if r.stdout.isdigit() else 0
        headers = []
        if os.path.exists(head):
            for line in open(head, 'rb').read().decode('latin-1').splitlines():
                if ':' in line:
                    k, v = line.split(':', 1)
                    headers.append((k.strip(), v.strip()))
        data = open(body, 'rb').read() if os.path.exists(body) else b''
        return Reply(status, headers, data)


def upload(server, sid, token, filename, data, ctype, field='tep'):
    """POST /soan/tai-len with a multipart body built here byte by byte,
    so a file name can hold anything (a NUL, backslashes)."""
    boundary = '----vt' + secrets.token_hex(8)
    body = ('--%s\r\nContent-Disposition: form-data; name="csrf"\r\n\r\n%s\r\n'
            '--%s\r\nContent-Disposition: form-data; name="%s"; filename="%s"\r\n'
            'Content-Type: %s\r\n\r\n' % (boundary, token, boundary, field, filename, ctype)
            ).encode('utf-8', 'surrogateescape') + data + ('\r\n--%s--\r\n' % boundary).encode()
    with tempfile.NamedTemporaryFile(prefix='vt-body-') as f:
        f.write(body)
        f.flush()
        return curl(server.url + '/soan/tai-len', '-H', 'Content-Type: multipart/form-data; boundary='
                    + boundary, '-H', 'X-CSRF-Token: ' + token, '--data-binary', '@' + f.name,
                    cookie=sid)


def csrf_of(reply):
    """The CSRF token a page's forms carry (an input named csrf, or a meta
    csrf-token for the page's scripts)."""
    html = reply.text()
    for m in re.finditer(r'<(input|meta)\b[^>]*>', html):
        tag = m.group(0)
        if re.search(r'name="(csrf|csrf-token)"', tag):
            v = re.search(r'(value|content)="([A-Za-z0-9_-]{43})"', tag)
            if v:
                return v.group(2)
    return None


def session(server, path='/soan'):
    """A session on a server without login: its cookie and CSRF token."""
    r = curl(server.url + path)
    c = r.cookie()
    return (c[0] if c else None), csrf_of(r)


def login(server, name, pw):
    """Log in through /dang-nhap as a browser does: the login page's guest
    cookie and token, then the form.  The reply and the new session."""
    page = curl(server.url + '/dang-nhap')
    guest = page.cookie()
    token = csrf_of(page)
    r = curl(server.url + '/dang-nhap', '--data-urlencode', 'ten=' + name, '--data-urlencode',
             'mat_khau=' + pw, '--data-urlencode', 'csrf=' + (token or ''),
             cookie=guest[0] if guest else None)
    c = r.cookie()
    return r, (c[0] if c else None)


def snapshot(root, skip):
    """Every path under root but those under skip, with size and mtime."""
    out = {}
    for d, dirs, files in os.walk(root):
        if os.path.abspath(d).startswith(os.path.abspath(skip)):
            continue
        for f in files + dirs:
            p = os.path.join(d, f)
            if os.path.abspath(p).startswith(os.path.abspath(skip)):
                continue
            st = os.lstat(p)
            out[p] = (st.st_size, st.st_mtime_ns)
    return out


def outside_unchanged(before, root, data, what):
    after = snapshot(root, data)
    changed = sorted(p for p in set(before) | set(after)
                     if before.get(p) != after.get(p) and not os.path.basename(p).startswith(
                         ('register.sqlite', 'serve.log')))
    check(not changed, '%s: nothing outside --data written (changed: %r)' % (what, changed[:5]))


# ---- the cases -----------------------------------------------------------

ID_ROUTES_GET = ['/ban-nhap/%s', '/ban-nhap/%s/xem-truoc.pdf', '/van-ban/%s/tai.docx',
                 '/van-ban/%s/tai.pdf', '/giay-moi/%s/tien-do', '/giay-moi/%s/tai.zip',
                 '/so-van-ban-di/%s']
ID_ROUTES_POST = ['/ban-nhap/%s/cap-so', '/so-van-ban-di/%s/huy', '/so-van-ban-di/%s/ghi-chu']
HOSTILE_IDS = ['..', '..%2f..%2f..%2fetc%2fpasswd', '%2e%2e%2f%2e%2e%2fetc%2fpasswd',
               '..%5c..%5cetc', '%2fetc%2fpasswd', '%2Fetc%2Fpasswd', 'abc%00def',
               '..%252f..%252fetc', 'A' * 65, 'ABC', 'a.b', '%c0%ae%c0%ae', '~root', '.vanthu-register']


def unknown_routes(server):
    for path in ['/khong-co', '/soan/khong-co', '/ban-nhap', '/static/../../etc/passwd',
                 '/%2e%2e/%2e%2e/etc/passwd', '/so-van-ban-di/xuat.exe', '//etc/passwd']:
        r = curl(server.url + path)
        check(r.status == 404 and b'root:x:' not in r.body,
              'GET %s: 404 (got %d)' % (path, r.status))
    r = curl(server.url + '/khong-co', '--data', 'x=1', '-H', 'X-CSRF-Token: x')
    check(r.status in (403, 404), 'POST to an unknown route: 403 or 404 (got %d)' % r.status)
    r = curl(server.url + '/', '-X', 'DELETE')
    check(r.status in (404, 405), 'DELETE /: 404 or 405 (got %d)' % r.status)


def traversal(server, root):
    sid, token = session(server)
    check(sid is not None and token is not None, 'a session on loopback: cookie and CSRF token')
    secret = os.path.join(root, 'secret.xml')
    with open(secret, 'w') as f:
        f.write('<plan>SECRET-OUTSIDE-DATA</plan>')
    before = snapshot(root, server.data)
    for route in ID_ROUTES_GET:
        for bad in HOSTILE_IDS + ['..%2fsecret', '..%2fsecret.xml', '..%2f..%2f' + root.lstrip('/')]:
            path = route % bad
            r = curl(server.url + path, cookie=sid)
            ok = r.status in (400, 404) and b'SECRET-OUTSIDE' not in r.body and b'root:x:' not in r.body
            check(ok, 'GET %s: 400 or 404, nothing read (got %d)' % (path, r.status))
    for route in ID_ROUTES_POST:
        for bad in HOSTILE_IDS:
            path = route % bad
            r = curl(server.url + path, '-H', 'X-CSRF-Token: ' + token, '--data', 'ly_do=x&csrf=' + token,
                     cookie=sid)
            check(r.status in (400, 404), 'POST %s: 400 or 404 (got %d)' % (path, r.status))
    # raw '..' segments, not encoded (curl --path-as-is)
    for path in ['/ban-nhap/../../../../etc/passwd', '/ban-nhap/x/../../../secret.xml',
                 '/van-ban/1/../../../../etc/passwd']:
        r = curl(server.url + path, cookie=sid)
        check(r.status in (400, 404) and b'root:x:' not in r.body and b'SECRET' not in r.body,
              'GET %s: 400 or 404 (got %d)' % (path, r.status))
    # an uploaded file's name never becomes a path
    for name in ['../../evil.txt', '/tmp/evil-%s.txt' % secrets.token_hex(4), '..\\..\\evil.txt',
                 'a\x00b.txt', '../' + os.path.basename(root) + '/evil.txt']:
        r = upload(server, sid, token, name, 'KẾ HOẠCH\nThử\n'.encode(), 'text/plain')
        check(r.status != 0 and r.status < 500, 'upload named %r: answered (got %d)' % (name, r.status))
        if name.startswith('/tmp/'):
            check(not os.path.exists(name), 'upload named %r: no such file made' % name)
    outside_unchanged(before, root, server.data, 'hostile ids and upload names')
    # a form field that looks like a path is only text
    r = curl(server.url + '/so-van-ban-di?q=..%2f..%2fetc%2fpasswd&nam=..%2f', cookie=sid)
    check(r.status in (200, 400) and b'root:x:' not in r.body,
          'a search for ../../etc/passwd: a list or 400, nothing read (got %d)' % r.status)


def rebinding(server):
    """A desk without logins answers only requests addressed to loopback
    by name: a page that re-points its own domain at 127.0.0.1 (DNS
    rebinding) must get neither a session nor a page."""
    for host in ['evil.example:%d' % server.port, 'evil.example', '127.0.0.1.evil.example']:
        r = curl(server.url + '/soan', '-H', 'Host: ' + host)
        check(r.status == 421 and r.cookie() is None and b'csrf' not in r.body,
              'GET /soan with Host: %s: 421, no session, no token (got %d)' % (host, r.status))
    for host in ['127.0.0.1:%d' % server.port, 'localhost:%d' % server.port]:
        r = curl(server.url + '/soan', '-H', 'Host: ' + host)
        check(r.status == 200, 'GET /soan with Host: %s: 200 (got %d)' % (host, r.status))


def oversized(server):
    sid, token = session(server)
    for path, ctype in [('/soan/luu', 'application/x-www-form-urlencoded'),
                        ('/soan/kiem-tra', 'application/x-www-form-urlencoded'),
                        ('/soan/tai-len', 'multipart/form-data; boundary=xyz'),
                        ('/giay-moi', 'multipart/form-data; boundary=xyz')]:
        # a declared 2 GiB body: refused on the header, the bytes never sent
        t = time.time()
        r = curl(server.url + path, '-H', 'Content-Type: ' + ctype, '-H',
                 'Content-Length: 2147483648', '-H', 'X-CSRF-Token: ' + token, '-H', 'Expect:',
                 '--data-binary', 'x', cookie=sid, timeout=20)
        check(r.status == 413 and time.time() - t < 15,
              'POST %s with Content-Length 2 GiB: 413 at once (got %d)' % (path, r.status))
    # a real 80 MiB body, chunked (no Content-Length to refuse on)
    with tempfile.NamedTemporaryFile(prefix='vt-big-') as big:
        big.write(b'a=' + b'x' * (80 << 20))
        big.flush()
        r = curl(server.url + '/soan/luu', '-H', 'Transfer-Encoding: chunked', '-H',
                 'X-CSRF-Token: ' + token, '--data-binary', '@' + big.name, cookie=sid, timeout=60)
        check(r.status == 413, 'POST /soan/luu with 80 MiB chunked: 413 (got %d)' % r.status)
    check(curl(server.url + '/').status == 200, 'the server still answers after the big bodies')


def malformed_multipart(server, root):
    sid, token = session(server)
    bodies = [
        ('no boundary parameter', 'multipart/form-data', b'--xyz\r\n\r\nx\r\n--xyz--\r\n'),
        ('no closing boundary', 'multipart/form-data; boundary=xyz',
         b'--xyz\r\nContent-Disposition: form-data; name="tep"; filename="a.txt"\r\n\r\nabc'),
        ('no part headers', 'multipart/form-data; boundary=xyz', b'--xyz\r\nabc\r\n--xyz--\r\n'),
        ('garbage', 'multipart/form-data; boundary=xyz', b'\x00\xff' * 200),
        ('a boundary of 200 characters', 'multipart/form-data; boundary=' + 'b' * 200,
         b'--' + b'b' * 200 + b'\r\n\r\n'),
    ]
    for label, ctype, body in bodies:
        path = os.path.join(root, 'body')
        with open(path, 'wb') as f:
            f.write(body)
        r = curl(server.url + '/soan/tai-len', '-H', 'Content-Type: ' + ctype, '-H',
                 'X-CSRF-Token: ' + token, '--data-binary', '@' + path, cookie=sid)
        check(r.status == 400, 'upload, %s: 400 (got %d)' % (label, r.status))
    # a part of the wrong type
    path = os.path.join(root, 'x.exe')
    with open(path, 'wb') as f:
        f.write(b'MZ\x90\x00' + b'\x00' * 100)
    r = curl(server.url + '/soan/tai-len', '-H', 'X-CSRF-Token: ' + token, '-F', 'csrf=' + token,
             '-F', 'tep=@%s;type=application/x-msdownload' % path, cookie=sid)
    check(r.status in (400, 415), 'upload of an .exe: 415 or 400 (got %d)' % r.status)
    check(curl(server.url + '/').status == 200, 'the server still answers after malformed uploads')


def slow_client(server):
    """One client sends a request one byte a second; meanwhile ten others
    are served, each within 3 seconds."""
    stop = threading.Event()
    s = socket.create_connection((server.connect_host, server.port))
    request = b'POST /soan/kiem-tra HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n' + b'a' * 1000

    def dribble():
        for b in request:
            if stop.is_set():
                break
            try:
                s.send(bytes([b]))
            except OSError:
                break
            time.sleep(1)

    t = threading.Thread(target=dribble, daemon=True)
    t.start()
    time.sleep(2)
    slowest = 0
    statuses = []
    for _ in range(10):
        t0 = time.time()
        statuses.append(curl(server.url + '/', timeout=10).status)
        slowest = max(slowest, time.time() - t0)
        time.sleep(0.5)
    check(all(x == 200 for x in statuses) and slowest < 3,
          'a client sending a byte a second: ten others served meanwhile (slowest %.1f s, %r)'
          % (slowest, statuses))
    # and many of them at once still leave room (connection limits, timeouts)
    more = []
    for _ in range(20):
        try:
            c = socket.create_connection((server.connect_host, server.port), timeout=2)
            c.send(b'G')
            more.append(c)
        except OSError:
            break
    t0 = time.time()
    r = curl(server.url + '/', timeout=15)
    check(r.status == 200 and time.time() - t0 < 10,
          '21 idle half-open clients: another is still served (%d in %.1f s)'
          % (r.status, time.time() - t0))
    stop.set()
    for c in more + [s]:
        c.close()


def needs_login(vanthu, tmp, env):
    """A server on a non-loopback address: every page but the login page
    refused without a session, whatever the client's address."""
    root = os.path.join(tmp, 'remote')
    os.mkdir(root)
    ip = own_address()
    listen = ip or '0.0.0.0'
    print('the server listens on %s' % listen)
    srv = Server(vanthu, root, env, listen=listen,
                 users=[('lan', 'van-thu', PASSWORD), ('minh', 'chuyen-vien', PASSWORD)])
    try:
        urls = [srv.url] + (['http://127.0.0.1:%d' % srv.port] if listen == '0.0.0.0' else [])
        for base in urls:
            for path in ['/', '/soan', '/so-van-ban-di', '/so-van-ban-di/1', '/so-van-ban-di/xuat.csv',
                         '/so-van-ban-di/xuat.xlsx', '/giay-moi', '/ban-nhap/abc',
                         '/ban-nhap/abc/xem-truoc.pdf', '/van-ban/1/tai.docx', '/giay-moi/abc/tien-do']:
                r = curl(base + path)
                loc = r.header('Location')
                check(r.status in (303, 401) and (r.status == 401 or loc and loc[0].endswith('/dang-nhap')),
                      'GET %s%s without login: 303 to /dang-nhap or 401 (got %d %r)'
                      % (base, path, r.status, loc))
            for path in ['/soan/luu', '/soan/kiem-tra', '/ban-nhap/abc/cap-so', '/so-van-ban-di/1/huy',
                         '/so-van-ban-di/1/ghi-chu', '/giay-moi', '/so-van-ban-di/kiem-tra', '/dang-xuat']:
                r = curl(base + path, '--data', 'x=1', '-H', 'X-CSRF-Token: ' + 'A' * 43)
                check(r.status in (401, 403, 303), 'POST %s%s without login: refused (got %d)'
                      % (base, path, r.status))
            r = curl(base + '/dang-nhap')
            check(r.status == 200 and csrf_of(r), 'GET /dang-nhap: 200 with a CSRF token')
        # the login form itself needs its token
        page = curl(srv.url + '/dang-nhap')
        guest = page.cookie()
        r = curl(srv.url + '/dang-nhap', '--data-urlencode', 'ten=lan', '--data-urlencode',
                 'mat_khau=' + PASSWORD, cookie=guest[0] if guest else None)
        check(r.status == 403, 'login without the form\'s CSRF token: 403 (got %d)' % r.status)
        page = curl(srv.url + '/dang-nhap')
        guest = page.cookie()[0]
        r = curl(srv.url + '/dang-nhap', '--data-urlencode', 'ten=lan', '--data-urlencode',
                 'mat_khau=' + PASSWORD, '--data-urlencode', 'csrf=' + csrf_of(page), cookie=guest)
        sid = r.cookie()[0] if r.cookie() else None
        check(sid and sid != guest and curl(srv.url + '/', cookie=guest).status == 303,
              'a login gives a new session id; the login page\'s id stays worthless (session fixation)')
        c = r.cookie()
        loc = r.header('Location')
        check(r.status == 303 and loc and (loc[0] == '/' or loc[0].endswith(':%d/' % srv.port)),
              'login: 303 to / (got %d %r)' % (r.status, loc))
        attrs = [a.lower() for a in (c[1] if c else [])]
        check(c is not None and TOKEN.fullmatch(c[0]) and 'httponly' in attrs and 'samesite=strict' in attrs
              and 'path=/' in attrs and 'secure' not in attrs,
              'the session cookie: vt_sid, HttpOnly, SameSite=Strict, Path=/, not Secure without TLS (%r)'
              % (c,))
        page = curl(srv.url + '/', cookie=sid)
        check(page.status == 200, 'GET / with the session: 200 (got %d)' % page.status)
        csrf_checks(srv, sid, csrf_of(curl(srv.url + '/soan', cookie=sid)))
        roles(srv)
        rate_limit(srv)
        audited(vanthu, srv, sid, env)
        r = curl(srv.url + '/dang-xuat', '--data', 'csrf=' + (csrf_of(page) or ''), cookie=sid)
        check(r.status in (200, 303) and curl(srv.url + '/', cookie=sid).status in (303, 401),
              'after /dang-xuat the session is refused')
        audit = sqlite3.connect(srv.register).execute(
            "SELECT count(*) FROM audit WHERE user = 'lan' AND action = 'login'").fetchone()[0]
        check(audit >= 1, 'the login is in the audit trail')
    finally:
        srv.stop()


def all_addresses(vanthu, tmp, env):
    """Listening on 0.0.0.0 is listening off loopback: a client on
    127.0.0.1 needs a login too."""
    root = os.path.join(tmp, 'any')
    os.mkdir(root)
    srv = Server(vanthu, root, env, listen='0.0.0.0')
    try:
        ip = own_address()
        for base in ['http://127.0.0.1:%d' % srv.port] + (['http://%s:%d' % (ip, srv.port)] if ip else []):
            for path in ['/', '/so-van-ban-di', '/so-van-ban-di/xuat.csv']:
                r = curl(base + path)
                check(r.status == 303 and r.header('Location') == ['/dang-nhap'],
                      'on 0.0.0.0, GET %s%s without login: 303 to /dang-nhap (got %d)'
                      % (base, path, r.status))
    finally:
        srv.stop()


def tls(vanthu, tmp, env):
    """--tls-cert/--tls-key: HTTPS, the session cookie Secure, plain HTTP
    on that port answered by nothing."""
    root = os.path.join(tmp, 'tls')
    os.mkdir(root)
    cert, key = os.path.join(root, 'cert.pem'), os.path.join(root, 'key.pem')
    r = subprocess.run(['openssl', 'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key,
                        '-out', cert, '-days', '2', '-subj', '/CN=localhost',
                        '-addext', 'subjectAltName=DNS:localhost'], capture_output=True)
    if r.returncode != 0:
        check(False, 'openssl made a test certificate: ' + r.stderr.decode()[-200:])
        return
    srv = Server(vanthu, root, env, args=['--tls-cert', cert, '--tls-key', key])
    try:
        https = srv.url.replace('http://', 'https://')
        r = curl(https.replace('127.0.0.1', 'localhost') + '/', '--cacert', cert, '--resolve',
                 'localhost:%d:127.0.0.1' % srv.port)
        c = r.cookie()
        check(r.status == 200 and c and 'Secure' in c[1],
              'HTTPS with --tls-cert/--tls-key: 200, the cookie Secure (%d %r)' % (r.status, c))
        check(curl(srv.url + '/', timeout=5).status in (0, 400),
              'plain HTTP to the TLS port gets no page')
    finally:
        srv.stop()


def audited(vanthu, srv, sid, env):
    """A note, a void and an export by a văn thư land in the audit trail
    with the account and the time, and nothing else does."""
    plan = os.path.join(os.path.dirname(os.path.dirname(HERE)), 'plans',
                        'kim-thanh-2017-ke-hoach-sinh-hoat-to-truong.xml')
    r = subprocess.run([vanthu, 'issue', plan, '--register', srv.register, '-o',
                        os.path.join(srv.root, 'issued')], capture_output=True, text=True,
                       env=dict(env, VANTHU_TEMPLATES=os.path.join(os.path.dirname(vanthu), 'templates')))
    if not check(r.returncode == 0, 'an entry issued from the command line (%s)' % r.stderr.strip()):
        return
    token = csrf_of(curl(srv.url + '/so-van-ban-di/1', cookie=sid))
    steps = [curl(srv.url + '/so-van-ban-di/1/ghi-chu', '--data-urlencode', 'ghi_chu=Đã gửi bưu điện',
                  '--data', 'csrf=' + token, cookie=sid),
             curl(srv.url + '/so-van-ban-di/1/huy', '--data-urlencode', 'ly_do=Cấp nhầm',
                  '--data', 'csrf=' + token, cookie=sid),
             curl(srv.url + '/so-van-ban-di/xuat.csv', cookie=sid)]
    check([x.status for x in steps][:2] in ([303, 303], [200, 200]) and steps[2].status == 200,
          'a văn thư notes, voids and exports (%r)' % [x.status for x in steps])
    con = sqlite3.connect(srv.register)
    rows = con.execute("SELECT at, user, action, detail FROM audit WHERE action IN "
                       "('note', 'void', 'export') ORDER BY id").fetchall()
    con.close()
    check([(u, a) for _, u, a, _ in rows] == [('lan', 'note'), ('lan', 'void'), ('lan', 'export')]
          and all(re.match(r'\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$', at) for at, _, _, _ in rows)
          and 'Cấp nhầm' in rows[1][3] and '1012/KH' in rows[1][3],
          'note, void and export in the audit trail with user and time (%r)' % rows)


def csrf_checks(srv, sid, token):
    check(token is not None, 'a logged-in page carries a CSRF token')
    other = session_token_of_other(srv)
    for label, extra in [('no token', []), ('a forged token', ['--data', 'csrf=' + 'A' * 43]),
                         ('another session\'s token', ['--data', 'csrf=' + (other or 'B' * 43)]),
                         ('the session id as token', ['--data', 'csrf=' + sid]),
                         ('a forged header', ['-H', 'X-CSRF-Token: ' + 'C' * 43])]:
        r = curl(srv.url + '/so-van-ban-di/1/ghi-chu', '--data', 'ghi_chu=x', *extra, cookie=sid)
        check(r.status == 403, 'POST ghi-chu with %s: 403 (got %d)' % (label, r.status))
        check(VIETNAMESE.search(r.text()), 'the 403 says why, in Vietnamese (%r)' % r.text()[:80])
    r = curl(srv.url + '/so-van-ban-di/1/ghi-chu', '--data', 'ghi_chu=x&csrf=' + token, cookie=sid)
    check(r.status != 403, 'POST ghi-chu with the right token: not refused for CSRF (got %d)' % r.status)


def session_token_of_other(srv):
    _, sid = login(srv, 'minh', PASSWORD)
    return csrf_of(curl(srv.url + '/soan', cookie=sid)) if sid else None


def roles(srv):
    _, sid = login(srv, 'minh', PASSWORD)
    token = csrf_of(curl(srv.url + '/soan', cookie=sid))
    for path in ['/ban-nhap/abc/cap-so', '/so-van-ban-di/1/huy', '/so-van-ban-di/1/ghi-chu']:
        r = curl(srv.url + path, '--data', 'ly_do=x&csrf=' + (token or ''), cookie=sid)
        check(r.status == 403, 'a chuyên viên POSTs %s: 403 (got %d)' % (path, r.status))
    r = curl(srv.url + '/so-van-ban-di/xuat.csv', cookie=sid)
    check(r.status == 403, 'a chuyên viên exports the register: 403 (got %d)' % r.status)


def rate_limit(srv):
    for i in range(5):
        r, _ = login(srv, 'lan', 'sai mật khẩu %d' % i)
        check(r.status != 303 and 'thử lại sau' not in r.text(),
              'wrong password %d: refused (got %d)' % (i + 1, r.status))
    r, sid = login(srv, 'lan', PASSWORD)
    m = re.search(r'thử lại sau (\d+) giây', r.text())
    check(r.status != 303 and m and 0 < int(m.group(1)) <= 30,
          'the right password after 5 failures: refused, "thử lại sau N giây" (got %d)' % r.status)
    check(curl(srv.url + '/', cookie=sid).status in (303, 401) if sid else True,
          'and no session came of it')


def main():
    a = parse_args()
    if no_serve(a.vanthu):
        return SKIP
    for tool in ('curl', 'openssl'):
        if not shutil.which(tool):
            print('%s is missing: ./scripts/setup installs it' % tool)
            return 1
    env = dict(os.environ)
    env.pop('VANTHU_REGISTER', None)
    with tempfile.TemporaryDirectory(prefix='vt-web-http-') as tmp:
        root = os.path.join(tmp, 'local')
        os.mkdir(root)
        srv = Server(a.vanthu, root, env)
        try:
            unknown_routes(srv)
            rebinding(srv)
            traversal(srv, root)
            oversized(srv)
            malformed_multipart(srv, root)
            slow_client(srv)
        finally:
            srv.stop()
        needs_login(a.vanthu, tmp, env)
        all_addresses(a.vanthu, tmp, env)
        tls(a.vanthu, tmp, env)
    print('%d passed, %d failed' % (RESULTS['passed'], RESULTS['failed']))
    return 1 if RESULTS['failed'] else 0


if __name__ == '__main__':
    sys.exit(main())
