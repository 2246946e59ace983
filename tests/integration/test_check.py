#!/usr/bin/env python3
"""vanthu check against real documents.

1. Every plan in plans/ that renders on its own, and every letter of the
   seed invite batch, passes "vanthu check" (exit 0, --json lists no
   violations): the checker's rule table and the renderer agree.
2. Copies of a rendered document broken on purpose (their XML edited with
   zipfile) fail, each on the rule broken, named by its id in --json.
3. A document "written by hand": a seed saved as DOCX by the real
   LibreOffice from its text (no header, 10 pt, no indents, narrow
   margins) breaks many rules, and a plausible set is found.
Run by ctest as "integration_check".
"""
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_render import check, check_ooxml, parse_args, run, RESULTS  # noqa: E402

BASE = 'kim-thanh-2017-ke-hoach-sinh-hoat-to-truong'
BATCH = 'kim-thanh-2018-giay-moi-sinh-hoat-cum-truong'
SEED = '000_36e7671cf7bd5a46.txt'


def check_json(vanthu, path, env):
    """(exit code, set of rule ids, raw result) of "vanthu check --json"."""
    r = run([vanthu, 'check', '--json', path], env=env)
    try:
        doc = json.loads(r.stdout)
        rules = {v['rule'] for f in doc['files'] for v in f['violations']}
    except (ValueError, KeyError, TypeError):
        rules = None
    return r.returncode, rules, r


