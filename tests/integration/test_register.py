#!/usr/bin/env python3
"""Integration tests of the register (vanthu issue, invite --register,
vanthu register ...): a real SQLite file, real processes issuing at the
same time, real SIGKILLs in the middle of an issue, real LibreOffice
opening the archived documents and the printed book, real unzip -t.

Each check prints "ok"/"FAIL"; the exit code is non-zero on any failure.
"""
import csv
import io
import os
import random
import re
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import zipfile

from test_render import WRAP, Office, RESULTS, check, check_ooxml, parse_args, run, sha256_file

PLAN = 'plans/muong-cha-2023-ke-hoach-sinh-hoat-cum-truong.xml'
BATCH = 'plans/kim-thanh-2018-giay-moi-sinh-hoat-cum-truong.xml'
MARKER = '.vanthu-register'


def entries(db):
    """(number, ky_hieu, date, voided) of every entry, in number order."""
    con = sqlite3.connect(db)
    try:
        return con.execute('SELECT number, ky_hieu, date, coalesce(voided, "") '
                           'FROM entry ORDER BY year, series, number').fetchall()
    finally:
        con.close()


def files_of(db):
    con = sqlite3.connect(db)
    try:
        return dict(con.execute('SELECT path, sha256 FROM archive_file').fetchall())
    finally:
        con.close()


def document_xml(path):
    with zipfile.ZipFile(path) as z:
        return z.read('word/document.xml').decode('utf-8')


def snapshot(path):
    """The bytes of a register and its WAL, to show nothing changed."""
    out = {}
    for suffix in ('', '-wal'):
        p = path + suffix
        out[suffix] = open(p, 'rb').read() if os.path.exists(p) else None
    return out


def issue(vanthu, reg, *extra, plan=None, env=None):
    return run([vanthu, 'issue', plan, '--register', reg] + list(extra), env=env)


