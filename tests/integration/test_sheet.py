#!/usr/bin/env python3
"""Integration tests of spreadsheets: "vanthu clusters" (import --clusters)
reading real XLSX workbooks and CSV files into a batch plan that then
validates and makes its letters, and "vanthu register export --format xlsx"
checked with the real unzip -t and against the register's CSV book.

The XLSX files are built here by hand, part by part, with zipfile, as Excel
saves them (openpyxl is not installed, and writing the parts ourselves lets
the bad-input suite break them on purpose): write_xlsx is shared with
tests/bad/suite_sheet.py.

Each check prints "ok"/"FAIL"; the exit code is non-zero on any failure.
"""
import csv
import datetime
import io
import os
import re
import sys
import tempfile
import zipfile
import xml.etree.ElementTree as ET
from xml.sax.saxutils import escape, quoteattr

from test_render import Office, RESULTS, check, parse_args, run

MAIN = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main'
REL = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships'
PKG = 'http://schemas.openxmlformats.org/package/2006/relationships'


def col_letters(i):
    s = ''
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        s = chr(65 + r) + s
    return s


def sheet_xml(rows, strings, merges=(), inline=False, first_row=1):
    """rows: lists of cells: str (a shared string, or inline), int/float
    (a number), ('n', '43173') a raw number, None an empty cell."""
    out = ['<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
           '<worksheet xmlns="%s" xmlns:r="%s"><sheetData>' % (MAIN, REL)]
    for ri, row in enumerate(rows):
        rn = first_row + ri
        if row is None:
            continue
        out.append('<row r="%d">' % rn)
        for ci, v in enumerate(row):
            ref = '%s%d' % (col_letters(ci), rn)
            if v is None:
                continue
            if isinstance(v, tuple) and v[0] == 'n':
                out.append('<c r="%s"><v>%s</v></c>' % (ref, v[1]))
            elif isinstance(v, (int, float)):
                out.append('<c r="%s" s="1"><v>%r</v></c>' % (ref, v))
            elif inline:
                out.append('<c r="%s" t="inlineStr"><is><t>%s</t></is></c>' % (ref, escape(v)))
            else:
                if v not in strings:
                    strings.append(v)
                out.append('<c r="%s" t="s"><v>%d</v></c>' % (ref, strings.index(v)))
        out.append('</row>')
    out.append('</sheetData>')
    if merges:
        out.append('<mergeCells count="%d">%s</mergeCells>' % (
            len(merges), ''.join('<mergeCell ref="%s"/>' % m for m in merges)))
    out.append('</worksheet>')
    return ''.join(out)


def write_xlsx(path, sheets, date1904=False, inline=False, extra=None, edit=None):
    """sheets: [(name, rows)] or [(name, rows, merges)]; extra: {part: bytes}
    added as is; edit(name, text) -> text changes a part before it is written."""
    strings = []
    parts = {}
    for i, sh in enumerate(sheets):
        name, rows = sh[0], sh[1]
        merges = sh[2] if len(sh) > 2 else ()
        parts['xl/worksheets/sheet%d.xml' % (i + 1)] = sheet_xml(rows, strings, merges, inline)
    sst = ''.join('<si><t xml:space="preserve">%s</t></si>' % escape(s) for s in strings)
    parts['xl/sharedStrings.xml'] = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<sst xmlns="%s" count="%d" uniqueCount="%d">%s</sst>' % (MAIN, len(strings), len(strings), sst))
    parts['xl/workbook.xml'] = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<workbook xmlns="%s" xmlns:r="%s"><workbookPr%s/><sheets>%s</sheets></workbook>' % (
            MAIN, REL, ' date1904="1"' if date1904 else '',
            ''.join('<sheet name=%s sheetId="%d" r:id="rId%d"/>' % (quoteattr(sh[0]), i + 1, i + 1)
                    for i, sh in enumerate(sheets))))
    rels = ''.join('<Relationship Id="rId%d" Type="%s/worksheet" Target="worksheets/sheet%d.xml"/>'
                   % (i + 1, REL, i + 1) for i in range(len(sheets)))
    rels += '<Relationship Id="rId%d" Type="%s/sharedStrings" Target="sharedStrings.xml"/>' % (
        len(sheets) + 1, REL)
    rels += '<Relationship Id="rId%d" Type="%s/styles" Target="styles.xml"/>' % (len(sheets) + 2, REL)
    parts['xl/_rels/workbook.xml.rels'] = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="%s">%s</Relationships>' % (PKG, rels))
    parts['xl/styles.xml'] = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<styleSheet xmlns="%s"><numFmts count="1"><numFmt numFmtId="164" formatCode="dd/mm/yyyy"/>'
        '</numFmts><fonts count="1"><font/></fonts><fills count="1"><fill/></fills>'
        '<borders count="1"><border/></borders><cellStyleXfs count="1"><xf/></cellStyleXfs>'
        '<cellXfs count="2"><xf/><xf numFmtId="164" applyNumberFormat="1"/></cellXfs>'
        '</styleSheet>' % MAIN)
    parts['_rels/.rels'] = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="%s"><Relationship Id="rId1" Type="%s/officeDocument" '
        'Target="xl/workbook.xml"/></Relationships>' % (PKG, REL))
    ct = ''.join('<Override PartName="/xl/worksheets/sheet%d.xml" ContentType="application/'
                 'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>' % (i + 1)
                 for i in range(len(sheets)))
    parts['[Content_Types].xml'] = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>%s</Types>' % ct)
    with zipfile.ZipFile(path, 'w', zipfile.ZIP_DEFLATED) as z:
        for name, text in parts.items():
            if edit:
                text = edit(name, text)
            z.writestr(name, text.encode('utf-8') if isinstance(text, str) else text)
        for name, data in (extra or {}).items():
            z.writestr(name, data)


