#!/usr/bin/env python3
"""Hostile and broken inputs for the register (issue 11, classes 14-20):
archive names that collide, archived files that are not files, numbers at
the edge of int, notes with control characters and formulas, files in the
archive that no entry owns, and files that look like a register but are
not.  Each case runs the real binary on a real SQLite file and must end
with its exit code (never a signal, never past the time limit), a message
that names the problem and, when it is refused, nothing changed: the
register holds the same entries and the archive folders the same files.
Run by ctest as "bad_suite_register".
"""
import csv
import hashlib
import io
import os
import sqlite3
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'integration'))
from run import run_case  # noqa: E402
from test_register import read_only_mount  # noqa: E402
from test_render import RESULTS, WRAP, check, parse_args  # noqa: E402

PLAN = 'plans/muong-cha-2023-ke-hoach-sinh-hoat-cum-truong.xml'
APP_ID = 0x56545247
MARKER = '.vanthu-register'


def state(folder):
    """What a refusal must leave as it was: every file under folder (a
    register by its entries, so SQLite's own -wal/-shm bookkeeping does not
    count), with its bytes."""
    out = {}
    for root, dirs, files in os.walk(folder):
        dirs.sort()
        for name in sorted(files):
            path = os.path.join(root, name)
            rel = os.path.relpath(path, folder)
            if name.endswith(('-wal', '-shm')):
                continue
            if os.path.islink(path) or not os.path.isfile(path):
                out[rel] = 'special'
            elif name.endswith('.sqlite'):
                out[rel] = dump(path)
            else:
                with open(path, 'rb') as f:
                    out[rel] = hashlib.sha256(f.read()).hexdigest()
        out.update({os.path.relpath(os.path.join(root, x), folder) + '/': 'dir' for x in dirs})
    return out


def dump(db):
    con = sqlite3.connect('file:%s?mode=ro' % db, uri=True)
    try:
        return '\n'.join(con.iterdump())
    except sqlite3.DatabaseError:
        with open(db, 'rb') as f:
            return hashlib.sha256(f.read()).hexdigest()
    finally:
        con.close()


def expect(label, r, code, pattern, before=None, after=None):
    """Exit code, message, and (for a refusal) nothing changed."""
    import re
    if r is None:
        check(False, '%s: timed out' % label)
        return False
    msg = ' | '.join((r.stderr + r.stdout).strip().splitlines())[:400]
    same = before is None or before == after
    diff = '' if same else ' changed %r' % sorted({k for k in set(before) | set(after)
                                                   if before.get(k) != after.get(k)})
    return check(r.returncode == code and re.search(pattern, r.stderr + r.stdout) is not None and same,
                 '%s: exit %d, message /%s/%s (got %d: %s%s)'
                 % (label, code, pattern, ', nothing changed' if before is not None else '',
                    r.returncode, msg, diff))


class Env:
    def __init__(self, a, tmp):
        self.vanthu = a.vanthu
        self.tmp = tmp
        self.env = dict(os.environ, VANTHU_TEMPLATES=os.path.join(a.build, 'templates'))
        self.env.pop('VANTHU_REGISTER', None)
        with open(os.path.join(a.source, PLAN), encoding='utf-8') as f:
            self.text = f.read()
        self.n = 0

    def plan(self, type_='ke-hoach', number=None):
        self.n += 1
        text = self.text.replace('type="ke-hoach"', 'type="%s"' % type_, 1)
        if number is not None:
            text = text.replace('<number/>', '<number>%d</number>' % number, 1).replace(
                '<date>2023-10</date>', '<date>2026-11-23</date>', 1)
        path = os.path.join(self.tmp, 'plan-%d.xml' % self.n)
        with open(path, 'w', encoding='utf-8') as f:
            f.write(text)
        return path

    def folder(self, name):
        d = os.path.join(self.tmp, name)
        os.makedirs(d)
        return d

    def run(self, *args, timeout=120, shell=None):
        return run_case(self.vanthu, list(args), self.env, timeout=timeout, shell=shell)

    def issue(self, reg, *extra, plan=None, date='2026-11-23', timeout=120):
        return self.run('issue', plan or self.plan(), '--register', reg, '--date', date, *extra,
                        timeout=timeout)


def db_exec(path, *sql):
    con = sqlite3.connect(path)
    for s in sql:
        con.execute(s)
    con.commit()
    con.close()


def issued(e, name, count=1):
    """A folder with a register and count documents issued."""
    d = e.folder(name)
    reg = os.path.join(d, 'register.sqlite')
    for _ in range(count):
        r = e.issue(reg)
        assert r is not None and r.returncode == 0, r and r.stderr
    return d, reg, os.path.join(d, 'archive', '2026')