def test_issue(vanthu, src, tmp, env, office):
    plan = os.path.join(src, PLAN)
    d = os.path.join(tmp, 'issue')
    os.makedirs(d)
    reg = os.path.join(d, 'register.sqlite')
    got = []
    for day in ('2026-11-23', '2026-11-23', '2026-11-24'):
        r = issue(vanthu, reg, '--date', day, plan=plan, env=env)
        got.append(r)
    check(all(r.returncode == 0 for r in got), 'three issues succeed')
    check([r.stdout.split('\t')[0] for r in got] ==
          ['Số: 01/KH-PGDĐT', 'Số: 02/KH-PGDĐT', 'Số: 03/KH-PGDĐT'],
          'numbers 01, 02, 03 in one shared series (got %r)' % [r.stdout for r in got])
    first = os.path.join(d, 'archive', '2026', '2026-01-ke-hoach-pgddt.docx')
    check(os.path.isfile(first), 'archived as archive/2026/2026-01-ke-hoach-pgddt.docx beside the register')
    xml = document_xml(first)
    check('01/KH-PGDĐT' in xml and 'ngày 23 tháng 11 năm 2026' in xml,
          'the number and the date of issue are in the document')
    con = sqlite3.connect(reg)
    v, mode, app = (con.execute('PRAGMA user_version').fetchone()[0],
                    con.execute('PRAGMA journal_mode').fetchone()[0],
                    con.execute('PRAGMA application_id').fetchone()[0])
    row = con.execute('SELECT ky_hieu, date, type_subject, signer, recipients, archive_unit, '
                      'copies FROM entry WHERE number = 1').fetchone()
    con.close()
    check((v, mode, app) == (4, 'wal', 0x56545247), 'schema version 4, WAL, vanthu application_id')
    check(row[0] == '01/KH-PGDĐT' and row[1] == '2026-11-23' and row[2].startswith('Kế hoạch: ')
          and row[3] and row[5] and row[6] > 1, 'the entry has the ND30 columns: %r' % (row,))
    files = files_of(reg)
    check(files.get('archive/2026/2026-01-ke-hoach-pgddt.docx') == sha256_file(first),
          'the entry records the file (relative to the register) and its SHA-256')
    r = run(['unzip', '-tq', first])
    check(r.returncode == 0, 'unzip -t accepts the archived document')

    # a plan that carries a number already given is refused; nothing written
    with open(plan, encoding='utf-8') as f:
        text = f.read()
    numbered = os.path.join(d, 'numbered.xml')
    full_date = text.replace('<date>2023-10</date>', '<date>2026-11-25</date>')
    open(numbered, 'w', encoding='utf-8').write(full_date.replace('<number/>', '<number>2</number>'))
    before = sorted(os.listdir(os.path.join(d, 'archive', '2026')))
    r = issue(vanthu, reg, '--date', '2026-11-25', plan=numbered, env=env)
    check(r.returncode == 1 and 'số 02/KH-PGDĐT of 2026 is already in the register' in r.stderr
          and sorted(os.listdir(os.path.join(d, 'archive', '2026'))) == before,
          'a plan carrying a number already given is refused (exit 1): %s' % r.stderr.strip())
    open(numbered, 'w', encoding='utf-8').write(full_date.replace('<number/>', '<number>7</number>'))
    r = issue(vanthu, reg, '--date', '2026-11-25', plan=numbered, env=env)
    check(r.returncode == 0 and r.stdout.startswith('Số: 07/KH-PGDĐT'),
          'a plan carrying a free number keeps it')
    r = issue(vanthu, reg, '--date', '2026-11-25', plan=plan, env=env)
    check(r.stdout.startswith('Số: 08/KH-PGDĐT'), 'the series continues after the highest number')

    # backdating
    r = issue(vanthu, reg, '--date', '2026-11-20', plan=plan, env=env)
    check(r.returncode == 2 and 'earlier than the last document' in r.stderr,
          'a date before the last one is refused (exit 2)')
    r = issue(vanthu, reg, '--date', '2026-11-20', '--allow-backdate', plan=plan, env=env)
    check(r.returncode == 0 and r.stdout.startswith('Số: 09/KH-PGDĐT'), '--allow-backdate accepts it')
    # the year boundary
    r = issue(vanthu, reg, '--date', '2027-01-02', plan=plan, env=env)
    check(r.returncode == 0 and r.stdout.startswith('Số: 01/KH-PGDĐT')
          and os.path.isfile(os.path.join(d, 'archive', '2027', '2027-01-ke-hoach-pgddt.docx')),
          'on 2 January the numbers start again at 01, in archive/2027/')
    # -o puts the archive elsewhere
    other = os.path.join(d, 'elsewhere')
    r = issue(vanthu, reg, '--date', '2027-01-03', '-o', other, plan=plan, env=env)
    check(r.returncode == 0 and os.path.isfile(os.path.join(other, '2027-02-ke-hoach-pgddt.docx')),
          '-o DIR archives into DIR')
    # another office's plan (same abbreviation, other district)
    kt = os.path.join(src, 'plans', 'kim-thanh-2017-ke-hoach-sinh-hoat-to-truong.xml')
    r = issue(vanthu, reg, '--date', '2027-01-04', plan=kt, env=env)
    check(r.returncode == 2 and 'issue it from that office' in r.stderr,
          "another office's plan with the same abbreviation is refused")
    # a batch plan goes through invite
    r = issue(vanthu, reg, plan=os.path.join(src, BATCH), env=env)
    check(r.returncode == 1 and 'vanthu invite' in r.stderr, 'a batch plan is sent to invite')

    # the register path: $VANTHU_REGISTER, else out/register.sqlite
    envdir = os.path.join(d, 'env')
    os.makedirs(envdir)
    envd = dict(env, VANTHU_REGISTER=os.path.join(envdir, 'env.sqlite'))
    r = run([vanthu, 'issue', plan, '--date', '2026-01-05'], env=envd)
    check(r.returncode == 0 and os.path.isfile(os.path.join(envdir, 'env.sqlite')),
          '$VANTHU_REGISTER names the register')
    cwd = os.path.join(d, 'cwd')
    os.makedirs(cwd)
    envn = {k: v for k, v in env.items() if k != 'VANTHU_REGISTER'}
    r = run([vanthu, 'issue', plan, '--date', '2026-01-05'], env=envn, cwd=cwd)
    check(r.returncode == 0 and os.path.isfile(os.path.join(cwd, 'out', 'register.sqlite'))
          and os.path.isfile(os.path.join(cwd, 'out', 'archive', '2026', '2026-01-ke-hoach-pgddt.docx')),
          'by default the register is out/register.sqlite')

    # list, show, void
    r = run([vanthu, 'register', 'list', '--register', reg, '--year', '2026'])
    check(r.returncode == 0 and len(r.stdout.splitlines()) == 6, 'list --year shows the 6 entries of 2026')
    r = run([vanthu, 'register', 'list', '--register', reg, '--text', 'SINH HOAT CHUYEN MON THEO CUM',
             '--type', 'Kế hoạch', '--year', '2027'])
    check(r.returncode == 0 and len(r.stdout.splitlines()) == 2,
          'list --text finds the trích yếu without marks or case, --type takes the name')
    r = run([vanthu, 'register', 'show', '7/2026', '--register', reg])
    check(r.returncode == 0 and 'Số, ký hiệu: 07/KH-PGDĐT' in r.stdout
          and 'archive/2026/2026-07-ke-hoach-pgddt.docx' in r.stdout, 'show N/YEAR prints every column and the file')
    before = entries(reg)
    r = run([vanthu, 'register', 'void', '8/2026', '--register', reg])
    check(r.returncode == 2 and entries(reg) == before, 'void without --reason is refused, nothing changed')
    r = run([vanthu, 'register', 'void', '8/2026', '--reason', 'Ký nhầm', '--date', '2026-11-26',
             '--register', reg])
    check(r.returncode == 0, 'void 8/2026 --reason')
    r = run([vanthu, 'register', 'void', '8/2026', '--reason', 'again', '--register', reg])
    check(r.returncode == 2 and 'already void' in r.stderr, 'voiding twice is refused')
    r = issue(vanthu, reg, '--date', '2026-11-26', plan=plan, env=env)
    ent = [e for e in entries(reg) if e[2].startswith('2026')]
    check(r.stdout.startswith('Số: 10/KH-PGDĐT') and (8, '08/KH-PGDĐT', '2026-11-25', 'Ký nhầm') in ent,
          'a voided number stays in the register and is never given again')

    r = run([vanthu, 'register', 'note', '7/2026', '--sent', '2026-11-26', '--received-by', 'Chị Lan (văn thư)',
             '--note', 'Gửi qua bưu điện', '--register', reg])
    check(r.returncode == 0, 'note 7/2026 fills ngày chuyển, ký nhận, ghi chú')

    # export
    csv_path = os.path.join(d, 'so-2026.csv')
    r = run([vanthu, 'register', 'export', '--format', 'csv', '-o', csv_path, '--year', '2026',
             '--register', reg])
    raw = open(csv_path, 'rb').read()
    rows = list(csv.reader(io.StringIO(raw.decode('utf-8-sig'))))
    check(r.returncode == 0 and raw.startswith(b'\xef\xbb\xbf') and b'\r\n' in raw
          and rows[0][:10] == ['Số, ký hiệu văn bản', 'Ngày tháng văn bản',
                               'Tên loại và trích yếu nội dung văn bản', 'Người ký',
                               'Nơi nhận văn bản', 'Đơn vị, người nhận bản lưu', 'Số lượng bản',
                               'Ngày chuyển', 'Ký nhận', 'Ghi chú']
          and len(rows) == 1 + 7 and rows[1][1] == '23/11/2026'
          and any(row[0] == '08/KH-PGDĐT' and 'Đã hủy ngày 26/11/2026: Ký nhầm' in row[9] for row in rows)
          and any(row[0] == '07/KH-PGDĐT' and row[7:10] == ['26/11/2026', 'Chị Lan (văn thư)', 'Gửi qua bưu điện']
                  for row in rows),
          'export csv: BOM, CRLF, the 10 columns, one row per entry, the voiding in Ghi chú, the note')
    book = os.path.join(d, 'so-2026.docx')
    r = run([vanthu, 'register', 'export', '--format', 'docx', '-o', book, '--year', '2026',
             '--register', reg], env=env)
    check(r.returncode == 0 and run(['unzip', '-tq', book]).returncode == 0, 'export docx passes unzip -t')
    check_ooxml(src, [book, os.path.join(d, 'archive')], 'the register book and the archived documents')
    xml = document_xml(book)
    check('w:orient="landscape"' in xml and len(re.findall(r'<w:tr[ >]', xml)) == 1 + 1 + 7
          and '<w:tblHeader/>' in xml, 'the book: landscape table, heading repeated, (1)-(10), 7 rows')
    pdf_dir = os.path.join(d, 'pdf')
    office.convert([book, first], 'pdf', pdf_dir)
    pdf = os.path.join(pdf_dir, 'so-2026.pdf')
    txt = run(['pdftotext', '-layout', pdf, '-']).stdout if os.path.exists(pdf) else ''
    info = run(['pdfinfo', pdf]).stdout if os.path.exists(pdf) else ''
    flat = ' '.join(txt.split())
    check('SỔ ĐĂNG KÝ VĂN BẢN ĐI' in flat and 'Năm: 2026' in flat
          and 'Từ ngày 05/01/2026' not in flat and 'Từ số 01 đến số 10' in flat
          and 'Quyển số: 1' in flat and 'UBND HUYỆN MƯỜNG CHÀ' in flat,
          'LibreOffice prints the cover: agency, Năm, Từ ngày … đến ngày, Từ số … đến số, Quyển số')
    sizes = re.findall(r'Page\s+\d+\s+size:\s+([\d.]+) x ([\d.]+)', run(['pdfinfo', '-f', '1', '-l', '2', pdf]).stdout) \
        if os.path.exists(pdf) else []
    check(len(sizes) == 2 and float(sizes[0][0]) < float(sizes[0][1]) and float(sizes[1][0]) > float(sizes[1][1]),
          'the cover is portrait and the register pages landscape (%r)' % (sizes,))
    check(os.path.exists(os.path.join(pdf_dir, '2026-01-ke-hoach-pgddt.pdf')), 'LibreOffice opens the archived document')
    r = run([vanthu, 'register', 'agency', 'PGDĐT', '--book', '3', '--series', 'per-type', '--register', reg])
    check(r.returncode == 0 and 'per-type\tquyển 3' in r.stdout, 'register agency sets the book and series policy')
    r = run([vanthu, 'register', 'export', '--format', 'docx', '-o', book, '--year', '2026',
             '--register', reg], env=env)
    check('Quyển số: 3' in document_xml(book), 'the cover shows the book number')

    # verify
    r = run([vanthu, 'register', 'verify', '--register', reg])
    check(r.returncode == 0 and r.stdout.startswith('9 archived files match'),
          'verify: every archived file matches (%s)' % r.stdout.strip())
    with open(first, 'ab') as f:
        f.write(b'tampered')
    os.remove(os.path.join(d, 'archive', '2026', '2026-03-ke-hoach-pgddt.docx'))
    r = run([vanthu, 'register', 'verify', '--register', reg])
    check(r.returncode == 1 and '2026-01-ke-hoach-pgddt.docx: changed since it was archived' in r.stdout
          and '2026-03-ke-hoach-pgddt.docx: missing' in r.stdout and '2 of' in r.stderr,
          'verify reports each changed and missing file, exit 1')