# ---- the seed batch plan as the clerk's spreadsheet

BATCH = 'plans/kim-thanh-2018-giay-moi-sinh-hoat-cum-truong.xml'
HEADING = ['STT', 'Cụm', 'Tên trường', 'Ngày', 'Buổi', 'Giờ', 'Địa điểm', 'Chủ đề',
           'Cụm trưởng', 'Ghi chú']


def seed_clusters(src):
    """[(name, attrs, host, venue, topic, [schools])] of the seed plan."""
    root = ET.parse(os.path.join(src, BATCH)).getroot()
    return clusters_of(root)


def clusters_of(root):
    out = []
    for c in root.find('clusters').findall('cluster'):
        out.append((c.get('name'), {k: c.get(k) for k in ('date', 'session', 'time')},
                    c.findtext('host'), c.findtext('venue'), c.findtext('topic'),
                    [s.text for s in c.findall('school')]))
    return out


def serial(iso):
    return (datetime.date.fromisoformat(iso) - datetime.date(1899, 12, 30)).days


def sheet_rows(clusters, typed):
    """The clusters as a clerk lays them out: a merged title, a blank row,
    the heading, then one row per school with the cluster's cells only on
    its first row (merged over the others), a blank row between clusters.
    typed: dates and times as text (CSV) instead of Excel numbers."""
    rows = [['DANH SÁCH CÁC CỤM TRƯỜNG'], None, HEADING]
    merges = ['A1:J1']
    n = 0
    for name, at, host, venue, topic, schools in clusters:
        first = len(rows) + 1
        for i, school in enumerate(schools):
            n += 1
            if i:
                rows.append([n, None, school])
                continue
            y, m, d = at['date'].split('-')
            h, mi = at['time'].split(':')
            date = '%s/%s/%s' % (d, m, y) if typed else serial(at['date'])
            time = '%dh%s' % (int(h), mi) if typed else ('n', repr((int(h) * 60 + int(mi)) / 1440))
            rows.append([n, name, school, date, at['session'].capitalize(), time, venue, topic, host,
                         'gửi trước 3 ngày'])
        last = len(rows)
        merges += ['%s%d:%s%d' % (c, first, c, last) for c in 'BDEFGHI']
        rows.append(None)
    return rows[:-1], merges


def to_csv(rows, sep, bom, crlf):
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=sep, lineterminator='\r\n' if crlf else '\n')
    for r in rows:
        w.writerow([] if r is None else ['' if v is None else v[1] if isinstance(v, tuple) else v
                                         for v in r])
    return ('\ufeff' if bom else '') + buf.getvalue()


