#!/usr/bin/env python3
"""Integration tests: the real vanthu binary, real templates, real
LibreOffice (headless) opening every produced document, real unzip -t.

Each check prints "ok"/"FAIL"; the last line is "N passed, M failed" and the
exit code is non-zero on any failure.
"""
import argparse
import glob
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
import xml.etree.ElementTree as ET

W = '{http://schemas.openxmlformats.org/wordprocessingml/2006/main}'
RESULTS = {'passed': 0, 'failed': 0}


def check(cond, what):
    if cond:
        RESULTS['passed'] += 1
        print('ok   ', what)
    else:
        RESULTS['failed'] += 1
        print('FAIL ', what)
    return cond


# VT_WRAP="valgrind --error-exitcode=99 ..." runs every vanthu command of
# the tests under that tool (scripts/test does, for memcheck).
WRAP = os.environ.get('VT_WRAP', '').split()


def parse_args(load=False):
    """The options every test script takes, as absolute paths."""
    ap = argparse.ArgumentParser()
    ap.add_argument('--vanthu', required=True)
    ap.add_argument('--source', required=True)
    ap.add_argument('--build', required=True)
    if load:
        ap.add_argument('--load', type=int, default=250, help='issues per process in the load test')
    a = ap.parse_args()
    for k in ('vanthu', 'source', 'build'):
        setattr(a, k, os.path.abspath(getattr(a, k)))
    return a


def sanitized(build):
    """ASan's shadow memory and quarantine multiply RSS: memory bounds are
    scaled for a sanitizer build (VANTHU_SANITIZE in the CMake cache)."""
    try:
        return 'VANTHU_SANITIZE:BOOL=ON' in open(os.path.join(build, 'CMakeCache.txt')).read()
    except OSError:
        return False


def peak_rss(cmd, env, timeout=300):
    """(returncode, stderr text, peak RSS in KiB) of cmd, measured by GNU
    time: Linux keeps a process's peak RSS across exec, so a child forked
    straight from this Python (holding big test inputs) would report
    Python's peak, while time's own is small.  Raises TimeoutExpired."""
    with tempfile.NamedTemporaryFile(prefix='vt-rss-') as f:
        r = subprocess.run(['/usr/bin/time', '-f', '%M', '-o', f.name] + cmd,
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env,
                           timeout=timeout)
        kb = open(f.name).read().split()
    return r.returncode, r.stderr.decode('utf-8', 'replace'), int(kb[-1]) if kb else 10 ** 9


def run(args, **kw):
    if WRAP and args and os.path.basename(str(args[0])) == 'vanthu':
        args = WRAP + list(args)
    return subprocess.run(args, capture_output=True, text=True, **kw)


def ooxml_validator(src):
    """The ECMA-376 schema validator shipped beside the project
    (../shared/ooxml/validate.sh, a sibling of the source folder), or None
    when that folder is absent (a checkout on its own)."""
    p = os.path.join(os.path.dirname(os.path.abspath(src)), 'shared', 'ooxml', 'validate.sh')
    return p if os.path.isfile(p) else None


def check_ooxml(src, paths, what):
    """Every DOCX in paths (files or folders) passes the schema validator:
    Word for the web calls a file with one schema error corrupt. Without
    the validator the check is skipped with a note, not counted."""
    v = ooxml_validator(src)
    if v is None:
        print('skip  %s: no OOXML validator at ../shared/ooxml/validate.sh beside the source folder'
              % what)
        return True
    paths = list(paths) if isinstance(paths, (list, tuple)) else [paths]
    r = subprocess.run([v, '--quiet-info'] + paths, capture_output=True, text=True)
    findings = [l for l in r.stdout.splitlines() if l.strip() and not l.startswith('    |')]
    return check(r.returncode == 0 and bool(paths), '%s: the OOXML schema validator finds nothing%s'
                 % (what, '' if r.returncode == 0 else ' (exit %d: %s)'
                    % (r.returncode, ' | '.join(findings + r.stderr.strip().splitlines())[:600])))


class Office:
    """LibreOffice headless with a private profile, so parallel or repeated
    runs never fight over ~/.config."""

    def __init__(self, tmp):
        self.profile = 'file://' + os.path.join(tmp, 'lo-profile')

    def convert(self, src, fmt, outdir):
        """Convert one file, or a list of files in one LibreOffice run."""
        os.makedirs(outdir, exist_ok=True)
        srcs = src if isinstance(src, list) else [src]
        r = run(['soffice', '-env:UserInstallation=' + self.profile,
                 '--headless', '--convert-to', fmt, '--outdir', outdir] + srcs,
                timeout=900)
        return r