# ---- 14: archive names never collide, a file is never replaced -----------

def names_collide(e):
    # two registers, one -o folder: the second is refused there
    d = e.folder('two-registers')
    shared = os.path.join(d, 'shared')
    a, b = os.path.join(d, 'a.sqlite'), os.path.join(d, 'b.sqlite')
    e.issue(a, '-o', shared)
    before = state(shared)
    r = e.issue(b, '-o', shared)
    expect('14 a second register issuing into the first one\'s folder', r, 2,
           r'shared: the folder is the archive of another register \(\.vanthu-register names '
           r'"vanthu register [0-9a-f]{32}", this register is [0-9a-f]{32}\); nothing was written',
           before, state(shared))
    # HĐ and HD, ĐA and DA in per-type series: both take số 01, two files
    d = e.folder('d-and-dd')
    reg = os.path.join(d, 'register.sqlite')
    e.run('register', 'agency', 'PGDĐT', '--series', 'per-type', '--register', reg)
    got = [e.issue(reg, plan=e.plan(t)) for t in ('hop-dong', 'huong-dan', 'de-an', 'du-an')]
    files = sorted(os.listdir(os.path.join(d, 'archive', '2026')))
    check(all(r is not None and r.returncode == 0 for r in got)
          and [r.stdout.split('\t')[0] for r in got] == ['Số: 01/HĐ-PGDĐT', 'Số: 01/HD-PGDĐT',
                                                         'Số: 01/ĐA-PGDĐT', 'Số: 01/DA-PGDĐT']
          and files == [MARKER, '2026-01-de-an-pgddt.docx', '2026-01-du-an-pgddt.docx',
                        '2026-01-hop-dong-pgddt.docx', '2026-01-huong-dan-pgddt.docx'],
          '14 HĐ/HD and ĐA/DA each get số 01 and a file of their own: %r' % files)
    # one fixed -o folder, two years
    d = e.folder('fixed-o')
    reg, out = os.path.join(d, 'register.sqlite'), os.path.join(d, 'out')
    r1 = e.issue(reg, '-o', out, date='2026-12-30')
    r2 = e.issue(reg, '-o', out, date='2027-01-04')
    check(r1.returncode == 0 and r2.returncode == 0 and r2.stdout.startswith('Số: 01/KH-PGDĐT')
          and sorted(os.listdir(out)) == [MARKER, '2026-01-ke-hoach-pgddt.docx', '2027-01-ke-hoach-pgddt.docx'],
          '14 a fixed -o folder takes next year\'s số 01 beside this year\'s')
    # a file nobody owns under the next name is never replaced
    d, reg, arch = issued(e, 'foreign-file')
    with open(os.path.join(arch, '2026-02-ke-hoach-pgddt.docx'), 'wb') as f:
        f.write(b'the clerk\'s own scan, not vanthu\'s')
    before = state(d)
    r = e.issue(reg)
    expect('14 the next archive name taken by a file no entry owns', r, 3,
           r'2026-02-ke-hoach-pgddt\.docx: a file of that name is already in the archive folder and '
           r'no entry of the register owns it .*nothing was written and no number was given',
           before, state(d))
    # a link to a file outside, at the next name: not followed, not replaced
    d, reg, arch = issued(e, 'link-at-name')
    outside = os.path.join(e.tmp, 'outside.txt')
    with open(outside, 'w') as f:
        f.write('outside the archive')
    os.symlink(outside, os.path.join(arch, '2026-02-ke-hoach-pgddt.docx'))
    before = state(d)
    r = e.issue(reg)
    expect('14 a symbolic link at the next archive name', r, 3,
           r'2026-02-ke-hoach-pgddt\.docx: a file of that name is already', before, state(d))
    check(open(outside).read() == 'outside the archive', '14 the link\'s target is untouched')
    # the marker is not a file: refused, not read
    for kind in ('fifo', 'symlink', 'folder'):
        d = e.folder('marker-' + kind)
        arch = os.path.join(d, 'archive', '2026')
        os.makedirs(arch)
        m = os.path.join(arch, MARKER)
        if kind == 'fifo':
            os.mkfifo(m)
        elif kind == 'symlink':
            os.symlink('/dev/zero', m)
        else:
            os.mkdir(m)
        before = state(arch)
        r = e.issue(os.path.join(d, 'register.sqlite'), timeout=30)
        expect('14 the archive folder\'s marker is a %s' % kind, r, 3,
               r'\.vanthu-register: the archive folder\'s marker is not a readable file; nothing was written',
               before, state(arch))