def test_clusters(vanthu, src, tmp, env, office):
    d = os.path.join(tmp, 'clusters')
    os.makedirs(d)
    want = seed_clusters(src)
    rows, merges = sheet_rows(want, typed=False)
    xlsx = os.path.join(d, 'schools.xlsx')
    write_xlsx(xlsx, [('Bìa', [['Phòng GD&ĐT Kim Thành']]), ('Cụm', rows, merges)])
    seed = open(os.path.join(src, BATCH), encoding='utf-8').read()
    # the plan without its clusters' data, to be filled from the sheet
    plan = os.path.join(d, 'plan.xml')
    blank = re.sub(r'<clusters>.*</clusters>', '<clusters>\n    <cluster name="x"/>\n  </clusters>',
                   seed, flags=re.S)
    open(plan, 'w', encoding='utf-8').write(blank)
    out = os.path.join(d, 'out.xml')
    r = run([vanthu, 'clusters', xlsx, '--sheet', 'Cụm', '--into', plan, '-o', out], env=env)
    check(r.returncode == 0 and '4 clusters, 24 schools' in r.stderr,
          'clusters from XLSX into a plan (%s)' % r.stderr.strip()[-200:])
    got = open(out, encoding='utf-8').read() if os.path.exists(out) else ''
    check(got and clusters_of(ET.fromstring(got)) == want,
          'XLSX: merged cells, date serials, time fractions, shared strings give the seed\'s clusters')
    head, tail = blank.split('<clusters>')[0], blank.split('</clusters>')[1]
    check(got.startswith(head) and got.endswith(tail) and open(plan, encoding='utf-8').read() == blank,
          'every byte outside <clusters> is kept; the --into plan itself is untouched with -o')
    r = run([vanthu, 'validate', out], env=env)
    check(r.returncode == 0, 'the plan validates (%s)' % r.stderr.strip()[-200:])
    letters = os.path.join(d, 'letters')
    r = run([vanthu, 'invite', out, '-o', letters, '--dry-run'], env=env)
    check(r.returncode == 0 and len(re.findall(r'\.docx', r.stdout)) == 4 and not os.path.exists(letters),
          'invite --dry-run makes its 4 letters (%s)' % r.stderr.strip()[-200:])
    # the seed's own clusters, typed by hand, are the same element whatever
    # the file: XLSX, CSV with commas, BOM and CRLF, CSV with semicolons
    frag = run([vanthu, 'clusters', xlsx, '--sheet', 'Cụm'], env=env)
    typed, _ = sheet_rows(want, typed=True)
    for label, sep, bom, crlf in (('comma, BOM, CRLF', ',', True, True),
                                  ('semicolon (Excel in Vietnamese)', ';', False, False),
                                  ('semicolon, BOM, CRLF', ';', True, True)):
        p = os.path.join(d, 'schools-%d.csv' % len(label))
        open(p, 'w', encoding='utf-8', newline='').write(to_csv(typed, sep, bom, crlf))
        r = run([vanthu, 'clusters', p], env=env)
        check(r.returncode == 0 and r.stdout == frag.stdout and r.stdout.startswith('<clusters>'),
              'CSV %s gives the same <clusters> as the XLSX' % label)
    check(frag.stdout.strip() == re.search(r'<clusters>.*</clusters>', got, re.S).group(0).replace('\n  ', '\n'),
          'without --into: the element alone on standard output')
    r = run([vanthu, 'clusters', xlsx, '--sheet', 'CUM'], env=env)
    check(r.returncode == 0 and r.stdout == frag.stdout,
          '--sheet typed without marks or case finds the one sheet it can mean')
    # 1904 dates, inline strings, the first sheet by default
    x1904 = os.path.join(d, 'mac.xlsx')
    rows1904 = [[('n', str(v - 1462)) if isinstance(v, int) and v > 40000 else v for v in r] if r else r
                for r in rows]
    write_xlsx(x1904, [('Cụm', rows1904, merges)], date1904=True, inline=True)
    r = run([vanthu, 'clusters', x1904], env=env)
    check(r.returncode == 0 and r.stdout == frag.stdout,
          'a 1904-dated workbook with inline strings gives the same dates and names')
    # in place: the plan is updated atomically, and a second run changes nothing
    inplace = os.path.join(d, 'inplace.xml')
    open(inplace, 'w', encoding='utf-8').write(blank)
    r1 = run([vanthu, 'clusters', xlsx, '--sheet', 'Cụm', '--into', inplace], env=env)
    once = open(inplace, 'rb').read()
    r2 = run([vanthu, 'clusters', xlsx, '--sheet', 'Cụm', '--into', inplace], env=env)
    check(r1.returncode == 0 and r2.returncode == 0 and once == open(inplace, 'rb').read() ==
          got.encode() and sorted(os.listdir(d)).count('inplace.xml') == 1 and
          not [f for f in os.listdir(d) if '.tmp' in f],
          '--into without -o updates the plan in place, the same bytes every time, no temporary left')
    # a workbook written by another program: LibreOffice Calc opens the CSV
    # in a Vietnamese locale (so the dates become Excel dates) and saves XLSX
    lo = os.path.join(d, 'lo')
    typed_csv = os.path.join(d, 'typed.csv')
    open(typed_csv, 'w', encoding='utf-8', newline='').write(to_csv(typed, ',', False, False))
    office.convert_with(typed_csv, 'xlsx', lo, 'CSV:44,34,76,1,,1066')
    lo_xlsx = os.path.join(lo, 'typed.xlsx')
    sheet = zipfile.ZipFile(lo_xlsx).read('xl/worksheets/sheet1.xml').decode() if os.path.exists(lo_xlsx) else ''
    r = run([vanthu, 'clusters', lo_xlsx], env=env)
    check(re.search(r'<c r="D4"[^>]*t="n"><v>43173</v>', sheet) and r.returncode == 0 and r.stdout == frag.stdout,
          'an XLSX saved by LibreOffice Calc (dates as date serials) gives the same <clusters>')
    # a plan saved with CRLF line ends keeps them
    crlf = os.path.join(d, 'crlf.xml')
    open(crlf, 'wb').write(blank.replace('\n', '\r\n').encode())
    r = run([vanthu, 'clusters', xlsx, '--sheet', 'Cụm', '--into', crlf], env=env)
    data = open(crlf, 'rb').read()
    check(r.returncode == 0 and data == got.replace('\n', '\r\n').encode(),
          'a CRLF plan gets CRLF clusters, nothing else changes')
    # a plan without <clusters> gets one before <copies-to>
    noclusters = os.path.join(d, 'none.xml')
    open(noclusters, 'w', encoding='utf-8').write(re.sub(r'  <clusters>.*</clusters>\n', '', seed, flags=re.S))
    out2 = os.path.join(d, 'none-out.xml')
    r = run([vanthu, 'clusters', xlsx, '--sheet', 'Cụm', '--into', noclusters, '-o', out2], env=env)
    check(r.returncode == 0 and open(out2, encoding='utf-8').read() == got,
          'a plan without <clusters> gets them where the seed has them')