def norm(s):
    return ' '.join(s.split()).lower()


def words_in_order(text, expected_lines):
    """Every expected line occurs in text, in order (case and white space
    folded). Returns the first line that does not."""
    hay = norm(text)
    pos = 0
    for line in expected_lines:
        n = norm(line)
        i = hay.find(n, pos)
        if i < 0:
            return line
        pos = i + len(n)
    return None


def read_expected(path):
    with open(path, encoding='utf-8') as f:
        return [l.rstrip('\n') for l in f if l.strip() and not l.startswith('#')]


def styles_of(z):
    root = ET.fromstring(z.read('word/styles.xml'))
    styles = {}
    for s in root.iter(W + 'style'):
        styles[s.get(W + 'styleId')] = s
    return root, styles


def style_prop(styles, sid, path, attr='val'):
    """A property of a style, following basedOn like Word does."""
    while sid:
        s = styles.get(sid)
        if s is None:
            return None
        el = s.find(path)
        if el is not None:
            return el.get(W + attr, 'true') if attr else el
        b = s.find(W + 'basedOn')
        sid = b.get(W + 'val') if b is not None else None
    return None


def check_nd30_layout(docx, name):
    z = zipfile.ZipFile(docx)
    doc = ET.fromstring(z.read('word/document.xml'))
    sroot, styles = styles_of(z)
    body = doc.find(W + 'body')
    sect = body.find(W + 'sectPr')
    pgsz = sect.find(W + 'pgSz')
    check(pgsz.get(W + 'w') == '11906' and pgsz.get(W + 'h') == '16838'
          and pgsz.get(W + 'orient') in (None, 'portrait'), name + ': A4 portrait')
    m = sect.find(W + 'pgMar')
    top, bottom, left, right = (int(m.get(W + k)) for k in ('top', 'bottom', 'left', 'right'))
    check(1134 <= top <= 1418 and 1134 <= bottom <= 1418 and 1701 <= left <= 1985
          and 850 <= right <= 1134, name + ': margins 20-25/20-25/30-35/15-20 mm')
    check(sect.find(W + 'titlePg') is not None, name + ': first page has its own header (page 1 unnumbered)')
    hrefs = {h.get(W + 'type'): h.get('{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id')
             for h in sect.findall(W + 'headerReference')}
    rels = ET.fromstring(z.read('word/_rels/document.xml.rels'))
    target = {r.get('Id'): r.get('Target') for r in rels}
    default_hdr = z.read('word/' + target[hrefs['default']]).decode()
    first_hdr = z.read('word/' + target[hrefs['first']]).decode()
    check('PAGE' in default_hdr and 'PAGE' not in first_hdr,
          name + ': PAGE field in the header, none on page 1')
    hroot = ET.fromstring(default_hdr)
    hp = hroot.find('.//' + W + 'pStyle').get(W + 'val')
    check(style_prop(styles, hp, W + 'pPr/' + W + 'jc') == 'center'
          and 26 <= int(style_prop(styles, hp, W + 'rPr/' + W + 'sz')) <= 28
          and style_prop(styles, hp, W + 'rPr/' + W + 'i') is None,
          name + ': page number centred, 13-14 pt, upright')
    defaults = sroot.find(W + 'docDefaults')
    fonts = defaults.find('.//' + W + 'rFonts')
    check(all(fonts.get(W + k) == 'Times New Roman' for k in ('ascii', 'hAnsi', 'cs', 'eastAsia')),
          name + ': Times New Roman')
    check(defaults.find('.//' + W + 'lang').get(W + 'val') == 'vi-VN', name + ': language vi-VN')

    default_sz = int(defaults.find('.//' + W + 'sz').get(W + 'val'))

    def sz(sid):
        return int(style_prop(styles, sid, W + 'rPr/' + W + 'sz') or default_sz) / 2

    def on(sid, prop):
        v = style_prop(styles, sid, W + 'rPr/' + W + prop)
        return v is not None and v not in ('0', 'false')

    def para_styles():
        for p in body.iter(W + 'p'):
            ps = p.find(W + 'pPr/' + W + 'pStyle')
            yield (ps.get(W + 'val') if ps is not None else 'Normal'), p

    def text(p):
        return ''.join(t.text or '' for t in p.iter(W + 't'))

    used = {}
    for sid, p in para_styles():
        used.setdefault(sid, []).append(text(p))
    rules = [
        ('VtQuocHieu', 12, 13, True, False),
        ('VtTieuNgu', 13, 14, True, False),
        ('VtCoQuan', 12, 13, True, False),
        ('VtSo', 13, 13, False, False),
        ('VtDiaDanh', 13, 14, False, True),
        ('VtNoiNhanLabel', 12, 12, True, True),
        ('VtNoiNhan', 11, 11, False, False),
        ('VtChucVu', 13, 14, True, False),
        ('VtNguoiKy', 13, 14, True, False),
        ('VtBody', 13, 14, False, False),
    ]
    for sid, lo, hi, bold, italic in rules:
        check(sid in used and lo <= sz(sid) <= hi and on(sid, 'b') == bold and on(sid, 'i') == italic,
              '%s: %s is %g-%g pt%s%s' % (name, sid, lo, hi, ', bold' if bold else '', ', italic' if italic else ''))
    check(used.get('VtQuocHieu') == ['CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM']
          and used.get('VtTieuNgu') == ['Độc lập - Tự do - Hạnh phúc'], name + ': Quốc hiệu and Tiêu ngữ text')
    check(all(t == t.upper() for t in used.get('VtCoQuan', []) + used.get('VtChucVu', [])),
          name + ': agency and signature titles in capitals')
    if 'VtCoQuanChuQuan' in used:
        check(12 <= sz('VtCoQuanChuQuan') <= 13 and not on('VtCoQuanChuQuan', 'b'),
              name + ': parent body 12-13 pt, not bold')
    so = used['VtSo'][0]
    check(re.fullmatch(r'Số: (\d{2,}| +)/\S+', so) is not None, name + ': "Số: NN/KÝ-HIỆU" with leading zero: ' + so)
    dd = used['VtDiaDanh'][0]
    mm = re.search(r'ngày (\d\d| +) tháng (\d+| +) năm \d{4}$', dd)
    ok = mm is not None
    if ok and mm.group(2).strip():
        ok = (mm.group(2) in ('01', '02')) or (not mm.group(2).startswith('0'))
    check(ok, name + ': date written as the decree says: ' + dd)
    jc = style_prop(styles, 'VtBody', W + 'pPr/' + W + 'jc')
    ind = style_prop(styles, 'VtBody', W + 'pPr/' + W + 'ind', attr=None)
    sp = style_prop(styles, 'VtBody', W + 'pPr/' + W + 'spacing', attr=None)
    check(jc == 'both' and ind.get(W + 'firstLine') in ('567', '720')
          and int(sp.get(W + 'before')) >= 120 and 240 <= int(sp.get(W + 'line')) <= 360,
          name + ': body justified, indent 1 or 1.27 cm, >= 6 pt before, line 1-1.5')
    nn = used['VtNoiNhan']
    check(all(t.startswith('- ') for t in nn) and all(t.endswith(';') for t in nn[:-1])
          and nn[-1].startswith('- Lưu: VT') and nn[-1].endswith('.'),
          name + ': Nơi nhận items end ";", the Lưu line ends "."')
    # body ends with ./.
    bodytexts = used.get('VtBody', [])
    check(any(t.endswith('./.') for t in bodytexts), name + ': body ends with "./."')
    # short rules: bottom-bordered empty paragraphs with symmetric indents
    rules_found = [p for sid, p in para_styles() if sid == 'VtRule']
    sym = all(r.find(W + 'pPr/' + W + 'ind').get(W + 'left') == r.find(W + 'pPr/' + W + 'ind').get(W + 'right')
              for r in rules_found)
    check(len(rules_found) >= 2 and sym and style_prop(styles, 'VtRule', W + 'pPr/' + W + 'pBdr/' + W + 'bottom') is not None,
          name + ': rules under the agency and Tiêu ngữ, centred')
    # the header is a borderless two-column table
    tbl = body.find(W + 'tbl')
    borders = tbl.find(W + 'tblPr/' + W + 'tblBorders')
    check(len(tbl.find(W + 'tblGrid')) == 2 and all(b.get(W + 'val') == 'nil' for b in borders),
          name + ': header is a borderless two-column table')
    return used