def export_over_register(e):
    """The book never replaces the register, its journal, a marker or an
    archived document."""
    d, reg, arch = issued(e, 'export-over')
    targets = [reg, reg + '-wal', os.path.join(arch, MARKER),
               os.path.join(arch, '2026-01-ke-hoach-pgddt.docx'),
               os.path.join(d, '.', 'archive', '..', 'register.sqlite')]
    before = state(d)
    for t in targets:
        r = e.run('register', 'export', '--format', 'csv', '-o', t, '--register', reg)
        expect('14 export -o %s' % os.path.relpath(t, d), r, 2,
               r'is (the register itself, or its journal|the marker of an archive folder|an archived '
               r'document of the register); nothing was written', before, state(d))


# ---- 15: verify streams regular files and follows nothing ----------------

def verify_anything(e):
    # bigger than the memory verify may use (ulimit -v below), so it must stream
    big = (64 << 20) if WRAP else (600 << 20)
    for kind in ('fifo', 'dev-zero', 'folder', 'huge', 'socket-dir-link'):
        d, reg, arch = issued(e, 'verify-' + kind)
        path = os.path.join(arch, '2026-01-ke-hoach-pgddt.docx')
        os.remove(path)
        shell = None
        if kind == 'fifo':
            os.mkfifo(path)
            pattern = r'not a regular file \(a device, FIFO or socket\)'
        elif kind == 'dev-zero':
            os.symlink('/dev/zero', path)
            pattern = r'a symbolic link, not the archived file'
        elif kind == 'folder':
            os.mkdir(path)
            pattern = r'a folder, not the archived file'
        elif kind == 'huge':
            with open(path, 'wb') as f:
                f.truncate(big)  # sparse: costs no disk
            pattern = r'changed since it was archived \(số 01/KH-PGDĐT, 2026-11-23\): SHA-256 [0-9a-f]{64}'
            # read whole, the file would not fit under this limit (which a
            # sanitizer's shadow memory or valgrind cannot run under)
            shell = 'ulimit -v 200000;'
            probe = e.run('--help', shell=shell)
            if WRAP or probe is None or probe.returncode != 0:
                print('note  15 huge: no memory limit for this build (sanitizer or VT_WRAP); '
                      'the file is still hashed')
                shell = None
        else:
            # the archive folder itself a link to /dev: the file there is a device
            os.rename(arch, arch + '.moved')
            os.symlink('/dev', arch)
            os.symlink('/dev/zero', os.path.join(d, 'zero-link'))
            db_exec(reg, "UPDATE archive_file SET path = 'archive/2026/zero'")
            pattern = r'not a regular file'
        before = state(d)
        r = e.run('register', 'verify', '--register', reg, timeout=300, shell=shell)
        expect('15 verify with %s in place of an archived file' % kind, r, 1,
               r'2026/(2026-01-ke-hoach-pgddt\.docx|zero): ' + pattern, before, state(d))


# ---- 16: numbers at the edge ---------------------------------------------

def numbers_at_edge(e):
    d, reg, arch = issued(e, 'int-max')
    db_exec(reg, 'UPDATE entry SET number = 2147483647')
    before = state(d)
    r = e.issue(reg)
    expect('16 the series\' last number at INT_MAX (edited by hand)', r, 1,
           r'số 999999 \+ 1 is beyond the largest number the register gives in a year \(999999\)',
           before, state(d))
    d, reg, arch = issued(e, 'max-number')
    r = e.issue(reg, plan=e.plan(number=999999))
    check(r.returncode == 0 and r.stdout.startswith('Số: 999999/KH-PGDĐT'), '16 số 999999 is given')
    before = state(d)
    r = e.issue(reg)
    expect('16 the number after 999999', r, 1, r'beyond the largest number the register gives', before, state(d))
    for arg in ('2147483648/2026', '99999999999999999999/2026', '1000000/2026', '5/99999999999'):
        r = e.run('register', 'show', arg, '--register', reg)
        expect('16 show %s' % arg, r, 2, r'give the entry as N/YEAR')


# ---- 17: read-only media -------------------------------------------------