# ---- the register book as XLSX

PLAN = 'plans/muong-cha-2023-ke-hoach-sinh-hoat-cum-truong.xml'
X = '{%s}' % MAIN


def xlsx_cells(path):
    """{(row, col): (value, number format or None)} of the first sheet."""
    with zipfile.ZipFile(path) as z:
        sst = [''.join(t.text or '' for t in si.iter(X + 't'))
               for si in ET.fromstring(z.read('xl/sharedStrings.xml')).findall(X + 'si')]
        styles = ET.fromstring(z.read('xl/styles.xml'))
        fmts = {f.get('numFmtId'): f.get('formatCode') for f in styles.iter(X + 'numFmt')}
        xfs = [fmts.get(xf.get('numFmtId')) for xf in styles.find(X + 'cellXfs').findall(X + 'xf')]
        sheet = z.read('xl/worksheets/sheet1.xml').decode()
    cells = {}
    for c in ET.fromstring(sheet).iter(X + 'c'):
        m = re.match(r'([A-Z]+)(\d+)$', c.get('r'))
        col = ord(m.group(1)) - 65
        v = c.findtext(X + 'v')
        v = sst[int(v)] if c.get('t') == 's' else float(v)
        cells[(int(m.group(2)) - 1, col)] = (v, xfs[int(c.get('s', 0))])
    return cells, sheet