def check_tables(docx, name):
    z = zipfile.ZipFile(docx)
    doc = ET.fromstring(z.read('word/document.xml'))
    tables = [t for t in doc.iter(W + 'tbl')
              if t.find(W + 'tblPr/' + W + 'tblStyle') is not None]
    for t in tables:
        ncols = len(t.find(W + 'tblGrid'))
        ok = True
        for tr in t.findall(W + 'tr'):
            span = 0
            for tc in tr.findall(W + 'tc'):
                gs = tc.find(W + 'tcPr/' + W + 'gridSpan')
                span += int(gs.get(W + 'val')) if gs is not None else 1
            ok &= span == ncols
        check(ok, name + ': every table row fills its %d grid columns' % ncols)
    return tables


def main():
    a = parse_args()
    vanthu = a.vanthu
    src = a.source
    tmp = tempfile.mkdtemp(prefix='vanthu-it-')
    office = Office(tmp)
    env = dict(os.environ, VANTHU_TEMPLATES=os.path.join(a.build, 'templates'))
    plans = sorted(glob.glob(os.path.join(src, 'plans', '*.xml')))
    check(len(plans) >= 3, 'at least the three seed plans are in plans/')
    rng = os.path.join(src, 'plans', 'vanthu-plan.rng')
    for plan in plans:
        r = run(['xmllint', '--noout', '--nonet', '--relaxng', rng, plan])
        check(r.returncode == 0, os.path.basename(plan) + ': valid against plans/vanthu-plan.rng')
    try:
        for plan in plans:
            base = os.path.splitext(os.path.basename(plan))[0]
            out1 = os.path.join(tmp, base + '.docx')
            out2 = os.path.join(tmp, base + '-again.docx')
            if is_batch(plan):
                r = run([vanthu, 'render', plan, '-o', out1], env=env)
                check(r.returncode == 1 and 'vanthu invite' in r.stderr and not os.path.exists(out1),
                      base + ': a batch plan is refused by render and pointed to invite')
                continue
            r = run([vanthu, 'render', plan, '-o', out1], env=env)
            check(r.returncode == 0, base + ': renders (' + r.stderr.strip() + ')')
            if r.returncode:
                continue
            r2 = run([vanthu, 'render', plan, '-o', out2], env=env)
            check(r2.returncode == 0 and open(out1, 'rb').read() == open(out2, 'rb').read(),
                  base + ': two renders are byte-identical')
            z = run(['unzip', '-t', out1])
            check(z.returncode == 0 and 'No errors detected' in z.stdout, base + ': unzip -t')
            check_ooxml(src, out1, base)
            used = check_nd30_layout(out1, base)
            if 'giay-moi' in base:
                body = ' '.join(used.get('VtBody', []))
                check('trân trọng kính mời: ' in body and 'Tới dự ' in body and 'Thời gian: ' in body
                      and 'Địa điểm: ' in body and 'Chủ trì: ' in body and 'GIẤY MỜI' in used.get('VtTenLoai', []),
                      base + ': Mẫu 1.7 wording from the template')
            check_tables(out1, base)
            # LibreOffice opens it: PDF with pages and text; plain text for wording
            office.convert(out1, 'pdf', os.path.join(tmp, 'pdf'))
            pdf = os.path.join(tmp, 'pdf', base + '.pdf')
            info = run(['pdfinfo', pdf])
            pages = re.search(r'Pages:\s+(\d+)', info.stdout)
            check(pages is not None and int(pages.group(1)) >= 1, base + ': LibreOffice converts it to PDF')
            ptxt = run(['pdftotext', pdf, '-']).stdout
            check('CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM' in ptxt and 'Nơi nhận:' in ptxt,
                  base + ': the PDF carries the Quốc hiệu and Nơi nhận text')
            office.convert(out1, 'txt:Text (encoded):UTF8', os.path.join(tmp, 'txt'))
            txt = open(os.path.join(tmp, 'txt', base + '.txt'), encoding='utf-8-sig').read()
            exp = os.path.join(src, 'tests', 'integration', 'expected', base + '.txt')
            if os.path.exists(exp):
                lines = read_expected(exp)
                missing = words_in_order(txt, lines)
                check(missing is None, '%s: all %d expected lines of the seed, in order%s'
                      % (base, len(lines), '' if missing is None else ' (first missing: %r)' % missing))

        check_ooxml(src, os.path.join(a.build, 'templates'), 'the built templates')
        # templates re-saved by LibreOffice still work
        resaved = os.path.join(tmp, 'resaved')
        for tpl in sorted(glob.glob(os.path.join(a.build, 'templates', '*.docx'))):
            office.convert(tpl, 'docx:MS Word 2007 XML', resaved)
            rt = os.path.join(resaved, os.path.basename(tpl))
            check(os.path.exists(rt), os.path.basename(tpl) + ': LibreOffice re-saves the template')
            r = run([vanthu, 'validate', rt])
            check(r.returncode == 0, os.path.basename(tpl) + ': re-saved template is still valid (' + r.stderr.strip() + ')')
        fam = {'kim-thanh-2018-cong-van-sinh-hoat-cum-truong': 'mau-1.5'}
        for plan in plans:
            base = os.path.splitext(os.path.basename(plan))[0]
            exp = os.path.join(src, 'tests', 'integration', 'expected', base + '.txt')
            if not os.path.exists(exp):
                continue
            rt = os.path.join(resaved, fam.get(base, 'mau-1.4') + '.docx')
            out = os.path.join(tmp, 'resaved-' + base + '.docx')
            r = run([vanthu, 'render', plan, '-t', rt, '-o', out])
            check(r.returncode == 0, base + ': renders with the re-saved template (' + r.stderr.strip() + ')')
            if r.returncode:
                continue
            check_ooxml(src, out, base + ' with the re-saved template')
            office.convert(out, 'txt:Text (encoded):UTF8', os.path.join(tmp, 'txt2'))
            txt = open(os.path.join(tmp, 'txt2', 'resaved-' + base + '.txt'), encoding='utf-8-sig').read()
            missing = words_in_order(txt, read_expected(exp))
            check(missing is None, base + ': wording intact with the re-saved template%s'
                  % ('' if missing is None else ' (first missing: %r)' % missing))

        bad_input(vanthu, src, tmp, env)
        invite_seed(vanthu, src, tmp, env, office)
        invite_many(vanthu, src, tmp, env)
        invite_bad(vanthu, src, tmp, env)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print('%d passed, %d failed' % (RESULTS['passed'], RESULTS['failed']))
    return 1 if RESULTS['failed'] else 0