def edit(src, dst, part_edits):
    """Copy the DOCX src to dst with parts changed: {part: fn(text) -> text}.
    Each fn must change its part, or the broken copy would prove nothing."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, 'w', zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename in part_edits:
                text = data.decode('utf-8')
                new = part_edits[item.filename](text)
                assert new != text, 'edit of %s changed nothing' % item.filename
                data = new.encode('utf-8')
            zout.writestr(item, data)


def run_props(style, props):
    """Give every run of the paragraphs in style the run properties props."""
    def fn(x):
        pat = re.compile(r'(<w:pStyle w:val="%s"/>(?:(?!</w:p>).)*?</w:pPr>)(.*?)</w:p>' % style, re.S)

        def para(m):
            return m.group(1) + m.group(2).replace('<w:r>', '<w:r><w:rPr>%s</w:rPr>' % props) + '</w:p>'
        return pat.sub(para, x)
    return fn


def sub(pattern, repl, count=1):
    return lambda x: re.sub(pattern, repl, x, count=count, flags=re.S)


DOC = 'word/document.xml'
BROKEN = [
    # (name, edits, rule id expected)
    ('quoc-hieu-lower', {DOC: sub('CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM',
                                  'Cộng hòa xã hội chủ nghĩa Việt Nam')}, 'quoc-hieu.case'),
    ('tieu-ngu-not-bold', {DOC: run_props('VtTieuNgu', '<w:b w:val="0"/>')}, 'tieu-ngu.bold'),
    ('body-12pt', {'word/styles.xml': sub(r'(w:styleId="VtBody">(?:(?!</w:style>).)*?)</w:style>',
                                          r'\1<w:rPr><w:sz w:val="24"/><w:szCs w:val="24"/>'
                                          r'</w:rPr></w:style>')}, 'body.size'),
    ('date-unpadded', {DOC: sub(r'ngày \d\d tháng 10', 'ngày 5 tháng 10')}, 'date.padding'),
    ('month-padded', {DOC: sub(r'tháng 10 năm', 'tháng 010 năm')}, 'date.form'),
    ('no-noi-nhan', {DOC: sub('Nơi nhận:', '')}, 'noi-nhan.missing'),
    ('margins-10mm', {DOC: sub(r'<w:pgMar w:top="\d+" w:right="\d+" w:bottom="\d+" w:left="\d+"',
                               '<w:pgMar w:top="567" w:right="567" w:bottom="567" w:left="567"')},
     'page.margins'),
    ('letter-paper', {DOC: sub(r'<w:pgSz w:w="11906" w:h="16838"/>',
                               '<w:pgSz w:w="12240" w:h="15840"/>')}, 'page.size'),
    ('signer-not-bold', {DOC: run_props('VtNguoiKy', '<w:b w:val="0"/>')}, 'sign.name'),
    ('so-without-slash', {DOC: sub(r'Số: (\d+)/', r'Số: \1-')}, 'so.form'),
    ('agency-not-bold', {DOC: run_props('VtCoQuan', '<w:b w:val="0"/>')}, 'agency.bold'),
    ('noi-nhan-13pt', {DOC: run_props('VtNoiNhan', '<w:sz w:val="26"/>')}, 'noi-nhan.size'),
    ('luu-no-stop', {DOC: sub(r'(- Lưu: VT[^<]*)\.<', r'\1<')}, 'noi-nhan.luu'),
    ('authority-typo', {DOC: sub(r'(<w:pStyle w:val="VtChucVu"/></w:pPr><w:r><w:t xml:space="preserve">)',
                                 r'\1KT ')}, 'sign.authority'),
]


def rendered(vanthu, src, tmp, env):
    """Render every plan that renders on its own; the DOCX paths."""
    out = []
    for plan in sorted(glob.glob(os.path.join(src, 'plans', '*.xml'))):
        name = os.path.basename(plan)[:-4]
        if name == BATCH:
            continue
        dst = os.path.join(tmp, name + '.docx')
        r = run([vanthu, 'render', plan, '-o', dst], env=env)
        check(r.returncode == 0, '%s renders (%s)' % (name, r.stderr.strip()[:200]))
        if r.returncode == 0:
            out.append(dst)
    d = os.path.join(tmp, 'invite')
    r = run([vanthu, 'invite', os.path.join(src, 'plans', BATCH + '.xml'), '-o', d,
             '--per', 'school'], env=env)
    letters = sorted(glob.glob(os.path.join(d, '*.docx')))
    check(r.returncode == 0 and len(letters) > 1, 'the seed batch writes its letters (%d)' % len(letters))
    return out + letters


def own_output_passes(vanthu, docs, env):
    for doc in docs:
        code, rules, r = check_json(vanthu, doc, env)
        check(code == 0 and rules == set(),
              '%s passes vanthu check (exit %d%s)' % (os.path.basename(doc), code,
                                                      ', ' + r.stdout.strip()[:300] if code else ''))
    # the text report of a clean document is empty; of several, still one exit
    r = run([vanthu, 'check'] + docs, env=env)
    check(r.returncode == 0 and r.stdout == '' and r.stderr == '',
          'all %d rendered documents at once: exit 0, nothing printed' % len(docs))


def broken_copies(vanthu, src, base, tmp, env):
    made = []
    for name, edits, rule in BROKEN:
        dst = os.path.join(tmp, 'broken-' + name + '.docx')
        try:
            edit(base, dst, edits)
        except AssertionError as e:
            check(False, '%s: %s' % (name, e))
            continue
        made.append(dst)
        code, rules, r = check_json(vanthu, dst, env)
        check(code == 1 and rules is not None and rule in rules,
              'broken copy %s fails on %s (exit %d, rules %s)' % (name, rule, code, sorted(rules or [])))
        # nothing else of the document was touched, so little else may fire
        check(rules is not None and len(rules) <= 2,
              'broken copy %s: only the broken element is reported (%s)' % (name, sorted(rules or [])))
        t = run([vanthu, 'check', dst], env=env)
        line = re.compile(r'^%s: %s \([^)]*\): (paragraph \d+ "[^"]*"|document): .+$'
                          % (re.escape(dst), re.escape(rule)), re.M)
        check(t.returncode == 1 and line.search(t.stdout) is not None and t.stderr == '',
              'broken copy %s: the text report says "file: %s (ref): where: what"' % (name, rule))
    # broken for the decree, still valid for Word: the edits keep the schema
    check_ooxml(src, made, 'the broken copies')


def by_hand(vanthu, src, tmp, env):
    """A seed saved as DOCX by LibreOffice from its text."""
    soffice = shutil.which('soffice') or shutil.which('libreoffice')
    check(soffice is not None, 'LibreOffice is installed')
    if not soffice:
        return
    d = os.path.join(tmp, 'hand')
    os.makedirs(d)
    txt = os.path.join(d, 'seed.txt')
    seed = next((p for p in (os.path.join(src, '..', 'shared', 'seeds', SEED),
                             os.path.join('/work/shared/seeds', SEED)) if os.path.exists(p)), None)
    check(seed is not None, 'the seed text %s is there' % SEED)
    if not seed:
        return
    shutil.copy(seed, txt)
    prof = 'file://' + os.path.join(tmp, 'lo-profile')
    r = subprocess.run([soffice, '-env:UserInstallation=' + prof, '--headless', '--convert-to',
                        'docx', '--outdir', d, txt], capture_output=True, text=True, timeout=300)
    docx = os.path.join(d, 'seed.docx')
    check(r.returncode == 0 and os.path.exists(docx), 'LibreOffice saves the seed as DOCX')
    if not os.path.exists(docx):
        return
    code, rules, res = check_json(vanthu, docx, env)
    expected = {'quoc-hieu.missing', 'tieu-ngu.missing', 'so.missing', 'date.size', 'body.size',
                'body.indent', 'body.justify', 'noi-nhan.label', 'noi-nhan.size', 'noi-nhan.luu',
                'sign.title', 'sign.name', 'page.margins', 'page.numbers'}
    check(code == 1 and rules is not None and expected <= rules,
          'the hand-written seed breaks the expected rules (missing %s)'
          % sorted(expected - (rules or set())))
    check(rules is not None and not rules & {'date.padding', 'date.form', 'page.size'},
          'the hand-written seed: its correct date and A4 paper are not reported (%s)'
          % sorted(rules or []))


def main():
    a = parse_args()
    env = dict(os.environ)
    with tempfile.TemporaryDirectory(prefix='vt-check-') as tmp:
        docs = rendered(a.vanthu, a.source, tmp, env)
        own_output_passes(a.vanthu, docs, env)
        base = os.path.join(tmp, BASE + '.docx')
        if os.path.exists(base):
            broken_copies(a.vanthu, a.source, base, tmp, env)
        by_hand(a.vanthu, a.source, tmp, env)
    print('%d passed, %d failed' % (RESULTS['passed'], RESULTS['failed']))
    return 1 if RESULTS['failed'] else 0


if __name__ == '__main__':
    sys.exit(main())
