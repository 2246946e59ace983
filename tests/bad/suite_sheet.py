#!/usr/bin/env python3
"""Bad spreadsheets for "vanthu clusters" (import --clusters) and bad
targets for "register export --format xlsx": each case with its exit code
and the message naming the file, sheet, row and column (or the CSV line),
and nothing written: the output folder stays empty and the plan given to
--into keeps its bytes.  Run by ctest as "bad_sheet"; honours VT_WRAP.
"""
import os
import re
import sys
import tempfile
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', 'integration'))
sys.path.insert(0, HERE)
from run import expect, run_case  # noqa: E402
from test_render import RESULTS, check, parse_args  # noqa: E402
from test_sheet import BATCH, HEADING, seed_clusters, sheet_rows, to_csv, write_xlsx  # noqa: E402


def good_rows(src):
    rows, merges = sheet_rows(seed_clusters(src), typed=False)
    return rows, merges


def with_cell(rows, row, col, value):
    """A copy of rows with the cell at sheet row `row` (1-based), column col."""
    rows = [list(r) if r else r for r in rows]
    r = rows[row - 1]
    r.extend([None] * (col + 1 - len(r)))
    r[col] = value
    return rows


def good_with(row, col, value, merged=True):
    """The seed's workbook with one cell typed differently; merged=False
    leaves out the merged cells, so each row stands for itself."""
    return lambda src, path: write_xlsx(path, [('Cụm', with_cell(good_rows(src)[0], row, col, value),
                                                good_rows(src)[1] if merged else [])])


def xlsx_case(rows, merges, **kw):
    return lambda src, path: write_xlsx(path, [('Cụm', rows(src) if callable(rows) else rows,
                                                merges(src) if callable(merges) else merges)], **kw)


def raw(data):
    def make(src, path):
        open(path, 'wb').write(data)
    return make


def zipped(parts):
    def make(src, path):
        with zipfile.ZipFile(path, 'w', zipfile.ZIP_DEFLATED) as z:
            for name, data in parts(src) if callable(parts) else parts:
                z.writestr(name, data)
    return make


def edited(edit):
    """The good workbook with one part changed by edit(name, text)."""
    def make(src, path):
        rows, merges = good_rows(src)
        write_xlsx(path, [('Cụm', rows, merges)], edit=edit)
    return make


LAUGHS = ('<!DOCTYPE sst [<!ENTITY a "ha"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
          '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">'
          '<!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;"><!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;">]>')


def bomb(src, path):
    """A sheet that inflates past the 64 MiB limit from a small file."""
    rows, merges = good_rows(src)
    write_xlsx(path, [('Cụm', rows, merges)],
               edit=lambda n, t: t.replace('<sheetData>', ' ' * (70 << 20) + '<sheetData>')
               if n.endswith('sheet1.xml') else t)


def csv_case(text_of, encoding='utf-8'):
    def make(src, path):
        rows, _ = sheet_rows(seed_clusters(src), typed=True)
        data = text_of(to_csv(rows, ';', False, True))
        open(path, 'wb').write(data if isinstance(data, bytes) else data.encode(encoding))
    return make