GOOD = '''<?xml version="1.0" encoding="UTF-8"?>
<plan type="thong-bao">
  <agency><name abbr="PGDĐT">Phòng Giáo dục và Đào tạo</name><place>Kim Thành</place></agency>
  <number>5</number>
  <date>2020-03-05</date>
  <subject>Lịch họp</subject>
  <body><p>Nội dung.</p></body>
  <copies-to><archive>VT</archive></copies-to>
  <signature><title>Trưởng phòng</title><name>Nguyễn Văn A</name></signature>
</plan>
'''


def bad_input(vanthu, src, tmp, env):
    d = os.path.join(tmp, 'bad')
    os.makedirs(d)

    def case(label, text, expect_code, pattern, tpl=None):
        p = os.path.join(d, label + '.xml')
        with open(p, 'w', encoding='utf-8') as f:
            f.write(text)
        out = os.path.join(d, label + '.docx')
        args = [vanthu, 'render', p, '-o', out] + (['-t', tpl] if tpl else [])
        r = run(args, env=env)
        check(r.returncode == expect_code and re.search(pattern, r.stderr) is not None
              and not os.path.exists(out) and not glob.glob(out + '.tmp-*'),
              'bad input %s: exit %d, message %r, no file (got %d: %s)'
              % (label, expect_code, pattern, r.returncode, ' | '.join(r.stderr.strip().splitlines())[:300]))

    ok = run([vanthu, 'render', os.path.join(d, 'none.xml')], env=env)
    check(ok.returncode == 3 and 'cannot read the plan' in ok.stderr, 'a missing plan is an I/O error (exit 3)')
    case('not-well-formed', GOOD.replace('</subject>', ''), 1, r'not-well-formed\.xml:\d+:\d+: not well-formed XML')
    case('impossible-date', GOOD.replace('2020-03-05', '2020-02-30'), 1,
         r'impossible-date\.xml:5:3: <date> "2020-02-30" is not a real date: month 2 of 2020 has 29 days')
    case('unknown-type', GOOD.replace('thong-bao', 'bien-ban-xyz'), 1,
         r'unknown-type\.xml:2:1: <plan type="bien-ban-xyz"> is not a Decree 30 document type')
    case('no-signer', re.sub(r'<signature>.*</signature>', '', GOOD), 1,
         r'no-signer\.xml:2:1: <plan> is missing <signature>')
    case('all-at-once', GOOD.replace('2020-03-05', '2020-13-01').replace('<name>Nguyễn Văn A</name>', ''), 1,
         r'(?s)there is no month 13.*missing <name>')
    case('doctype', GOOD.replace('<plan type', '<!DOCTYPE plan [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n<plan type'),
         1, r'a DOCTYPE is not allowed')
    # templates
    notzip = os.path.join(d, 'not-a-docx.docx')
    with open(notzip, 'w') as f:
        f.write('hello')
    case('template-not-docx', GOOD, 1, r'not-a-docx\.docx: not a DOCX file', tpl=notzip)
    unknown = os.path.join(d, 'unknown-placeholder.docx')
    fam = os.path.join(d, 'fam', 'word')
    os.makedirs(fam)
    doc = open(os.path.join(src, 'templates', 'mau-1.4', 'word', 'document.xml'), encoding='utf-8').read()
    with open(os.path.join(fam, 'document.xml'), 'w', encoding='utf-8') as f:
        f.write(doc.replace('{{>title}}', '{{>title}}</w:t></w:r></w:p><w:p><w:r><w:t>{{so_van_ban}}'))
    r = run([vanthu, 'pack', os.path.join(src, 'templates', 'common'), os.path.dirname(fam), '-o', unknown])
    check(r.returncode == 0, 'pack a template with an unknown placeholder')
    check_ooxml(src, unknown, 'a packed template')
    case('template-unknown-placeholder', GOOD, 1,
         r'unknown-placeholder\.docx: word/document\.xml:\d+: unknown placeholder \{\{so_van_ban\}\}', tpl=unknown)
    # the output path is a folder
    first_plan = sorted(glob.glob(os.path.join(src, 'plans', '*.xml')))[0]
    r = run([vanthu, 'render', first_plan, '-o', d], env=env)
    check(r.returncode == 3 and 'is a folder' in r.stderr, 'an output path that is a folder is refused (exit 3)')
    r = run([vanthu, 'render'])
    check(r.returncode == 2, 'usage error exits 2')
    r = run([vanthu, '--version'])
    check(r.returncode == 0 and r.stdout.startswith('vanthu '), '--version')
    for c in ('render', 'validate', 'pack'):
        r = run([vanthu, c, '--help'])
        check(r.returncode == 0 and 'usage: vanthu ' + c in r.stdout, c + ' --help')