def test_invite(vanthu, src, tmp, env):
    d = os.path.join(tmp, 'invite')
    os.makedirs(d)
    reg = os.path.join(d, 'register.sqlite')
    with open(os.path.join(src, BATCH), encoding='utf-8') as f:
        text = f.read()
    plan = os.path.join(d, 'batch.xml')
    open(plan, 'w', encoding='utf-8').write(re.sub(r'<number>\d+</number>', '<number/>', text))
    out = os.path.join(d, 'letters')
    r = run([vanthu, 'invite', plan, '-o', out, '--per', 'school', '--register', reg], env=env)
    ent = entries(reg)
    files = files_of(reg)
    check(r.returncode == 0 and [e[1] for e in ent] == ['01/GM-PGDĐT', '02/GM-PGDĐT', '03/GM-PGDĐT', '04/GM-PGDĐT'],
          'invite --register: one number per cluster (%s)' % r.stderr.strip()[-200:].replace('\n', ' | '))
    check(len(files) == 24 and all(sha256_file(os.path.join(d, p)) == s for p, s in files.items()),
          'every per-school letter is recorded with its SHA-256 under its cluster\'s number')
    con = sqlite3.connect(reg)
    per = con.execute('SELECT e.ky_hieu, count(*) FROM archive_file f JOIN entry e ON e.id = f.entry_id '
                      'GROUP BY e.id ORDER BY e.number').fetchall()
    con.close()
    check(per == [('01/GM-PGDĐT', 6), ('02/GM-PGDĐT', 6), ('03/GM-PGDĐT', 6), ('04/GM-PGDĐT', 6)],
          'per-school copies share their cluster\'s number')
    letter = os.path.join(out, sorted(x for x in os.listdir(out) if x.startswith('02-'))[0])
    check('02/GM-PGDĐT' in document_xml(letter), 'the letter carries the number')
    r = run([vanthu, 'invite', plan, '-o', os.path.join(d, 'again'), '--register', reg], env=env)
    check(r.returncode == 0 and len(entries(reg)) == 8, 'a second batch takes the next four numbers')
    # a plan carrying numbers already given is refused; nothing is written
    open(plan, 'w', encoding='utf-8').write(re.sub(r'<number>\d+</number>', '<number>3</number>', text))
    r = run([vanthu, 'invite', plan, '-o', os.path.join(d, 'dup'), '--register', reg], env=env)
    check(r.returncode == 1 and 'already in the register' in r.stderr and not os.path.exists(os.path.join(d, 'dup'))
          and len(entries(reg)) == 8, 'invite with numbers already given is refused, nothing written')
    r = run([vanthu, 'invite', plan, '-o', os.path.join(d, 'x'), '--date', '2018-03-01'], env=env)
    check(r.returncode == 2, '--date without --register is a usage error')