T = r'schools\.xlsx: sheet "Cụm": '
# (name, file name, how to make it, extra arguments, exit, message)
CASES = [
    ('merged heading cells', 'schools.xlsx',
     xlsx_case(lambda s: good_rows(s)[0], lambda s: good_rows(s)[1] + ['D3:F3']), [],
     1, T + r'row 3, columns D to F: merged heading cells \("Ngày"\); unmerge them'),
    ('only blank rows below the heading', 'schools.xlsx',
     xlsx_case([['DANH SÁCH'], None, HEADING, [None] * 10, None, ['', '', '']], []), [],
     1, T + r'row 3: no rows below the heading'),
    ('a date that is not real', 'schools.xlsx',
     good_with(4, 3, '31/02/2018'), [],
     1, T + r'row 4, column D \(ngày\): "31/02/2018" is not a real date'),
    ('a date typed as text that does not parse', 'schools.xlsx',
     good_with(12, 3, 'thứ Năm tuần sau'), [],
     1, T + r'row 12, column D \(ngày\): "thứ Năm tuần sau" is not a date \(write it as 14/03/2018\)'),
    ('two dates for one cluster', 'schools.xlsx',
     good_with(5, 3, '15/03/2018', merged=False), [],
     1, T + r'row 5, column D \(ngày\): "15/03/2018" gives "Cụm số 1" another ngày than row 4'),
    ('the same school twice', 'schools.xlsx',
     good_with(12, 2, 'TH Lai Vu'), [],
     1, T + r'row 12, column C \(trường\): "TH Lai Vu" is listed twice \(also in row 4, Cụm số 1\)'),
    ('a session that is not one', 'schools.xlsx',
     good_with(4, 4, 'cả ngày'), [],
     1, T + r'row 4, column E \(buổi\): "cả ngày" is not a session \(sáng, chiều or tối\)'),
    ('a sheet that is not there', 'schools.xlsx', xlsx_case(lambda s: good_rows(s)[0], []), ['--sheet', 'Danh sách'],
     2, r'schools\.xlsx: no sheet "Danh sách" \(the workbook has "Cụm"\)'),
    ('a cluster without a date', 'schools.xlsx', good_with(11, 3, None), [],
     1, T + r'row 11, column D \(ngày\): cluster "Cụm số 2" has no date; type it on one of its rows'),
    ('a cluster without a venue', 'schools.csv', csv_case(lambda t: t.replace('Trường TH Kim Lương', '')), [],
     1, r'schools\.csv:11: column G \(địa điểm\): cluster "Cụm số 2" has no địa điểm'),
    ('a missing required column', 'schools.xlsx',
     xlsx_case([HEADING[:6], [1, 'Cụm 1', 'TH A', '14/3/2018']], []), [],
     1, T + r'row 1: no column for địa điểm; head one with "Địa điểm"'),
    ('no heading row', 'schools.xlsx', xlsx_case([['Danh sách'], ['TH A', 'TH B']], []), [],
     1, T + r'row 1: no heading row with the columns cụm and trường'),
    ('two columns with one heading', 'schools.xlsx',
     xlsx_case([['Cụm', 'Trường', 'Ngày', 'Địa điểm', 'Tên trường'], [1, 'A', '14/3/2018', 'X', 'B']], []), [],
     1, T + r'row 1: columns B and E are both headed trường'),
    ('a school without a cụm', 'schools.xlsx',
     xlsx_case([HEADING, [1, None, 'TH A', '14/3/2018', 'sáng', '7h', 'X']], []), [],
     1, T + r'row 2, column B \(cụm\): no cụm for this row'),
    ('an xlsx that is not a zip', 'schools.xlsx', raw(b'Cum,Truong\n1,TH A\n'), [],
     1, r'schools\.xlsx: not an Excel workbook \(\.xlsx\): it is not a readable zip package'),
    ('an old .xls workbook', 'schools.xlsx', raw(bytes.fromhex('D0CF11E0A1B11AE1') + b'\0' * 512), [],
     1, r'schools\.xlsx: an Excel 97-2003 workbook \(\.xls\); save it as \.xlsx'),
    ('a zip without a workbook', 'schools.xlsx', zipped([('word/document.xml', '<w/>')]), [],
     1, r'schools\.xlsx: not an Excel workbook: the package has no xl/workbook\.xml'),
    ('a zip bomb sheet', 'schools.xlsx', bomb, [],
     1, r'schools\.xlsx: xl/worksheets/sheet1\.xml inflates to more than the limit of 67108864 bytes'),
    ('too many entries', 'schools.xlsx', zipped([('x/%d' % i, '') for i in range(1001)]), [],
     1, r'schools\.xlsx: the package has 1001 entries, more than the limit of 1000'),
    ('an unsafe entry name', 'schools.xlsx', zipped([('../../evil.xml', '<x/>')]), [],
     1, r'schools\.xlsx: the package has an unsafe entry name "\.\./\.\./evil\.xml"'),
    ('billion laughs in the shared strings', 'schools.xlsx',
     edited(lambda n, t: t.replace('<sst ', LAUGHS + '<sst ', 1).replace('<t xml:space="preserve">TH Lai Vu', '<t xml:space="preserve">&f;TH Lai Vu', 1)
            if n.endswith('sharedStrings.xml') else t), [],
     1, r'schools\.xlsx: xl/sharedStrings\.xml has a DOCTYPE, which a workbook never needs'),
    ('an external entity in the workbook', 'schools.xlsx',
     edited(lambda n, t: t.replace('<workbook ', '<!DOCTYPE w [<!ENTITY x SYSTEM "file:///etc/passwd">]><workbook ', 1)
            if n == 'xl/workbook.xml' else t), [],
     1, r'xl/workbook\.xml has a DOCTYPE'),
    ('a sheet that is not well-formed', 'schools.xlsx',
     edited(lambda n, t: t.replace('</sheetData>', '', 1) if n.endswith('sheet1.xml') else t), [],
     1, r'schools\.xlsx: xl/worksheets/sheet1\.xml:\d+: not well-formed XML'),
    ('a shared string that is not there', 'schools.xlsx',
     edited(lambda n, t: t.replace('t="s"><v>0</v>', 't="s"><v>999</v>', 1) if n.endswith('sheet1.xml') else t), [],
     1, T + r'row 1, column A: the cell points to shared string 999'),
    ('a CSV in Windows-1258', 'schools.csv',
     csv_case(lambda t: t.encode('cp1258', errors='replace')), [],
     1, r'schools\.csv:1: not UTF-8 text \(byte 0x[0-9A-F]{2}\); .*CSV UTF-8'),
    ('a CSV in UTF-16', 'schools.csv', csv_case(lambda t: t.encode('utf-16')), [],
     1, r'schools\.csv: the file is UTF-16 text'),
    ('a CSV with a quote never closed', 'schools.csv', csv_case(lambda t: t + '5;Cụm 9;"TH X\n'), [],
     1, r'schools\.csv:\d+: a quoted cell is never closed'),
    ('a CSV with a stray quote', 'schools.csv', csv_case(lambda t: t.replace('TH Kim Xuyên', 'TH "Kim" Xuyên')), [],
     1, r'schools\.csv:11: a quote inside a cell that does not start with one'),
    ('a CSV date that is not real', 'schools.csv', csv_case(lambda t: t.replace('14/03/2018', '31/02/2018')), [],
     1, r'schools\.csv:4: column D \(ngày\): "31/02/2018" is not a real date'),
    ('a CSV with the same school twice', 'schools.csv',
     csv_case(lambda t: t.replace('TH Kim Xuyên', 'TH Lai Vu')), [],
     1, r'schools\.csv:\d+: column C \(trường\): "TH Lai Vu" is listed twice \(also in row 4'),
]