def pending_wal(e):
    """A register copied to read-only media with entries still in its
    -wal: reading it as immutable would lose them, so it is refused."""
    d, reg, arch = issued(e, 'ro-wal')
    ro = e.folder('ro-wal-copy')
    keep = sqlite3.connect(reg)  # holds the WAL open: it is not checkpointed away
    keep.execute('PRAGMA wal_autocheckpoint = 0')
    keep.execute("UPDATE entry SET note = 'ghi chú mới'")
    keep.commit()
    for suffix in ('', '-wal'):
        with open(reg + suffix, 'rb') as f, open(os.path.join(ro, 'register.sqlite' + suffix), 'wb') as g:
            g.write(f.read())
    keep.close()
    mnt = e.folder('ro-wal-mnt')
    r = read_only_mount(e.vanthu, e.env, ro, mnt, ['register', 'list', '--register',
                                                  os.path.join(mnt, 'register.sqlite')])
    if r == 'skip':
        print('skip  17 a -wal with entries on read-only media: no read-only bind mount here')
        return
    expect('17 a register on read-only media with entries still in its -wal', r, 3,
           r'on read-only media and its journal \(.*-wal\) holds entries not yet written')


# ---- 18: notes and the CSV ---------------------------------------------

def notes_and_csv(e):
    d, reg, arch = issued(e, 'notes', 3)
    dirty = '\x01\u202eGửi\u200b bưu\tđiện\x7f\u2066'
    r = e.run('register', 'note', '1/2026', '--note', dirty, '--received-by', '\u202eChị Lan\x1b[31m',
              '--register', reg)
    con = sqlite3.connect(reg)
    note, who = con.execute('SELECT note, received_by FROM entry WHERE number = 1').fetchone()
    con.close()
    check(r.returncode == 0 and note == 'Gửi bưu điện' and who == 'Chị Lan[31m',
          '18 note and received-by are stored cleaned: %r, %r' % (note, who))
    formulas = ['\t=HYPERLINK("http://x")', '\r+1', '\u3000=1+1', '\u00a0-2', '\u2003@SUM(A1)',
                '\u200b=1', '\uff1d1+1']
    for i, f in enumerate(formulas[:2]):
        e.run('register', 'note', '%d/2026' % (i + 2), '--note', f, '--register', reg)
    # an older register, or one edited by hand, can hold anything
    con = sqlite3.connect(reg)
    for i, f in enumerate(formulas[2:]):
        con.execute("UPDATE entry SET note = ? WHERE number = ?", (f, 1 if i == 0 else 3))
        con.execute("UPDATE entry SET received_by = ? WHERE number = ?", (formulas[3 + i] if i < 4 else f,
                                                                           1 if i == 0 else 3))
    con.execute("UPDATE entry SET signer = ? WHERE number = 2", ('\u3000=1+1\x01',))
    con.execute("UPDATE entry SET recipients = ? WHERE number = 2", ('\u2003@SUM(A1)',))
    con.execute("UPDATE entry SET archive_unit = ? WHERE number = 2", ('\uff1d1+1',))
    con.commit()
    con.close()
    out = os.path.join(d, 'book.csv')
    r = e.run('register', 'export', '--format', 'csv', '-o', out, '--register', reg)
    raw = open(out, 'rb').read().decode('utf-8-sig') if os.path.exists(out) else ''
    rows = list(csv.reader(io.StringIO(raw)))
    cells = [c for row in rows[1:] for c in row[:10]]
    risky = [c for c in cells if c.lstrip(' \t\r\u3000\u00a0\u2003\u200b')[:1] in ('=', '+', '-', '@', '\uff1d')]
    bad_chars = [c for c in cells if any(ord(ch) < 32 or 0x202a <= ord(ch) <= 0x202e
                                         or 0x2066 <= ord(ch) <= 0x2069 or ch == '\u200b' for ch in c)]
    check(r.returncode == 0 and len(rows) == 4 and not risky and not bad_chars
          and sum(c.startswith("'") for c in cells) >= 6,
          '18 CSV export: no cell a spreadsheet runs (tab, CR, Unicode spaces before = + - @), no '
          'control or direction characters (risky %r, dirty %r)' % (risky, bad_chars))
    before = state(d)
    r = e.run('register', 'note', '1/2026', '--note', b'G\xffi'.decode('utf-8', 'surrogateescape'),
              '--register', reg)
    expect('18 a note that is not UTF-8', r, 2, r'--note: the text is not valid UTF-8', before, state(d))
    r = e.run('register', 'void', '1/2026', '--reason', '\u202e\x01 \t', '--register', reg)
    expect('18 a void reason of nothing but controls and marks', r, 2,
           r'void: give the entry \(N/YEAR\) and --reason TEXT', before, state(d))


# ---- 19: files in the archive that no entry owns -------------------------