def test_bad_registers(vanthu, src, tmp, env):
    plan = os.path.join(src, PLAN)
    d = os.path.join(tmp, 'bad')
    os.makedirs(d)
    os.chmod(d, 0o755)
    # a file that is not a register is left untouched
    notes = os.path.join(d, 'notes.sqlite')
    open(notes, 'w').write('a clerk\'s notes, not a database\n')
    r = issue(vanthu, notes, '--date', '2026-11-23', plan=plan, env=env)
    check(r.returncode == 2 and 'not a vanthu register' in r.stderr
          and open(notes).read() == 'a clerk\'s notes, not a database\n'
          and not os.path.exists(os.path.join(d, 'archive')),
          'a text file as register: exit 2, untouched, nothing archived')
    other = os.path.join(d, 'other.sqlite')
    con = sqlite3.connect(other)
    con.execute('CREATE TABLE t(x)')
    con.commit()
    con.close()
    before = open(other, 'rb').read()
    r = run([vanthu, 'register', 'list', '--register', other])
    r2 = issue(vanthu, other, '--date', '2026-11-23', plan=plan, env=env)
    check(r.returncode == 2 and r2.returncode == 2 and 'other data' in r2.stderr
          and open(other, 'rb').read() == before, "another program's SQLite file: exit 2, untouched")
    r = run([vanthu, 'register', 'list', '--register', os.path.join(d, 'none.sqlite')])
    check(r.returncode == 2 and 'no register here yet' in r.stderr
          and not os.path.exists(os.path.join(d, 'none.sqlite')), 'reading a missing register creates nothing')

    # a read-only register
    reg = os.path.join(d, 'ro.sqlite')
    r = issue(vanthu, reg, '--date', '2026-11-23', plan=plan, env=env)
    con = sqlite3.connect(reg)
    con.execute('PRAGMA wal_checkpoint(TRUNCATE)')
    con.close()
    os.chmod(reg, 0o444)
    before = snapshot(reg)
    cmd = [vanthu, 'issue', plan, '--register', reg, '--date', '2026-11-24']
    if os.geteuid() == 0:  # root writes anything: run as nobody instead
        cmd = ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'] + cmd
    r = run(cmd, env=env)
    archived = sorted(os.listdir(os.path.join(d, 'archive', '2026')))
    check(r.returncode == 3 and 'read-only' in r.stderr and snapshot(reg) == before
          and archived == [MARKER, '2026-01-ke-hoach-pgddt.docx'],
          'a read-only register: exit 3, clear message, nothing changed (%s)' % r.stderr.strip())
    os.chmod(reg, 0o644)

    # a register locked by another process past the timeout
    lock = sqlite3.connect(reg, isolation_level=None)
    lock.execute('BEGIN EXCLUSIVE')
    t0 = time.time()
    r = issue(vanthu, reg, '--date', '2026-11-24', '--wait', '1', plan=plan, env=env)
    waited = time.time() - t0
    lock.execute('ROLLBACK')
    lock.close()
    check(r.returncode == 3 and 'locked by another process' in r.stderr and waited >= 0.9
          and sorted(os.listdir(os.path.join(d, 'archive', '2026'))) == [MARKER, '2026-01-ke-hoach-pgddt.docx']
          and len(entries(reg)) == 1,
          'a register locked past --wait: exit 3 after the wait, nothing changed')