def main():
    a = parse_args()
    env = dict(os.environ, VANTHU_TEMPLATES=os.path.join(a.build, 'templates'))
    seed = open(os.path.join(a.source, BATCH), 'rb').read()
    with tempfile.TemporaryDirectory(prefix='vt-bad-sheet-') as tmp:
        os.chmod(tmp, 0o755)
        plan = os.path.join(tmp, 'plan.xml')
        open(plan, 'wb').write(seed)
        for i, (name, fname, make, extra, code, pattern) in enumerate(CASES):
            d = os.path.join(tmp, 'case%d' % i)
            os.makedirs(d)
            path = os.path.join(d, fname)
            make(a.source, path)
            out = os.path.join(d, 'out')
            os.makedirs(out)
            r = run_case(a.vanthu, ['clusters', fname, '--into', plan, '-o', os.path.join(out, 'plan.xml')]
                         + extra, env, shell='cd "%s" &&' % d)
            expect(name, r, code, pattern, out)
        check(open(plan, 'rb').read() == seed, 'the plan given to --into is never changed by a failed run')

        # bad plans and targets
        good = os.path.join(tmp, 'good.xlsx')
        rows, merges = good_rows(a.source)
        write_xlsx(good, [('Cụm', rows, merges)])
        out = os.path.join(tmp, 'out-targets')
        os.makedirs(out)
        notplan = os.path.join(tmp, 'doc.xml')
        open(notplan, 'w').write('<document/>')
        noinv = os.path.join(tmp, 'noinv.xml')
        open(noinv, 'wb').write(re.sub(rb'<invitation>.*</invitation>', b'', seed, flags=re.S))
        for label, args, code, pattern in (
            ('--into a file that is not a plan', ['--into', notplan, '-o', os.path.join(out, 'x.xml')],
             1, r'doc\.xml: not a vanthu plan'),
            ('--into a plan that cannot make a batch', ['--into', noinv, '-o', os.path.join(out, 'x.xml')],
             1, r'invitation'),
            ('--into a plan that is not there', ['--into', os.path.join(tmp, 'nope.xml'),
                                                 '-o', os.path.join(out, 'x.xml')],
             3, r'nope\.xml: cannot read the plan'),
            ('a spreadsheet that is not there', [], 3, r'cannot read the file'),
            ('-o a folder', ['-o', out], 3, r'out-targets: the output path is a folder'),
            ('an unknown option', ['--sheets', 'x'], 2, r'unknown option'),
        ):
            src = os.path.join(tmp, 'missing.xlsx') if 'not there' in label and 'spreadsheet' in label else good
            r = run_case(a.vanthu, ['clusters', src] + args, env)
            expect(label, r, code, pattern, out)
        r = run_case(a.vanthu, ['import', '--clusters'], env)
        check(r is not None and r.returncode == 2, 'import --clusters without a file is bad usage')
        reg = os.path.join(tmp, 'register.sqlite')
        r = run_case(a.vanthu, ['issue', os.path.join(a.source, 'plans/muong-cha-2023-ke-hoach-sinh-hoat-cum-truong.xml'),
                                '--register', reg, '--date', '2026-11-23', '-o', os.path.join(tmp, 'archive')], env)
        check(r is not None and r.returncode == 0, 'a register to export')
        r = run_case(a.vanthu, ['register', 'export', '--format', 'xlsx', '-o', out, '--register', reg], env)
        expect('export xlsx onto a folder', r, 3, r'the output path is a folder', out)
        r = run_case(a.vanthu, ['register', 'export', '--format', 'xlsx', '-o',
                                os.path.join(tmp, 'no', 'such', 'dir', 'b.xlsx'), '--register', reg], env)
        expect('export xlsx into a folder that is not there', r, 3, r'b\.xlsx: cannot write the file', out)
    print('%d passed, %d failed' % (RESULTS['passed'], RESULTS['failed']))
    return 1 if RESULTS['failed'] else 0


if __name__ == '__main__':
    sys.exit(main())
