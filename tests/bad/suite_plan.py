#!/usr/bin/env python3
"""Hostile and unusual plans (issue 11, classes 9-11; issue 13, plan
format and lint): table grids that spans blow up, texts past the XML
reader's own limit, thousands of sections at one level, a raw "&", and the
lint warnings of `vanthu validate`.

Each case runs the real binary and checks the exit code, a regex on the
message, that nothing is left in the output folder, and the peak RSS of
vanthu (GNU time) against a bound.  Run by ctest as "bad_plan".
"""
import os
import re
import subprocess
import sys
import tempfile
import zipfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'integration'))
from test_render import RESULTS, WRAP, check, parse_args, peak_rss, run, sanitized  # noqa: E402

BASE = 'plans/kim-thanh-2018-giay-moi-cum-1.xml'
# Peak RSS a refused or rendered hostile plan may reach: the plan limit
# (16 MiB) times a small factor.  Not checked under VT_WRAP (valgrind's
# own memory would be measured).
RSS_MB = 160


def run_measured(vanthu, args, env, timeout=300):
    """(returncode, stderr, peak RSS in MiB) of one vanthu run, or None on
    a timeout."""
    try:
        rc, err, kb = peak_rss(WRAP + [vanthu] + args, env, timeout)
    except subprocess.TimeoutExpired:
        return None
    return rc, err, kb / 1024.0


def expect(label, r, code, pattern, outdir, rss=True):
    left = sorted(os.listdir(outdir)) if os.path.isdir(outdir) else []
    if r is None:
        check(False, '%s: timed out' % label)
        return
    rc, err, mb = r
    msg = ' | '.join(err.strip().splitlines())[:300]
    ok_rss = WRAP or not rss or mb < RSS_MB
    check(rc == code and re.search(pattern, err) is not None and not left and ok_rss,
          '%s: exit %d, message /%s/, nothing left, peak RSS %.0f MiB < %d '
          '(got %d: %s; left %r)' % (label, code, pattern, mb, RSS_MB, rc, msg, left))


def with_body(base, blocks):
    return base.replace('<body>', '<body>' + blocks, 1)


def grid_table(rows, cols):
    """rows x cols: one cell per row spanning every column, so the plan
    stays small while the grid is rows * cols."""
    return ('<table>' + '<col/>' * cols + ('<row><cell colspan="%d">x</cell></row>' % cols) * rows
            + '</table>')


def rowspan_table(n):
    """n x n grid from 2n cells: the first row's cells each span every row
    but the last column, the last column has a cell in every row.  Every
    covered slot is a w:tc in the output: the most output per plan byte."""
    first = '<row>' + '<cell rowspan="%d">a</cell>' % n * (n - 1) + '<cell>b</cell></row>'
    rest = '<row><cell>c</cell></row>' * (n - 1)
    return '<table>' + '<col/>' * n + first + rest + '</table>'


def sections(n, title='Mục'):
    return ''.join('<section><title>%s %d</title><p>Nội dung.</p></section>' % (title, i)
                   for i in range(1, n + 1))


def doc_text(path):
    d = zipfile.ZipFile(path).read('word/document.xml').decode()
    return re.findall(r'<w:t xml:space="preserve">([^<]*)</w:t>', d), d


BIG = 10_100_000  # past libxml2's XML_MAX_TEXT_LENGTH (10,000,000)