def test_concurrency(vanthu, src, tmp, env, procs=4, each=250):
    """procs processes issue at the same time: the numbers are 1..n with
    no gap and no duplicate, and every file is the one recorded."""
    plan = os.path.join(src, PLAN)
    d = os.path.join(tmp, 'load')
    os.makedirs(d)
    reg = os.path.join(d, 'register.sqlite')
    script = ('for i in $(seq %d); do "$0" issue "$1" --register "$2" --date 2026-11-23 --wait 60 '
              '|| exit 1; done' % each)
    t0 = time.time()
    ps = [subprocess.Popen(['sh', '-c', script, vanthu, plan, reg], env=env,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
          for _ in range(procs)]
    outs = [p.communicate() for p in ps]
    secs = time.time() - t0
    got = [line.split('\t')[0] for o, _ in outs for line in o.splitlines()]
    n = procs * each
    errors = sorted({line for _, e in outs for line in e.splitlines()})
    check(all(p.returncode == 0 for p in ps) and len(got) == n,
          '%d processes x %d issues all succeed (%.1f s)%s' % (procs, each, secs,
                                                                ': ' + ' | '.join(errors)[:500] if errors else ''))
    nums = sorted(e[0] for e in entries(reg))
    check(nums == list(range(1, n + 1)) and len(set(got)) == n,
          '%d distinct consecutive numbers, each printed once' % n)
    r = run([vanthu, 'register', 'verify', '--register', reg])
    check(r.returncode == 0 and r.stdout.startswith('%d archived files match' % n),
          'every archived file matches its SHA-256')
    # the first moments of a register: 4 processes create it at once
    bad = []
    for k in range(15):
        fresh = os.path.join(d, 'fresh%d' % k, 'register.sqlite')
        os.makedirs(os.path.dirname(fresh))
        ps = [subprocess.Popen([vanthu, 'issue', plan, '--register', fresh, '--date', '2026-11-23'],
                               env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
              for _ in range(procs)]
        outs = [p.communicate() for p in ps]
        if any(p.returncode for p in ps) or sorted(e[0] for e in entries(fresh)) != list(range(1, procs + 1)):
            bad.append(' | '.join(e.strip() for _, e in outs if e.strip())[:200])
    check(not bad, '15 times, %d processes creating a new register at once all get numbers 1-%d %r'
          % (procs, procs, bad[:2]))


def test_kill(vanthu, src, tmp, env, rounds=60):
    """SIGKILL an issue at every point of its run: no duplicate, no gap,
    no half-written file, and the next issue continues the series."""
    plan = os.path.join(src, PLAN)
    d = os.path.join(tmp, 'kill')
    os.makedirs(d)
    reg = os.path.join(d, 'register.sqlite')
    arch = os.path.join(d, 'archive', '2026')
    cmd = [vanthu, 'issue', plan, '--register', reg, '--date', '2026-11-23']
    # timed without VT_WRAP, like the runs that are killed
    t0 = time.time()
    subprocess.run(cmd, env=env, capture_output=True)
    span = max(time.time() - t0, 0.005)
    rng = random.Random(20261123)
    killed = orphaned = 0
    ok = True
    for k in range(rounds):
        p = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0, span * 1.2))
        if p.poll() is None:
            p.send_signal(signal.SIGKILL)
            killed += 1
        p.wait()
        con = sqlite3.connect(reg)
        integrity = con.execute('PRAGMA integrity_check').fetchone()[0]
        con.close()
        nums = [e[0] for e in entries(reg)]
        recorded = {os.path.basename(p) for p in files_of(reg)}
        present = set(os.listdir(arch)) - {MARKER} if os.path.isdir(arch) else set()
        orphans = present - recorded
        # an orphan can only be the complete file of the next number
        expected_orphan = '2026-%02d-ke-hoach-pgddt.docx' % (len(nums) + 1)
        whole = all(zipfile.ZipFile(os.path.join(arch, f)).testzip() is None for f in present)
        good = (integrity == 'ok' and nums == list(range(1, len(nums) + 1))
                and recorded <= present and orphans <= {expected_orphan} and whole)
        if orphans and good:
            # verify names it; the next issue, which takes that number
            # again, refuses to replace it and changes nothing; the clerk
            # moves it away and the series goes on
            v = run([vanthu, 'register', 'verify', '--register', reg])
            again = run(cmd, env=env)
            good = (v.returncode == 1 and expected_orphan + ': in the archive folder, but no entry' in v.stdout
                    and again.returncode == 3 and expected_orphan in again.stderr
                    and 'no entry of the register owns it' in again.stderr
                    and [e[0] for e in entries(reg)] == nums)
            os.rename(os.path.join(arch, expected_orphan), os.path.join(d, 'moved-%d.docx' % k))
        if not good:
            print('  round %d: integrity %s, numbers %r, orphans %r' % (k, integrity, nums[-3:], orphans))
        ok = ok and good
        orphaned += bool(orphans)
    check(ok and killed > 0, '%d runs killed at random points (%d mid-run, %d between the file '
          'and the commit): register intact, no gap, no duplicate, every file whole; a file left '
          'unrecorded is reported by verify and never replaced by the next issue'
          % (rounds, killed, orphaned))
    before = len(entries(reg))
    r = run(cmd, env=env)
    check(r.returncode == 0 and r.stdout.startswith('Số: %02d/KH-PGDĐT' % (before + 1)),
          'the next issue continues the series at %02d' % (before + 1))
    present = set(os.listdir(arch)) - {MARKER}
    recorded = {os.path.basename(p) for p in files_of(reg)}
    check(present == recorded, 'afterwards every file in the archive is a recorded one')
    r = run([vanthu, 'register', 'verify', '--register', reg])
    check(r.returncode == 0, 'verify passes after the kills')