def test_export(vanthu, src, tmp, env, office):
    d = os.path.join(tmp, 'export')
    os.makedirs(d)
    reg = os.path.join(d, 'register.sqlite')
    for day in ('2026-11-23', '2026-11-24', '2026-12-02'):
        r = run([vanthu, 'issue', os.path.join(src, PLAN), '--register', reg, '--date', day], env=env)
        check(r.returncode == 0, 'issue on %s' % day)
    run([vanthu, 'register', 'note', '1/2026', '--register', reg, '--sent', '2026-11-25',
         '--received-by', 'Lò Thị Hoa', '--note', 'A & B <x>'], env=env)
    out = os.path.join(d, 'book')
    os.makedirs(out)
    book, book2 = os.path.join(out, 'so-di.xlsx'), os.path.join(d, 'again.xlsx')
    r = run([vanthu, 'register', 'export', '--format', 'xlsx', '-o', book, '--register', reg], env=env)
    check(r.returncode == 0 and os.listdir(out) == ['so-di.xlsx'],
          'export xlsx writes the one file, no temporary beside it (%s)' % r.stderr.strip()[-200:])
    check(run(['unzip', '-tq', book]).returncode == 0, 'the workbook passes unzip -t')
    r = run([vanthu, 'register', 'export', '--format', 'xlsx', '-o', book2, '--register', reg], env=env)
    check(r.returncode == 0 and open(book, 'rb').read() == open(book2, 'rb').read(),
          'the same register gives the same bytes (no clock in core.xml or the zip)')
    cells, sheet = xlsx_cells(book)
    check(re.search(r'<pane [^>]*ySplit="1"[^>]*state="frozen"', sheet) is not None,
          'the heading row is frozen')
    check(len(re.findall(r'<col [^>]*customWidth="1"', sheet)) == 11 and '<autoFilter ref="A1:K4"' in sheet,
          'every column is sized, the heading filters')
    csv_path = os.path.join(d, 'book.csv')
    run([vanthu, 'register', 'export', '--format', 'csv', '-o', csv_path, '--register', reg], env=env)
    want = list(csv.reader(io.StringIO(open(csv_path, encoding='utf-8-sig').read())))
    mismatches = []
    for ri, row in enumerate(want):
        for ci, text in enumerate(row):
            v, fmt = cells.get((ri, ci), ('', None))
            if ri and ci in (1, 7) and text:
                dd, mm, yy = (int(x) for x in text.split('/'))
                ok = fmt == 'dd/mm/yyyy' and v == serial('%04d-%02d-%02d' % (yy, mm, dd))
            elif ri and ci == 6:
                ok = v == float(text)
            else:
                ok = v == text
            if not ok:
                mismatches.append((ri, ci, text, v, fmt))
    check(len(want) == 4 and not mismatches,
          'every cell matches the CSV book; the two date columns are dates in dd/mm/yyyy (%r)' % mismatches[:3])
    # LibreOffice Calc opens the workbook and reads the same cells back
    office.convert_with(book, 'csv:Text - txt - csv (StarCalc):44,34,76,1', os.path.join(d, 'lo'), None)
    lo_csv = os.path.join(d, 'lo', 'so-di.csv')
    back = list(csv.reader(io.StringIO(open(lo_csv, encoding='utf-8').read()))) if os.path.exists(lo_csv) else []

    def same(a, b):
        da, db = re.fullmatch(r'(\d+)/(\d+)/(\d{4})', a), re.fullmatch(r'(\d+)/(\d+)/(\d{4})', b)
        return [int(x) for x in da.groups()] == [int(x) for x in db.groups()] if da and db else a == b
    check(len(back) == len(want) and all(len(x) == len(y) and all(same(p, q) for p, q in zip(x, y))
                                         for x, y in zip(back, want)),
          'LibreOffice Calc opens the workbook and reads the CSV book\'s cells')
    r = run([vanthu, 'register', 'export', '--format', 'xls', '-o', os.path.join(d, 'x'), '--register', reg],
            env=env)
    check(r.returncode == 2 and 'csv, docx, xlsx or pdf' in r.stderr, 'an unknown format is bad usage')


class Calc(Office):
    """LibreOffice (Calc) with its own profile, an import filter given."""

    def convert_with(self, src, fmt, outdir, infilter):
        os.makedirs(outdir, exist_ok=True)
        return run(['soffice', '-env:UserInstallation=' + self.profile, '--headless']
                   + (['--infilter=' + infilter] if infilter else [])
                   + ['--convert-to', fmt, '--outdir', outdir, src], timeout=900)


def main():
    a = parse_args()
    env = dict(os.environ, VANTHU_TEMPLATES=os.path.join(a.build, 'templates'))
    env.pop('VANTHU_REGISTER', None)
    with tempfile.TemporaryDirectory(prefix='vt-sheet-') as tmp:
        os.chmod(tmp, 0o755)
        office = Calc(tmp)
        test_clusters(a.vanthu, a.source, tmp, env, office)
        test_export(a.vanthu, a.source, tmp, env, office)
    print('%d passed, %d failed' % (RESULTS['passed'], RESULTS['failed']))
    return 1 if RESULTS['failed'] else 0


if __name__ == '__main__':
    sys.exit(main())