def is_batch(plan):
    text = open(plan, encoding='utf-8').read()
    return '<clusters>' in text and '<invitation>' in text and '<time>' not in text


SEED_BATCH = 'kim-thanh-2018-giay-moi-sinh-hoat-cum-truong.xml'
# the seed's "Thời gian, địa điểm": cluster -> (day, host school)
SEED_CLUSTERS = {'Cụm số 1': (14, 'TH Thượng Vũ'), 'Cụm số 2': (15, 'TH Kim Lương'),
                 'Cụm số 3': (20, 'TH Ngũ Phúc'), 'Cụm số 4': (21, 'TH Đồng Gia')}


def read_manifest(d):
    import csv
    with open(os.path.join(d, 'manifest.csv'), encoding='utf-8-sig', newline='') as f:
        return list(csv.DictReader(f))


def sha256_file(path):
    return hashlib.sha256(open(path, 'rb').read()).hexdigest()


def invite_seed(vanthu, src, tmp, env, office):
    """Every letter of the seed-000 batch, per cluster (4) and per school
    (24), opens in LibreOffice and names its school, date, time and venue."""
    plan = os.path.join(src, 'plans', SEED_BATCH)
    for per, count in (('cluster', 4), ('school', 24)):
        d = os.path.join(tmp, 'invite-' + per)
        r = run([vanthu, 'invite', plan, '-o', d, '--per', per], env=env)
        check(r.returncode == 0 and ('%d letters for 4 clusters written' % count) in r.stderr,
              'seed batch per %s: %d letters and a summary line (%s)' % (per, count, r.stderr.strip()[:200]))
        rows = read_manifest(d)
        files = sorted(glob.glob(os.path.join(d, '*.docx')))
        check(len(files) == count and len(rows) == count, 'seed batch per %s: %d files, %d manifest rows'
              % (per, len(files), len(rows)))
        z = [run(['unzip', '-tq', f]) for f in files]
        check(all(x.returncode == 0 for x in z), 'seed batch per %s: unzip -t passes for every letter' % per)
        r = office.convert(files, 'pdf', os.path.join(d, 'pdf'))
        bad = []
        for row in rows:
            pdf = os.path.join(d, 'pdf', row['file'][:-5] + '.pdf')
            if not os.path.exists(pdf):
                bad.append(row['file'] + ': no PDF')
                continue
            text = norm(run(['pdftotext', pdf, '-']).stdout)
            day, host = SEED_CLUSTERS[row['cluster']]
            want = ['ngày %d tháng 3 năm 2018' % day, '7 giờ 30 phút', 'trường ' + host.lower(),
                    'giấy mời', 'số: %s' % row['ky_hieu'].lower(), row['cluster'].lower()]
            want += [s.strip().lower() for s in row['recipient'].split(';')]
            if per == 'school':
                want.append('kính gửi: ' + row['recipient'].lower())
            missing = [w for w in want if norm(w) not in text]
            if missing:
                bad.append('%s lacks %r' % (row['file'], missing))
        check(not bad, 'seed batch per %s: every letter converts to PDF in LibreOffice and names its '
              'school(s), date, time and venue%s' % (per, '' if not bad else ' ' + '; '.join(bad)[:400]))
        check_ooxml(src, files, 'seed batch per %s: every letter' % per)
        sums_ok = all(sha256_file(os.path.join(d, row['file'])) == row['sha256'] for row in rows)
        check(sums_ok, 'seed batch per %s: manifest checksums match the files' % per)
    # the per-school copies of one cluster share its number; clusters differ
    rows = read_manifest(os.path.join(tmp, 'invite-school'))
    by_cluster = {}
    for row in rows:
        by_cluster.setdefault(row['cluster'], set()).add(row['number'])
    check(all(len(v) == 1 for v in by_cluster.values()) and
          sorted(int(next(iter(v))) for v in by_cluster.values()) == [86, 87, 88, 89],
          'seed batch: the school copies of a cluster share one number; clusters are 86-89')