def read_only_mount(vanthu, env, src, mnt, args):
    """Run vanthu args with src bind-mounted read-only on mnt, in a mount
    namespace of its own (as root, else in an unprivileged user namespace):
    a disc, as far as vanthu can tell, whoever runs the tests (root writes
    through file permissions, so chmod would prove nothing).  'skip' when
    neither can be made here."""
    script = ('mount --bind "$1" "$2" && mount -o remount,ro,bind "$2" || exit 97; '
              'touch "$2/.probe" 2>/dev/null && exit 98; shift 2; exec "$@"')
    for ns in (['unshare', '-m'], ['unshare', '-rm']):
        try:
            r = subprocess.run(ns + ['sh', '-c', script, 'sh', src, mnt] + WRAP + [vanthu] + args,
                               capture_output=True, text=True, env=env, timeout=300)
        except (OSError, subprocess.TimeoutExpired):
            continue
        if r.returncode not in (97, 98) and 'unshare' not in r.stderr:
            return r
    return 'skip'


def test_read_only_media(vanthu, src, tmp, env):
    """Last year's register burnt to a disc: list, show, export and verify
    read it; issue is refused with nothing changed."""
    plan = os.path.join(src, PLAN)
    disc = os.path.join(tmp, 'disc')
    mnt = os.path.join(tmp, 'disc-mnt')
    os.makedirs(mnt)
    os.makedirs(disc)
    reg = os.path.join(disc, 'register.sqlite')
    for day in ('2026-11-23', '2026-11-24'):
        issue(vanthu, reg, '--date', day, plan=plan, env=env)
    run([vanthu, 'register', 'note', '2/2026', '--note', 'Gửi bưu điện', '--register', reg])
    check(not os.path.exists(reg + '-wal'), 'the register closes without a -wal, as it is copied to a disc')
    books = os.path.join(tmp, 'disc-books')
    os.makedirs(books)
    m = os.path.join(mnt, 'register.sqlite')
    commands = [
        (['register', 'list', '--register', m], 0, r'01/KH-PGDĐT\t2026-11-23.*\n02/KH-PGDĐT'),
        (['register', 'show', '2/2026', '--register', m], 0, r'Ghi chú: Gửi bưu điện'),
        (['register', 'export', '--format', 'csv', '-o', os.path.join(books, 'so.csv'), '--register', m], 0,
         r'so\.csv'),
        (['register', 'export', '--format', 'docx', '-o', os.path.join(books, 'so.docx'), '--register', m], 0,
         r'so\.docx'),
        (['register', 'verify', '--register', m], 0, r'2 archived files match the register'),
        (['issue', plan, '--register', m, '--date', '2026-11-25'], 3, r'read-only'),
    ]
    before = open(reg, 'rb').read()
    for args, code, pattern in commands:
        r = read_only_mount(vanthu, env, disc, mnt, args)
        if r == 'skip':
            print('skip  read-only media: no read-only bind mount can be made here (neither as root nor '
                  'in a user namespace)')
            return
        check(r.returncode == code and re.search(pattern, r.stdout + r.stderr) is not None,
              'on read-only media: %s gives %d /%s/ (got %d: %s)'
              % (' '.join(args[:2]), code, pattern, r.returncode, (r.stderr.strip() or r.stdout.strip())[:200]))
    check(open(reg, 'rb').read() == before and not os.path.exists(reg + '-shm')
          and sorted(os.listdir(disc)) == ['archive', 'register.sqlite'],
          'the register on the disc is untouched')
    check(run(['unzip', '-tq', os.path.join(books, 'so.docx')]).returncode == 0,
          'the book exported from the disc passes unzip -t')
    # copied while vanthu had it open: the -wal and -shm came along
    copy = os.path.join(tmp, 'disc-copy')
    os.makedirs(copy)
    keep = sqlite3.connect(reg)
    keep.execute('PRAGMA wal_autocheckpoint = 0')
    keep.execute("UPDATE entry SET note = 'ghi trong -wal' WHERE number = 1")
    keep.commit()
    for suffix in ('', '-wal', '-shm'):
        with open(reg + suffix, 'rb') as f, open(os.path.join(copy, 'register.sqlite' + suffix), 'wb') as g:
            g.write(f.read())
    keep.close()
    r = read_only_mount(vanthu, env, copy, mnt, ['register', 'show', '1/2026', '--register', m])
    check(r != 'skip' and r.returncode == 0 and 'Ghi chú: ghi trong -wal' in r.stdout,
          'on read-only media with its -wal and -shm, the entries in the -wal are read')