# (name, plan edit, extra args, exit code, message)
REFUSED = [
    ('grid-40000x40000', lambda t: with_body(t, grid_table(40000, 40000)), [], 1,
     r'grid-40000x40000\.xml:\d+:\d+: <table> has 40000 rows of 40000 columns, a grid of 1600000000 cells'
     r'.*more than the limit of 100000 \(raise it with --max-table-cells\)'),
    ('grid-wide-one-row', lambda t: with_body(t, grid_table(1, 200000)), [], 1,
     r'<table> has 200000 cells|a grid of 200000 cells.*--max-table-cells'),
    ('grid-past-raised-limit', lambda t: with_body(t, grid_table(2000, 600)), ['--max-table-cells', '1000000'], 1,
     r'2000 rows of 600 columns.*limit of 1000000 \(raise it with --max-table-cells\)'),
    ('grid-many-tables', lambda t: with_body(t, rowspan_table(300) * 200), [], 1,
     r'many-tables\.xml:\d+:\d+: <table> brings the cells of the plan\'s tables to 180000 .*more than the '
     r'limit of 100000 for all tables of a plan \(raise it with --max-table-cells\)\n$'),
    ('rowspan-past-rows', lambda t: with_body(t, '<table><col/><row><cell rowspan="9999">x</cell></row></table>'), [], 1,
     r'spans 9999 rows but only 1 rows follow'),
    ('text-past-reader-limit', lambda t: with_body(t, '<p>' + 'chữ ' * (BIG // 6) + '</p>'), [], 1,
     r'text-past-reader-limit\.xml:\d+:\d+: <p> holds a text of more than 10000000 bytes.*fixed limit'
     r'.*--max-plan-bytes does not raise.*split it'),
    ('whitespace-past-reader-limit', lambda t: with_body(t, ' ' * BIG), [], 1,
     r'<body> holds a text of more than 10000000 bytes'),
    ('attribute-past-reader-limit', lambda t: t.replace('<plan type="giay-moi"', '<plan type="giay-moi" x="%s"' % ('a' * BIG), 1),
     [], 1, r'not well-formed XML: AttValue length too long; .*at most 10000000 bytes .*fixed limit'),
    ('comment-past-reader-limit', lambda t: with_body(t, '<!--' + 'a' * BIG + '-->'), [], 1,
     r'not well-formed XML: Comment too big found; .*at most 10000000 bytes'),
    ('cdata-past-reader-limit', lambda t: with_body(t, '<p><![CDATA[' + 'a' * BIG + ']]></p>'), [], 1,
     r'not well-formed XML: CData section too big found; .*at most 10000000 bytes'),
    ('raw-ampersand', lambda t: t.replace('Dự sinh', 'Phòng GD&ĐT dự sinh', 1), [], 1,
     r'raw-ampersand\.xml:\d+:\d+: not well-formed XML: .*a "&" in text is written &amp; \(GD&amp;ĐT\)'),
    ('raw-ampersand-space', lambda t: t.replace('Dự sinh', 'A & B dự sinh', 1), [], 1,
     r'raw-ampersand-space\.xml:\d+:\d+: not well-formed XML: .*written &amp;'),
]


# Issue 13: text that repeats what vanthu prints.  (edit of the seed,
# the warning validate must give, as a regex after "file:line:col: ")
LINT = [
    (('<p>Đề nghị', '<item>- Đề nghị'), ('trước ngày 12/3/2018.</p>', 'trước ngày 12/3/2018.</item>'),
     r'warning: <item> starts with "- ": vanthu prints the dash'),
    (('<body>', '<body><section><title>4. Nội dung</title><p>x</p></section>'),
     None, r'warning: <title> starts with the number "4\.": vanthu numbers sections itself'),
    (('<body>', '<body><section><title>II. Nội dung</title><p>x</p></section>'),
     None, r'warning: <title> starts with the number "II\."'),
    (('<body>', '<body><list><item>a) Một</item></list>'), None, r'warning: <item> starts with the number "a\)"'),
    (('<title>Trưởng phòng</title>', '<title>KT. Trưởng phòng</title>'), None,
     r'warning: <title> starts with "KT\.": write authority="KT" on <signature>'),
    (('<to>Như trên</to>', '<to>Như trên</to><to>Lưu: VT</to>'), None, r'warning: <to> starts with "Lưu"'),
    (('<body>', '<body><p>+ Cụm 1</p>'), None, r'warning: <p> starts with "\+ ": write it as an <item>'),
]

CONG_VAN = 'plans/kim-thanh-2018-cong-van-sinh-hoat-cum-truong.xml'


def lint_and_format(vanthu, env, base, tmp, a):
    """validate warns (file:line:col: warning:) and keeps exit 0; render
    says nothing of it; the new plan syntax renders as documented."""
    for i, (edit, edit2, pattern) in enumerate(LINT):
        plan = base.replace(*edit, 1)
        if edit2:
            plan = plan.replace(*edit2, 1)
        check(plan != base, 'lint %d: the edit applies' % i)
        path = os.path.join(tmp, 'lint-%d.xml' % i)
        open(path, 'w', encoding='utf-8').write(plan)
        r = run([vanthu, 'validate', path], env=env)
        warn = re.escape(path) + r':\d+:\d+: ' + pattern
        check(r.returncode == 0 and re.search(warn, r.stderr) is not None and 'ok' in r.stdout
              and len(r.stderr.strip().splitlines()) == 1,
              'lint %d: validate exit 0 with one warning /%s/ (got %d: %s)'
              % (i, pattern, r.returncode, r.stderr.strip()[:300]))
        doc = os.path.join(tmp, 'lint-%d.docx' % i)
        r = run([vanthu, 'render', path, '-o', doc], env=env)
        check(r.returncode == 0 and 'warning' not in r.stderr,
              'lint %d: render is silent about it (%d: %s)' % (i, r.returncode, r.stderr.strip()[:200]))
    # a công văn subject typed with its "V/v"
    cv = open(os.path.join(a.source, CONG_VAN), encoding='utf-8').read()
    path = os.path.join(tmp, 'lint-vv.xml')
    open(path, 'w', encoding='utf-8').write(re.sub(r'<subject>(\s*)', r'<subject>\1V/v ', cv, count=1))
    r = run([vanthu, 'validate', path], env=env)
    check(r.returncode == 0 and re.search(r'lint-vv\.xml:\d+:\d+: warning: <subject> starts with "V/v"', r.stderr),
          'lint: a công văn subject starting "V/v" warns, exit 0 (%d: %s)' % (r.returncode, r.stderr.strip()[:200]))
    # warnings with an error: both listed, the error sets the exit code
    path = os.path.join(tmp, 'lint-and-error.xml')
    open(path, 'w', encoding='utf-8').write(
        base.replace('2018-03-05', '2018-02-30', 1).replace('<p>Đề nghị', '<p>- Đề nghị', 1))
    r = run([vanthu, 'validate', path], env=env)
    check(r.returncode == 1 and 'not a real date' in r.stderr and 'warning: <p> starts with "- "' in r.stderr,
          'lint with an error: exit 1, error and warning both listed (%d: %s)' % (r.returncode, r.stderr.strip()[:300]))
    # every shipped plan is lint-clean
    plans = sorted(os.path.join(a.source, 'plans', f) for f in os.listdir(os.path.join(a.source, 'plans'))
                   if f.endswith('.xml'))
    r = run([vanthu, 'validate'] + plans, env=env)
    check(r.returncode == 0 and r.stderr == '', 'shipped plans validate without warnings (%s)' % r.stderr[:300])

    # the plan format's new blocks, rendered
    plan = base.replace('<body>', '<body><p>Cụ thể như sau:<item>Cụm số 1</item><item>Cụm số 2</item></p>'
                        '<list><item>Một</item><item>Hai</item></list>', 1).replace(
        '<to>Như trên</to>', '<to>Như kính gửi; (qua Email nội bộ)</to><to remark="để b/c">Sở GD&amp;ĐT</to>', 1).replace(
        '<archive>VT, GDTH</archive>', '<archive remark="CO 23b">VT, GDTH</archive>', 1)
    path = os.path.join(tmp, 'format.xml')
    open(path, 'w', encoding='utf-8').write(plan)
    doc = os.path.join(tmp, 'format.docx')
    r = run([vanthu, 'render', path, '-o', doc], env=env)
    texts = []
    if r.returncode == 0:
        x = zipfile.ZipFile(doc).read('word/document.xml').decode()
        for para in re.findall(r'<w:p>.*?</w:p>', x):
            t = ''.join(re.findall(r'<w:t xml:space="preserve">([^<]*)</w:t>', para))
            if t:
                texts.append(t.replace('&amp;', '&'))
    want = ['Cụ thể như sau:', '+ Cụm số 1', '+ Cụm số 2', '1. Một', '2. Hai']
    i = texts.index(want[0]) if want[0] in texts else -1
    check(i >= 0 and texts[i:i + 5] == want, 'new blocks: "+" under a paragraph, a numbered list: %r'
          % texts[i:i + 5])
    check('- Như kính gửi; (qua Email nội bộ)' in texts and '- Sở GD&ĐT; (để b/c)' in texts
          and '- Lưu: VT, GDTH. (CO 23b)' in texts,
          'Nơi nhận remarks after the punctuation: %r' % [t for t in texts if t.startswith('- ')])
    v = subprocess.run(['/work/shared/ooxml/validate.sh', doc], capture_output=True, text=True) \
        if os.path.exists('/work/shared/ooxml/validate.sh') else None
    # the template's own parts (styles.xml) are another matter: the blocks
    # this change writes are in document.xml
    bad = v and re.findall(r'/word/document\.xml:\d+ \[.*', v.stdout + v.stderr)
    check(v is None or (r.returncode == 0 and not bad),
          'new blocks: word/document.xml passes the OOXML validator (%s)' % (bad and bad[:3]))


def out_of_memory(vanthu, env, base, tmp):
    """Under an address-space limit (ulimit -v) every run either succeeds
    or fails with exit 3 and a message: never a signal, never an empty
    stderr, nothing left behind.  (Not under valgrind or ASan, which need
    their own address space.)"""
    plans = {
        'paragraphs': with_body(base, '<p>x</p>' * 500000),
        'rowspan-grid': with_body(base, rowspan_table(300)),
    }
    for name, plan in plans.items():
        path = os.path.join(tmp, 'oom-%s.xml' % name)
        open(path, 'w', encoding='utf-8').write(plan)
        seen = set()
        # below about 50 MB the loader cannot map vanthu's libraries
        for kb in (60000, 80000, 110000, 150000, 220000, 400000):
            out = os.path.join(tmp, 'oom-out-%s-%d' % (name, kb))
            os.makedirs(out)
            for cmd in ('validate', 'render'):
                args = [cmd, path] + (['-o', os.path.join(out, 'x.docx')] if cmd == 'render' else [])
                r = subprocess.run(['sh', '-c', 'ulimit -v %d; exec "$@"' % kb, 'sh', vanthu] + args,
                                   capture_output=True, text=True, env=env, timeout=300)
                left = os.listdir(out)
                ok = (r.returncode == 0 and (cmd == 'validate' or left == ['x.docx'])) or \
                     (r.returncode == 3 and r.stderr.strip() != '' and not left)
                seen.add(r.returncode)
                check(ok, 'oom %s %s under ulimit -v %d: exit 0, or exit 3 with a message and nothing left '
                      '(got %d: %s; left %r)' % (name, cmd, kb, r.returncode, r.stderr.strip()[:200], left))
                for f in left:
                    os.unlink(os.path.join(out, f))
        check(3 in seen and 0 in seen, 'oom %s: the sweep saw both outcomes %r' % (name, sorted(seen)))


def main():
    global RSS_MB
    a = parse_args()
    vanthu = a.vanthu
    if sanitized(a.build):
        RSS_MB *= 4
    env = dict(os.environ, VANTHU_TEMPLATES=os.path.join(a.build, 'templates'))
    base = open(os.path.join(a.source, BASE), encoding='utf-8').read()
    with tempfile.TemporaryDirectory(prefix='vt-bad-plan-') as tmp:
        for name, edit, extra, code, pattern in REFUSED:
            path = os.path.join(tmp, name + '.xml')
            open(path, 'w', encoding='utf-8').write(edit(base))
            out = os.path.join(tmp, 'out-' + name)
            os.makedirs(out)
            for cmd in ('render', 'validate'):
                args = [cmd, path] + extra + (['-o', os.path.join(out, 'x.docx')] if cmd == 'render' else [])
                expect('plan %s (%s, %d bytes)' % (name, cmd, os.path.getsize(path)),
                       run_measured(vanthu, args, env), code, pattern, out)
            os.unlink(path)

        # within the limits: the worst amplification a grid allows renders,
        # in bounded memory, into a sound package
        cases = [
            ('rowspan-grid-300', with_body(base, rowspan_table(300)), [], 300 * 300),
            ('text-just-under-reader-limit', with_body(base, '<p>' + 'a' * 9_999_000 + '</p>'), [], None),
        ]
        for name, plan, extra, tcs in cases:
            path = os.path.join(tmp, name + '.xml')
            open(path, 'w', encoding='utf-8').write(plan)
            doc = os.path.join(tmp, name + '.docx')
            r = run_measured(vanthu, ['render', path, '-o', doc] + extra, env)
            ok = r is not None and r[0] == 0 and run(['unzip', '-tq', doc]).returncode == 0
            if ok and tcs:
                ok = zipfile.ZipFile(doc).read('word/document.xml').decode().count('<w:tc>') >= tcs
            check(ok and (WRAP or r[2] < RSS_MB),
                  'plan %s: rendered, unzip -t passes, peak RSS %.0f MiB < %d (%s)'
                  % (name, r[2] if r else -1, RSS_MB, r and r[1].strip()[:200]))
            os.unlink(path)

        # numbering for any count: Roman past MMMCMXCIX with the vinculum,
        # letters past y) as aa) ab) …, decimal and dotted as far as needed
        plan = with_body(base, sections(4001) + '<section subsections="letter"><title>Điểm</title>'
                         + sections(30, 'Điểm') + '</section>'
                         + '<section><title>Cuối</title><section subsections="dotted"><title>Chấm</title>'
                         + sections(1000, 'C') + '</section></section>')
        path = os.path.join(tmp, 'many-sections.xml')
        open(path, 'w', encoding='utf-8').write(plan)
        doc = os.path.join(tmp, 'many-sections.docx')
        r = run_measured(vanthu, ['render', path, '-o', doc], env)
        texts = doc_text(doc)[0] if r and r[0] == 0 else []
        labels = [t for t in texts if re.match(r'^\S+[.)] $', t)]
        romans = [t for t in labels if re.match('^[IVXLCDM\u0305]+\\. $', t)]
        check(len(romans) == 4003 and romans[3998] == 'MMMCMXCIX. ' and romans[3999] == 'I\u0305V\u0305. '
              and romans[4000] == 'I\u0305V\u0305I. ' and len(set(romans)) == 4003,
              'sections 1..4003 at one level each get a distinct Roman numeral (3999 MMMCMXCIX, 4000 I̅V̅, '
              '4001 I̅V̅I): %d numbered, e.g. %r' % (len(romans), romans[3997:4001]))
        letters = [t for t in labels if t.endswith(') ')]
        check(letters[:6] == ['a) ', 'b) ', 'c) ', 'd) ', 'đ) ', 'e) '] and letters[22:26] == ['y) ', 'aa) ', 'ab) ', 'ac) ']
              and len(letters) == 30 and len(set(letters)) == 30,
              'letters a) … đ) … y) then aa) ab) …: %r' % letters[20:26])
        dotted = [t for t in labels if re.match(r'^1\.\d+\. $', t)]
        check(len(dotted) == 1000 and dotted[-1] == '1.1000. ',
              'dotted subsections 1.1. … 1.1000.: %d, last %r' % (len(dotted), dotted[-1:]))

        lint_and_format(vanthu, env, base, tmp, a)
        if not WRAP and not sanitized(a.build):
            out_of_memory(vanthu, env, base, tmp)

    print('%d passed, %d failed' % (RESULTS['passed'], RESULTS['failed']))
    return 1 if RESULTS['failed'] else 0


if __name__ == '__main__':
    sys.exit(main())