def unowned_files(e):
    d, reg, arch = issued(e, 'orphan', 2)
    # what an issue killed between writing its file and recording it leaves
    with open(os.path.join(arch, '2026-01-ke-hoach-pgddt.docx'), 'rb') as f:
        data = f.read()
    with open(os.path.join(arch, '2026-03-ke-hoach-pgddt.docx'), 'wb') as f:
        f.write(data)
    with open(os.path.join(arch, 'ghi-chu.txt'), 'w') as f:
        f.write('x')
    before = state(d)
    r = e.run('register', 'verify', '--register', reg)
    expect('19 verify with files no entry owns', r, 1,
           r'2026-03-ke-hoach-pgddt\.docx: in the archive folder, but no entry of the register owns it'
           r'(.|\n)*ghi-chu\.txt: in the archive folder', before, state(d))
    check(r.returncode == 1 and '2 names in the archive folders that no entry owns' in r.stderr,
          '19 verify counts them')
    r = e.run('register', 'verify', '--year', '2025', '--register', reg)
    check(r.returncode == 0, '19 verify --year 2025 looks at 2025\'s names only')
    # the number the orphan carries is taken next: refused, never replaced
    r = e.issue(reg)
    expect('19 the next issue, whose name an unowned file holds', r, 3,
           r'2026-03-ke-hoach-pgddt\.docx: a file of that name is already in the archive folder',
           before, state(d))


# ---- 20: vanthu's application id, another program's tables ---------------

def foreign_tables(e):
    fresh = e.folder('reference')
    ref = os.path.join(fresh, 'register.sqlite')
    e.run('register', 'agency', 'PGDĐT', '--name', 'x', '--register', ref)
    cases = [
        ('foreign tables', ['PRAGMA application_id = %d' % APP_ID, 'PRAGMA user_version = 2',
                            'CREATE TABLE t(x)']),
        ('version 0 with tables', ['PRAGMA application_id = %d' % APP_ID, 'CREATE TABLE agency(x)']),
        ('a register with a table more', None, 'CREATE TABLE extra(x)'),
        ('a register with a trigger', None,
         'CREATE TRIGGER t AFTER INSERT ON entry BEGIN DELETE FROM entry; END'),
        ('a register missing a table', None, 'DROP TABLE archive_dir'),
        ('a register with a column less', None, 'ALTER TABLE entry DROP COLUMN note'),
    ]
    for case in cases:
        label = case[0]
        d = e.folder('foreign-' + label.replace(' ', '-'))
        reg = os.path.join(d, 'register.sqlite')
        if case[1] is not None:
            db_exec(reg, *case[1])
        else:
            with open(ref, 'rb') as f, open(reg, 'wb') as g:
                g.write(f.read())
            db_exec(reg, case[2])
        before = state(d)
        for args in (['issue', e.plan(), '--register', reg, '--date', '2026-11-23'],
                     ['register', 'list', '--register', reg]):
            r = e.run(*args)
            expect('20 %s (%s)' % (label, args[0] if args[0] == 'issue' else 'list'), r, 2,
                   r'register\.sqlite: not a vanthu register \(it has vanthu\'s application id, but its '
                   r'tables are not those of a register\); nothing was changed', before, state(d))


def refused_first_of_year(e, source):
    """An issue refused inside the register's transaction takes back the
    year's archive folder and its marker that it made."""
    d, reg, arch = issued(e, 'refused-first')
    before = state(d)
    other = os.path.join(source, 'plans', 'kim-thanh-2017-ke-hoach-sinh-hoat-to-truong.xml')
    r = e.issue(reg, plan=other, date='2027-01-04')
    expect('another office\'s plan, first of its year', r, 2, r'issue it from that office', before, state(d))
    out = os.path.join(d, 'new', 'deep')
    r = e.issue(reg, '-o', out, plan=other, date='2027-01-04')
    expect('another office\'s plan into a new -o folder', r, 2, r'issue it from that office',
           before, state(d))


def main():
    a = parse_args()
    with tempfile.TemporaryDirectory(prefix='vt-bad-register-') as tmp:
        os.chmod(tmp, 0o755)
        e = Env(a, tmp)
        names_collide(e)
        export_over_register(e)
        verify_anything(e)
        numbers_at_edge(e)
        pending_wal(e)
        notes_and_csv(e)
        unowned_files(e)
        foreign_tables(e)
        refused_first_of_year(e, a.source)
    print('%d passed, %d failed' % (RESULTS['passed'], RESULTS['failed']))
    return 1 if RESULTS['failed'] else 0


if __name__ == '__main__':
    sys.exit(main())