def test_hostile_archive(vanthu, src, tmp, env):
    """Issue 11, classes 14 and 19 with the real binary and register."""
    plan = os.path.join(src, PLAN)
    d = os.path.join(tmp, 'hostile')
    os.makedirs(d)
    reg = os.path.join(d, 'register.sqlite')
    run([vanthu, 'register', 'agency', 'PGDĐT', '--series', 'per-type', '--register', reg])
    text = open(plan, encoding='utf-8').read()
    outs = []
    for t in ('hop-dong', 'huong-dan'):
        p = os.path.join(d, t + '.xml')
        open(p, 'w', encoding='utf-8').write(text.replace('type="ke-hoach"', 'type="%s"' % t, 1))
        outs.append(issue(vanthu, reg, '--date', '2026-11-23', plan=p, env=env))
    arch = os.path.join(d, 'archive', '2026')
    check([r.returncode for r in outs] == [0, 0] and sorted(files_of(reg)) ==
          ['archive/2026/2026-01-hop-dong-pgddt.docx', 'archive/2026/2026-01-huong-dan-pgddt.docx'],
          'per-type series: 01/HĐ and 01/HD are both issued, each with its own file')
    con = sqlite3.connect(reg)
    rid = con.execute("SELECT value FROM meta WHERE key = 'id'").fetchone()[0]
    dirs = [x[0] for x in con.execute('SELECT path FROM archive_dir')]
    con.close()
    check(re.fullmatch(r'[0-9a-f]{32}', rid) is not None and dirs == ['archive/2026']
          and open(os.path.join(arch, MARKER)).read() == 'vanthu register %s\n' % rid,
          'the register has its own id, which the marker of its archive folder names')
    # a second register into the same folder is refused; the first's files stay
    other = os.path.join(d, 'other.sqlite')
    before = {f: sha256_file(os.path.join(arch, f)) for f in os.listdir(arch)}
    r = issue(vanthu, other, '--date', '2026-11-23', '-o', arch, plan=plan, env=env)
    check(r.returncode == 2 and 'archive of another register' in r.stderr
          and {f: sha256_file(os.path.join(arch, f)) for f in os.listdir(arch)} == before
          and run([vanthu, 'register', 'verify', '--register', reg]).returncode == 0,
          'a second register is refused in the first one\'s folder, whose files stay as verify expects')


def main():
    a = parse_args(load=True)
    env = dict(os.environ, VANTHU_TEMPLATES=os.path.join(a.build, 'templates'))
    env.pop('VANTHU_REGISTER', None)
    with tempfile.TemporaryDirectory(prefix='vt-register-') as tmp:
        os.chmod(tmp, 0o755)
        office = Office(tmp)
        test_issue(a.vanthu, a.source, tmp, env, office)
        test_invite(a.vanthu, a.source, tmp, env)
        test_bad_registers(a.vanthu, a.source, tmp, env)
        test_read_only_media(a.vanthu, a.source, tmp, env)
        test_hostile_archive(a.vanthu, a.source, tmp, env)
        test_kill(a.vanthu, a.source, tmp, env)
        test_concurrency(a.vanthu, a.source, tmp, env, each=a.load)
    print('%d passed, %d failed' % (RESULTS['passed'], RESULTS['failed']))
    return 1 if RESULTS['failed'] else 0


if __name__ == '__main__':
    sys.exit(main())