def invite_many(vanthu, src, tmp, env):
    """A generated 1,000-letter batch: 1,000 valid DOCX files, checksums that
    match, and the same bytes with -j1 and -j2."""
    plan = os.path.join(tmp, 'many.xml')
    r = run([sys.executable, os.path.join(src, 'tests', 'bench', 'gen_plan.py'), '100', '10', plan])
    check(r.returncode == 0, 'generate a 100 x 10 batch plan')
    outs = {}
    for j in ('1', '2'):
        d = os.path.join(tmp, 'many-j' + j)
        r = run([vanthu, 'invite', plan, '-o', d, '--per', 'school', '-j', j], env=env)
        check(r.returncode == 0 and '1000 letters' in r.stderr and '\r' not in r.stderr,
              '1,000 letters with -j%s, a summary and no progress bar off a terminal (%s)'
              % (j, r.stderr.strip()[:200]))
        outs[j] = d
    d = outs['1']
    files = sorted(f for f in os.listdir(d) if f.endswith('.docx'))
    check(len(files) == 1000, '1,000 files written (%d)' % len(files))
    bad = [f for f in files if run(['unzip', '-tq', os.path.join(d, f)]).returncode != 0]
    check(not bad, 'unzip -t passes for all 1,000 (%s)' % bad[:3])
    check_ooxml(src, d, 'all 1,000 letters')
    bad = []
    for f in files:
        with zipfile.ZipFile(os.path.join(d, f)) as z:
            try:
                ET.fromstring(z.read('word/document.xml'))
            except ET.ParseError as e:
                bad.append('%s: %s' % (f, e))
    check(not bad, 'every word/document.xml is well-formed (%s)' % bad[:3])
    rows = read_manifest(d)
    check(len(rows) == 1000 and all(sha256_file(os.path.join(d, r['file'])) == r['sha256'] for r in rows),
          'manifest.csv has 1,000 rows whose SHA-256 match the files')
    import json
    js = json.load(open(os.path.join(d, 'manifest.json'), encoding='utf-8'))
    check(js['count'] == 1000 and [l['sha256'] for l in js['letters']] == [r['sha256'] for r in rows],
          'manifest.json agrees with manifest.csv')
    same = sorted(os.listdir(outs['1'])) == sorted(os.listdir(outs['2'])) and all(
        open(os.path.join(outs['1'], f), 'rb').read() == open(os.path.join(outs['2'], f), 'rb').read()
        for f in os.listdir(outs['1']))
    check(same, '-j1 and -j2 give byte-identical folders')
    check(not glob.glob(os.path.join(d, '*.tmp-*')) and not glob.glob(os.path.join(tmp, '.many-j*')),
          'no temporary files or staging folders left behind')
    # on a terminal, stderr shows a progress bar with rate and ETA
    import pty
    import time as _time
    out = os.path.join(tmp, 'many-tty')
    big = os.path.join(tmp, 'many-tty.xml')
    run([sys.executable, os.path.join(src, 'tests', 'bench', 'gen_plan.py'), '400', '10', big])
    master, slave = pty.openpty()
    t0 = _time.perf_counter()
    p = subprocess.Popen([vanthu, 'invite', big, '-o', out, '--per', 'school', '-j', '1'],
                         stderr=slave, stdout=subprocess.DEVNULL, env=env)
    os.close(slave)
    seen = b''
    while True:
        try:
            chunk = os.read(master, 4096)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
    p.wait()
    took = _time.perf_counter() - t0
    os.close(master)
    text = seen.decode('utf-8', 'replace')
    bar = re.search(r'\[[#-]+\] \d+/4000  \d+ letters/s  ETA \d+:\d\d', text) is not None
    check(p.returncode == 0 and '4000 letters' in text and (bar or took < 0.2),
          'on a terminal: a progress bar with count, rate and ETA, then the summary (%.2f s, bar %s)'
          % (took, bar))


