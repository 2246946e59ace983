#!/usr/bin/env python3
"""integration_web_serve: `vanthu serve` over real HTTP, no browser.

Twenty issue requests at once get twenty consecutive numbers (the server
adds no lock of its own and breaks nothing of the register's
transaction); an uploaded TXT becomes a draft the CLI validates; a
draft's id never reaches a path unchecked; drafts the CLI writes appear
on the desk; SIGTERM stops the server with exit 0 (under VT_WRAP, i.e.
valgrind in CI, with no leak or error).  Each check prints ok/FAIL; the
exit code is non-zero on any failure.
"""
import http.cookiejar
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import urllib.error
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_render import WRAP, RESULTS, check, parse_args, run  # noqa: E402

PLAN = 'plans/muong-cha-2023-ke-hoach-sinh-hoat-cum-truong.xml'


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *a, **k):
        return None


class Client:
    """One browser: its cookies and the CSRF token of its session."""

    def __init__(self, base):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.op = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), NoRedirect)
        self.csrf = None

    def req(self, path, data=None, headers=None, ctype=None):
        h = dict(headers or {})
        if ctype:
            h['Content-Type'] = ctype
        r = urllib.request.Request(self.base + path, data=data, headers=h)
        try:
            with self.op.open(r, timeout=300) as resp:
                return resp.status, dict(resp.headers), resp.read()
        except urllib.error.HTTPError as e:
            return e.code, dict(e.headers), e.read()

    def get(self, path):
        s, h, b = self.req(path)
        m = re.search(rb'<meta name="csrf" content="([^"]+)"', b)
        if m:
            self.csrf = m.group(1).decode()
        return s, h, b

    def post(self, path, fields):
        body = urllib.parse.urlencode(dict(fields, csrf=self.csrf)).encode()
        return self.req(path, body, ctype='application/x-www-form-urlencoded')

    def upload(self, path, fields, name, filename, data):
        boundary = 'vtboundary7MA4YWxkTrZu0gW'
        parts = []
        for k, v in dict(fields, csrf=self.csrf).items():
            parts.append(('--%s\r\nContent-Disposition: form-data; name="%s"\r\n\r\n%s\r\n'
                          % (boundary, k, v)).encode())
        parts.append(('--%s\r\nContent-Disposition: form-data; name="%s"; filename="%s"\r\n'
                      'Content-Type: application/octet-stream\r\n\r\n'
                      % (boundary, name, filename)).encode() + data + b'\r\n')
        parts.append(('--%s--\r\n' % boundary).encode())
        return self.req(path, b''.join(parts), ctype='multipart/form-data; boundary=' + boundary)