def invite_bad(vanthu, src, tmp, env):
    plan = os.path.join(src, 'plans', SEED_BATCH)
    text = open(plan, encoding='utf-8').read()
    d = os.path.join(tmp, 'invite-bad')
    os.makedirs(d)

    def case(label, body, args, code, pattern):
        p = os.path.join(d, label + '.xml')
        with open(p, 'w', encoding='utf-8') as f:
            f.write(body)
        out = os.path.join(d, label)
        r = run([vanthu, 'invite', p, '-o', out] + args, env=env)
        left = os.listdir(out) if os.path.isdir(out) else []
        check(r.returncode == code and re.search(pattern, r.stderr) is not None and not left,
              'invite bad input %s: exit %d, message %r, nothing written (got %d: %s)'
              % (label, code, pattern, r.returncode, ' | '.join(r.stderr.strip().splitlines())[:300]))

    no_school = re.sub(r'(<cluster name="Cụm số 2"[^>]*>)(.*?)(</cluster>)',
                       lambda m: m.group(1) + re.sub(r'<school>[^<]*</school>', '', m.group(2)) + m.group(3),
                       text, flags=re.S)
    case('no-schools', no_school, [], 1, r'no-schools\.xml:\d+:\d+: <cluster name="Cụm số 2"> has no <school>')
    both = text.replace(' date="2018-03-20"', '').replace('<venue>Trường TH Đồng Gia</venue>', '')
    case('no-date-no-venue', both, [], 1,
         r'(?s)<cluster name="Cụm số 3"> has no date=.*<cluster name="Cụm số 4"> has no <venue>')
    twice = text.replace('<school>TH Kim Tân</school>', '<school>TH Lai Vu</school>')
    case('school-twice', twice, [], 1, r'<school> "TH Lai Vu" is listed twice \(in "Cụm số 1" and "Cụm số 3"\)')
    case('template-without-placeholders', text,
         ['-t', os.path.join(os.path.dirname(env['VANTHU_TEMPLATES']), 'templates', 'mau-1.4.docx')], 1,
         r'not an invitation template: it has no \{\{invitee\}\}')
    case('bad-per', text, ['--per', 'district'], 2, r'--per must be cluster or school')
    # a folder that is not empty is refused unless --force
    full = os.path.join(d, 'full')
    os.makedirs(full)
    open(os.path.join(full, 'keep.txt'), 'w').write('x')
    r = run([vanthu, 'invite', plan, '-o', full], env=env)
    check(r.returncode == 2 and 'is not empty' in r.stderr and os.listdir(full) == ['keep.txt'],
          'invite into a non-empty folder is refused (exit 2), nothing written')
    r = run([vanthu, 'invite', plan, '-o', full, '--force'], env=env)
    check(r.returncode == 0 and len(os.listdir(full)) == 4 + 2 + 1, 'with --force it writes beside the old file')
    check_ooxml(src, full, 'letters written with --force')
    r = run([vanthu, 'invite', plan, '-o', os.path.join(d, 'no', 'such', 'dir')], env=env)
    check(r.returncode == 3 and 'cannot create the output folder' in r.stderr,
          'invite into a folder that cannot be created: exit 3')
    dry = os.path.join(d, 'dry')
    r = run([vanthu, 'invite', plan, '-o', dry, '--per', 'school', '--dry-run'], env=env)
    check(r.returncode == 0 and len(r.stdout.splitlines()) == 24 and 'nothing written' in r.stderr
          and not os.path.exists(dry), '--dry-run lists 24 letters and writes nothing')
    r = run([vanthu, 'invite', '--help'])
    check(r.returncode == 0 and 'usage: vanthu invite' in r.stdout, 'invite --help')


if __name__ == '__main__':
    sys.exit(main())