def start(vanthu, tmp):
    reg = os.path.join(tmp, 'register.sqlite')
    data = os.path.join(tmp, 'data')
    p = subprocess.Popen(WRAP + [vanthu, 'serve', '--listen', '127.0.0.1:0', '--register', reg,
                                 '--data', data],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = p.stdout.readline()
    m = re.search(r'(http://127\.0\.0\.1:\d+)/', line)
    if not m:
        p.kill()
        out, err = p.communicate()
        raise SystemExit('vanthu serve did not start: %s %s %s' % (line, out, err))
    return p, m.group(1), reg, data


def stop(p):
    p.send_signal(signal.SIGTERM)
    try:
        out, err = p.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        p.kill()
        out, err = p.communicate()
        return None, err
    return p.returncode, err


def test_parallel_issue(vanthu, src, base, reg, data):
    plan = os.path.join(src, PLAN)
    ids = ['kh-%02d' % i for i in range(1, 21)]
    for i in ids:
        shutil.copyfile(plan, os.path.join(data, i + '.xml'))
    c = Client(base)
    s, _, body = c.get('/')
    check(s == 200 and c.csrf and all(('/ban-nhap/%s"' % i).encode() in body for i in ids),
          'drafts copied into --data by hand are listed on the desk')
    got = {}

    def issue(i):
        got[i] = c.post('/ban-nhap/%s/cap-so' % i, {'ngay_cap': '2023-10-20'})

    threads = [threading.Thread(target=issue, args=(i,)) for i in ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    numbers = []
    for i in ids:
        s, _, b = got[i]
        m = re.search(rb'id="so-ky-hieu">(\d+)/KH-PGD', b)
        if s == 200 and m:
            numbers.append(int(m.group(1)))
    check(sorted(numbers) == list(range(1, 21)),
          '20 parallel issue requests get the numbers 1 to 20, each once (%s)' % sorted(numbers))
    r = run([vanthu, 'register', 'list', '--register', reg])
    check(r.returncode == 0 and len(re.findall(r'/KH-PGDĐT\t2023-10-20', r.stdout)) == 20,
          'the register holds the 20 entries')
    s, _, b = c.get('/so-van-ban-di')
    order = [int(n) for n in re.findall(rb'>(\d+)/KH-PGD', b)]
    check(order == list(range(20, 0, -1)), 'Sổ văn bản đi lists the newest first (%s)' % order[:5])
    s, _, b = c.post('/ban-nhap/kh-01/cap-so', {})
    check(s == 404, 'an issued draft leaves the list: a second click gives no second number (%d)' % s)
    s, h, b = c.req('/van-ban/20/tai.docx')
    check(s == 200 and b[:2] == b'PK' and 'attachment' in h.get('Content-Disposition', ''),
          'an issued DOCX downloads as an attachment')
    s, _, _ = c.req('/van-ban/20/tai.pdf')
    check(s == 404, 'without "Lưu kèm bản PDF" there is no PDF to download (404)')


def test_upload(vanthu, src, base, data):
    c = Client(base)
    c.get('/soan')
    text = '\n'.join([
        'UBND HUYỆN KIM THÀNH', 'PHÒNG GIÁO DỤC VÀ ĐÀO TẠO', 'Số:    /KH-PGDĐT',
        'Kim Thành, ngày 05 tháng 03 năm 2024', 'KẾ HOẠCH', 'Tổ chức hội thi giáo viên dạy giỏi',
        'I. Mục đích', '- Nâng cao chất lượng dạy học.', 'Nơi nhận:', '- Các trường;', '- Lưu: VT.',
        'TRƯỞNG PHÒNG', 'Nguyễn Văn An', '']).encode()
    s, h, _ = c.upload('/soan/tai-len', {}, 'tep', 'ke-hoach.txt', text)
    loc = h.get('Location', '')
    m = re.fullmatch(r'/ban-nhap/(tai-len-[0-9a-f]{12})', loc)
    check(s == 303 and m, 'an uploaded TXT becomes a draft (%d %s)' % (s, loc))
    if m:
        r = run([vanthu, 'validate', os.path.join(data, m.group(1) + '.xml')])
        check(r.returncode == 0, 'the CLI validates the uploaded draft')
        s, _, b = c.get(loc)
        check(s == 200 and 'Tổ chức hội thi giáo viên dạy giỏi'.encode() in b, 'its page shows its trích yếu')
    docx = os.path.join(data, '..', 'rendered.docx')
    r = run([vanthu, 'render', os.path.join(src, PLAN), '-o', docx])
    if check(r.returncode == 0, 'a DOCX to upload, rendered by the CLI'):
        s, h, _ = c.upload('/soan/tai-len', {}, 'tep', 'Kế hoạch.DOCX', open(docx, 'rb').read())
        md = re.fullmatch(r'/ban-nhap/(tai-len-[0-9a-f]{12})', h.get('Location', ''))
        check(s == 303 and md, 'an uploaded DOCX becomes a draft (%d)' % s)
        if md:
            r = run([vanthu, 'validate', os.path.join(data, md.group(1) + '.xml')])
            check(r.returncode == 0, 'the CLI validates the draft imported from the DOCX')
    s, _, b = c.upload('/soan/tai-len', {}, 'tep', 'hong.docx', b'PK\x03\x04 not a zip at all')
    check(s in (400, 422) and 'Không đọc được tệp'.encode() in b, 'a broken DOCX is refused with the reader\'s message (%d)' % s)
    s, h, _ = c.post('/soan/luu', {'loai': 'ke-hoach', 'co_quan': 'Phòng Giáo dục và Đào tạo',
                                   'viet_tat': 'PGDĐT', 'dia_danh': 'Kim Thành', 'trich_yeu': 'Hội thi',
                                   'noi_dung': 'I. Mục đích\n- Một ý.', 'ten': 'thieu-nguoi-ky'})
    check(s == 303, 'a draft with no signer is saved (the importer marks what is missing)')
    s, _, b = c.get('/ban-nhap/thieu-nguoi-ky')
    check(b'id="con-thieu"' in b and 'còn thiếu: [THIẾU: họ tên người ký]'.encode() in b,
          'its page lists the [THIẾU: …] fields and offers no issue')
    s, _, b = c.post('/ban-nhap/thieu-nguoi-ky/cap-so', {})
    check(s == 422 and 'THIẾU: họ tên người ký'.encode() in b, 'issuing it is refused while a field is missing')
    s, _, _ = c.upload('/soan/tai-len', {}, 'tep', 'ke-hoach.pdf', b'%PDF-1.4')
    check(s == 415, 'an upload that is neither DOCX nor TXT is refused (415)')
    if m:
        png = open(os.path.join(src, 'tests/integration/img/dau.png'), 'rb').read()
        s, h, _ = c.upload(loc + '/anh', {}, 'dau', 'dau.png', png)
        xml = open(os.path.join(data, m.group(1) + '.xml'), encoding='utf-8').read()
        check(s == 303 and '<seal src="%s-dau.png"/>' % m.group(1) in xml
              and os.path.exists(os.path.join(data, m.group(1) + '-dau.png')),
              'a seal image uploaded on the draft page is saved beside it and named in <signature>')
        r = run([vanthu, 'render', os.path.join(data, m.group(1) + '.xml'), '-o', os.path.join(data, '..', 's.docx')])
        names = run(['unzip', '-Z1', os.path.join(data, '..', 's.docx')]).stdout
        check(r.returncode == 0 and 'word/media/vt-seal.png' in names, 'the CLI renders the draft with its seal')
        s, h, b = c.upload(loc + '/anh', {}, 'chu_ky', 'ky.png', b'\x89PNG\r\n\x1a\nnot really')
        after = open(os.path.join(data, m.group(1) + '.xml'), encoding='utf-8').read()
        check(s == 422 and after == xml, 'a broken PNG is refused by the plan reader and the draft is unchanged (%d)' % s)
        s, _, _ = c.upload(loc + '/anh', {}, 'chu_ky', 'ky.jpg', png)
        check(s == 400, 'an image that is not named .png is refused (%d)' % s)
    for bad in ('/ban-nhap/..%2Fregister', '/ban-nhap/KH-01', '/ban-nhap/a.b', '/ban-nhap/' + 'a' * 65,
                '/van-ban/01/tai.docx', '/van-ban/1/tai.exe', '/giay-moi/khong-co/tai.zip'):
        s, _, _ = c.get(bad)
        check(s == 404, 'a bad id is a plain 404: %s' % bad)


def test_register_and_batch(vanthu, src, base, reg, data, tmp):
    c = Client(base)
    c.get('/so-van-ban-di')
    s, h, _ = c.post('/so-van-ban-di/3/huy', {'ly_do': 'Cấp nhầm'})
    check(s == 303 and h.get('Location') == '/so-van-ban-di/3', 'void through the form')
    s, h, _ = c.post('/so-van-ban-di/3/ghi-chu', {'ngay_chuyen': '2023-10-21', 'ky_nhan': 'Chị Lan',
                                                  'ghi_chu': 'Gửi qua mạng'})
    check(s == 303, 'ngày chuyển, ký nhận and ghi chú through the form')
    s, _, b = c.get('/so-van-ban-di?trang_thai=da-huy')
    check(s == 200 and b.count(b'<tr class="huy">') == 1, 'the filter "Đã hủy" shows the one voided number')
    s, _, b = c.get('/so-van-ban-di/3')
    check('Cấp nhầm'.encode() in b and 'Chị Lan'.encode() in b and b'<td>21/10/2023</td>' in b,
          'the entry shows its void and its notes')
    r = run([vanthu, 'register', 'show', '3/2023', '--register', reg])
    check(r.returncode == 0 and 'Gửi qua mạng' in r.stdout and 'Cấp nhầm' in r.stdout,
          'the CLI reads what the desk wrote')
    for fmt, magic in (('csv', '\ufeff"Số, ký hiệu'.encode()), ('xlsx', b'PK'), ('docx', b'PK')):
        s, h, b = c.req('/so-van-ban-di/xuat.%s?nam=2023' % fmt)
        check(s == 200 and b.startswith(magic) and 'so-van-ban-di-2023.%s' % fmt in h.get('Content-Disposition', ''),
              'the book exported as %s' % fmt)
    s, _, b = c.post('/so-van-ban-di/kiem-tra', {})
    check(s == 200 and '20 tệp lưu trữ khớp'.encode() in b, 'the archive check through the desk')
    con = __import__('sqlite3').connect(reg)
    actions = [a for (a,) in con.execute('SELECT action FROM audit')]
    con.close()
    check(actions.count('issue') == 20 and 'void' in actions and 'note' in actions and actions.count('export') == 3,
          'every issue, void, note and export is in the audit table')
    shutil.copyfile(os.path.join(src, 'plans/kim-thanh-2018-giay-moi-sinh-hoat-cum-truong.xml'),
                    os.path.join(data, 'moi.xml'))
    csv = ('STT;Cụm;Tên trường;Ngày;Buổi;Giờ;Địa điểm\r\n'
           '1;Cụm 1;TH A;14/03/2018;Sáng;7h30;TH A\r\n2;;TH B;;;;\r\n'
           '3;Cụm 2;TH C;15/03/2018;Chiều;13h30;TH C\r\n').encode()
    c.get('/giay-moi')
    s, h, b = c.upload('/giay-moi', {'ban_nhap': 'moi', 'theo': 'truong'}, 'danh_sach', 'truong.csv', csv)
    loc = h.get('Location', '')
    check(s == 303 and re.fullmatch(r'/giay-moi/dot-[0-9a-f]{12}', loc), 'a batch starts from a draft and a CSV')
    state = b''
    for _ in range(600):
        s, _, state = c.req(loc + '/tien-do')
        if b'"dang-chay"' not in state:
            break
        __import__('time').sleep(0.1)
    check(b'"trang_thai":"xong","xong":3,"tong":3' in state, 'its progress ends at 3 of 3 letters (%s)' % state[:200])
    s, _, z = c.req(loc + '/tai.zip')
    zp = os.path.join(tmp, 'b.zip')
    open(zp, 'wb').write(z)
    r = run(['unzip', '-tq', zp])
    names = run(['unzip', '-Z1', zp]).stdout.split()
    check(s == 200 and r.returncode == 0 and len([n for n in names if n.endswith('.docx')]) == 3
          and 'manifest.csv' in names, 'one letter per school in the zip, with the manifest')
    # numbered: one number per cluster from the register, letters archived
    # (the same office as the kế hoạch issued above: the register refuses
    # another office's plan)
    text = open(os.path.join(data, 'moi.xml'), encoding='utf-8').read()
    text = text.replace('UBND huyện Kim Thành', 'UBND huyện Mường Chà').replace(
        '<place>Kim Thành', '<place>Mường Chà').replace('<number>86</number>', '<number/>')
    open(os.path.join(data, 'moi-so.xml'), 'w', encoding='utf-8').write(text)
    s, h, b = c.upload('/giay-moi', {'ban_nhap': 'moi-so', 'cap_so': '1'}, 'danh_sach', 'truong.csv', csv)
    loc = h.get('Location', '')
    for _ in range(600):
        s, _, state = c.req(loc + '/tien-do')
        if b'"dang-chay"' not in state:
            break
        __import__('time').sleep(0.1)
    s, _, page = c.get(loc)
    check(b'"xong"' in state and re.search('>0?1/GM-PGDĐT<'.encode(), page)
          and re.search('>0?2/GM-PGDĐT<'.encode(), page),
          'a numbered batch takes one number per cluster, shown in its manifest (%s)' % state[:160])
    r = run([vanthu, 'register', 'list', '--register', reg, '--type', 'gm'])
    check(r.returncode == 0 and len(r.stdout.strip().splitlines()) == 2, 'the register holds the two giấy mời')
    s, _, b = c.upload('/giay-moi', {'ban_nhap': 'moi'}, 'danh_sach', 'truong.csv', b'Cum;Truong\r\n')
    check(s == 422, 'a list without the columns a batch needs is refused at once (422, %d)' % s)


def test_usage_and_tls(vanthu, tmp):
    reg = os.path.join(tmp, 'r-usage.sqlite')
    for argv, what in ((['--listen', 'localhost:80'], 'a host name for --listen'),
                       (['--listen', '127.0.0.1'], '--listen without a port'),
                       (['--listen', '127.0.0.1:70000'], 'a port past 65535'),
                       (['--tls-cert', 'c.pem'], '--tls-cert without --tls-key'),
                       (['--max-upload', '10'], 'an upload limit below 1024'),
                       (['--bogus', 'x'], 'an unknown flag')):
        r = run([vanthu, 'serve', '--register', reg, '--data', os.path.join(tmp, 'd-usage')] + argv,
                timeout=60)
        check(r.returncode == 2 and r.stderr.strip(), 'bad usage, exit 2: %s (%s)'
              % (what, r.stderr.strip().splitlines()[0][:120] if r.stderr.strip() else ''))
    afile = os.path.join(tmp, 'a-file')
    open(afile, 'w').write('x')
    r = run([vanthu, 'serve', '--listen', '127.0.0.1:0', '--register', reg, '--data', afile], timeout=60)
    check(r.returncode == 2 and 'not a folder' in r.stderr, '--data naming a file is refused (exit 2)')
    if not shutil.which('openssl'):
        print('skip  TLS: no openssl to make a test certificate')
        return
    key, cert = os.path.join(tmp, 'k.pem'), os.path.join(tmp, 'c.pem')
    subprocess.run(['openssl', 'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert,
                    '-days', '2', '-subj', '/CN=localhost'], capture_output=True, check=True)
    p = subprocess.Popen(WRAP + [vanthu, 'serve', '--listen', '127.0.0.1:0', '--register', reg, '--data',
                                 os.path.join(tmp, 'd-tls'), '--tls-cert', cert, '--tls-key', key,
                                 '--require-login'],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = p.stdout.readline()
    m = re.search(r'(https://127\.0\.0\.1:\d+)/ \(cần đăng nhập', line)
    check(m, 'with --tls-cert/--tls-key and --require-login the URL is https and says a login is needed')
    if m:
        import ssl
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        op = urllib.request.build_opener(urllib.request.HTTPSHandler(context=ctx), NoRedirect)
        try:
            op.open(m.group(1) + '/', timeout=60)
            status, headers = 200, {}
        except urllib.error.HTTPError as e:
            status, headers = e.code, e.headers
        check(status == 303 and headers.get('Location') == '/dang-nhap',
              'over TLS on loopback with --require-login the desk sends to the login page')
        with op.open(m.group(1) + '/dang-nhap', timeout=60) as resp:
            cookie = resp.headers.get('Set-Cookie', '')
        check('Secure' in cookie and 'HttpOnly' in cookie and 'SameSite=Strict' in cookie,
              'the session cookie is Secure, HttpOnly, SameSite=Strict under TLS')
    code, err = stop(p)
    check(code == 0, 'the TLS server stops with exit 0 (%s)' % (err or '').strip()[-300:])


def test_sign(vanthu, src, tmp):
    """serve --sign: the văn thư ticks "Ký số bản PDF" and the archived PDF
    carries a signature pdfsig verifies."""
    if not all(shutil.which(t) for t in ('certutil', 'pdfsig', 'soffice')):
        print('skip  signing on the desk: certutil, pdfsig or soffice missing')
        return
    from test_sign import make_nss_db, pdfsig, SIGNER
    db, pw = make_nss_db(tmp, 'nss')
    r = run([vanthu, 'serve', '--sign', '--nss-dir', db, '--nick', 'signer'], timeout=60)
    check(r.returncode == 2 and '--password-file' in r.stderr, 'serve --sign without --password-file is bad usage')
    os.makedirs(os.path.join(tmp, 'sign'))
    reg = os.path.join(tmp, 'sign', 'register.sqlite')  # its own archive folder
    data = os.path.join(tmp, 'sign', 'data')
    p = subprocess.Popen(WRAP + [vanthu, 'serve', '--listen', '127.0.0.1:0', '--register', reg, '--data', data,
                                 '--sign', '--nss-dir', db, '--nick', 'signer', '--password-file', pw],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    m = re.search(r'(http://127\.0\.0\.1:\d+)/', p.stdout.readline())
    try:
        if not check(m, 'the desk starts with a signing key'):
            return
        shutil.copyfile(os.path.join(src, PLAN), os.path.join(data, 'ky.xml'))
        c = Client(m.group(1))
        s, _, b = c.get('/ban-nhap/ky')
        check(s == 200 and b'name="ky_so"' in b, 'the issue form offers "Ký số bản PDF"')
        s, _, b = c.post('/ban-nhap/ky/cap-so', {'ky_so': '1', 'ngay_cap': '2023-10-20'})
        check(s == 200 and b'id="da-ky-so"' in b, 'issued with a signed PDF (%d %s)' % (s, b[-300:]))
        s, _, pdf = c.req('/van-ban/1/tai.pdf')
        path = os.path.join(tmp, 'signed.pdf')
        open(path, 'wb').write(pdf)
        r = pdfsig(db, path)
        check(s == 200 and 'Signature is Valid' in r.stdout and SIGNER in r.stdout,
              'pdfsig verifies the downloaded PDF\'s signature by %s' % SIGNER)
    finally:
        code, err = stop(p)
    check(code == 0, 'the signing desk stops with exit 0 (%s)' % (err or '').strip()[-300:])


def main():
    a = parse_args()
    tmp = tempfile.mkdtemp(prefix='vt-web-serve-')
    try:
        p, base, reg, data = start(a.vanthu, tmp)
        try:
            test_parallel_issue(a.vanthu, a.source, base, reg, data)
            test_upload(a.vanthu, a.source, base, data)
            test_register_and_batch(a.vanthu, a.source, base, reg, data, tmp)
        finally:
            code, err = stop(p)
        check(code == 0, 'SIGTERM stops the server with exit 0%s (%s)'
              % (' under ' + ' '.join(WRAP[:1]) if WRAP else '', (err or '').strip()[-300:]))
        batches = os.path.join(data, '.giay-moi')
        check(not os.path.exists(batches) or not os.listdir(batches),
              'a stopped server removes its batches\' folders')
        r = run([a.vanthu, 'register', 'verify', '--register', reg])
        check(r.returncode == 0 and '22 archived files match' in r.stdout,
              'the numbered batch\'s letters stay archived: register verify passes (%s)'
              % (r.stdout + r.stderr).strip()[-200:])
        test_usage_and_tls(a.vanthu, tmp)
        test_sign(a.vanthu, a.source, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print('%d passed, %d failed' % (RESULTS['passed'], RESULTS['failed']))
    return 1 if RESULTS['failed'] or not RESULTS['passed'] else 0


if __name__ == '__main__':
    sys.exit(main())
