#!/usr/bin/env python3
"""Big plans in flat memory (docs/memory.md).  A batch plan of tens of
thousands of schools is read without its whole tree in memory and its
manifests are written as the letters complete, so:

- every problem of a big plan is still reported at once, in document
  order, at its file:line:col, whether it lies before, inside or after
  the clusters (a duplicate school counted over the whole file);
- a plan's schools spilled to a temporary file (--spill-schools) give
  the same messages and byte-identical letters and manifests, and a
  spill that cannot be written is refused with its reason (exit 3);
- peak RSS grows by little per letter: `vanthu validate` and `vanthu
  invite --dry-run` are run on plans of 5,000 and 40,000 letters and the
  growth per letter is bounded (the tree-holding code took about 970
  bytes a letter for either); and a written batch of
  10,000 letters gives manifests that match the files.

Under VT_WRAP (valgrind) the memory figures are valgrind's, so only the
message cases run, on a smaller plan.  Run by ctest as "bad_memory".
"""
import csv
import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'integration'))
from run import check, expect, parse_args, run_case, RESULTS, WRAP  # noqa: E402
from test_render import peak_rss, sanitized  # noqa: E402

# bytes of peak RSS a letter may add (see the module's text)
VALIDATE_PER_LETTER = 250
DRY_RUN_PER_LETTER = 500


def gen(src, clusters, schools, path, edit=None):
    """A batch plan from tests/bench/gen_plan.py, optionally edited."""
    subprocess.run([sys.executable, os.path.join(src, 'tests', 'bench', 'gen_plan.py'),
                    str(clusters), str(schools), path], check=True)
    if edit:
        text = open(path, encoding='utf-8').read()
        open(path, 'w', encoding='utf-8').write(edit(text))


def line_of(path, needle, nth=1):
    """The 1-based line of the nth line holding needle."""
    seen = 0
    with open(path, encoding='utf-8') as f:
        for i, line in enumerate(f, 1):
            if needle in line:
                seen += 1
                if seen == nth:
                    return i
    return 0


def errors_everywhere(text):
    """A bad date in the first cluster, a bad session in the last, and
    <archive> missing after the clusters."""
    text = text.replace('date="2018-04-06"', 'date="2018-02-30"', 1)
    last = text.rfind('session="')
    end = text.index('"', last + len('session="'))
    text = text[:last] + 'session="trưa"' + text[end + 1:]
    return text.replace('    <archive>VT, GDTH</archive>\n', '')


def duplicate_at_end(text):
    """The first school again, in the last cluster."""
    return text.replace('    </cluster>\n  </clusters>',
                        '      <school>TH Lai Vu 1-1</school>\n    </cluster>\n  </clusters>')


def messages(vanthu, src, tmp, env, clusters):
    plan = os.path.join(tmp, 'errors.xml')
    gen(src, clusters, 10, plan, errors_everywhere)
    out = os.path.join(tmp, 'out-errors')
    os.makedirs(out)
    r = run_case(vanthu, ['validate', plan], env, timeout=600)
    first = line_of(plan, '<cluster ')
    last = line_of(plan, 'session="trưa"')
    copies = line_of(plan, '<copies-to>')
    pattern = (r'(?s)errors\.xml:%d:5: <cluster> "2018-02-30" is not a real date.*'
               r'errors\.xml:%d:5: <cluster session="trưa"> must be sáng, chiều or tối.*'
               r'errors\.xml:%d:3: <copies-to> is missing <archive>' % (first, last, copies))
    expect('%d-letter plan: problems before, in and after the clusters, at once, in order'
           % (clusters * 10), r, 1, pattern, out)
    plan = os.path.join(tmp, 'dup.xml')
    gen(src, clusters, 10, plan, duplicate_at_end)
    dup = line_of(plan, '<school>TH Lai Vu 1-1</school>', 2)
    for cmd in ('validate', 'invite'):
        for spill in ([], ['--spill-schools', '0'], ['--spill-schools', '100']):
            args = [cmd, plan] + spill + (['-o', os.path.join(out, 'letters'), '--per', 'school']
                                          if cmd == 'invite' else [])
            r = run_case(vanthu, args, env, timeout=600)
            expect('%d-letter plan (%s%s): a school listed twice, found at the end'
                   % (clusters * 10, cmd, ' ' + ' '.join(spill) if spill else ''),
                   r, 1, r'dup\.xml:%d:7: <school> "TH Lai Vu 1-1" is listed twice \(in "Cụm số 1" '
                   r'and "Cụm số %d"\)' % (dup, clusters), out)
    # nowhere to put the schools: refused with the reason, nothing written
    # (not under valgrind, which keeps its own files in $TMPDIR too)
    if WRAP:
        print('skip  spill into a folder that does not exist: valgrind needs $TMPDIR itself')
    else:
        r = run_case(vanthu, ['invite', plan, '--spill-schools', '0', '-o',
                              os.path.join(out, 'letters')],
                     dict(env, TMPDIR=os.path.join(tmp, 'no-such-folder')), timeout=600)
        expect('spill into a folder that does not exist', r, 3,
               r"dup\.xml: cannot keep the plan's schools in a temporary file \(\$TMPDIR, or /tmp\): "
               r"No such file or directory", out)
    for bad in ('x', '-1', ''):
        r = run_case(vanthu, ['validate', plan, '--spill-schools', bad], env)
        expect('--spill-schools %r' % bad, r, 2,
               r'--spill-schools %s: give a whole number of schools \(0: all on disk\)'
               % re.escape(bad), out)
    # a spill cut short by the file size limit (as a full disk would)
    r = run_case(vanthu, ['validate', plan, '--spill-schools', '0'], env, timeout=600,
                 shell="trap '' XFSZ; ulimit -f 20; exec")
    expect('a spill that cannot be written (ulimit -f)', r, 3,
           r"dup\.xml: cannot keep the plan's schools in a temporary file \(\$TMPDIR, or /tmp\): "
           r"File too large", out)


def rss_of(vanthu, args, env):
    code, err, kb = peak_rss([vanthu] + args, env, timeout=900)
    return code, err, kb * 1024


def flat(vanthu, src, tmp, env):
    if sanitized(os.path.dirname(vanthu)):
        # ASan keeps freed blocks in its quarantine (256 MiB), so RSS grows
        # with what was ever allocated, not with what is alive: the slope
        # is checked in the plain build, which runs this suite too
        print('skip  peak RSS per letter: a sanitizer build (ASan quarantine)')
        return
    scale = 1
    small, big = os.path.join(tmp, 'small.xml'), os.path.join(tmp, 'big.xml')
    gen(src, 500, 10, small)
    gen(src, 4000, 10, big)
    letters = 40000 - 5000
    for what, args, bound in (
            ('validate', ['validate'], VALIDATE_PER_LETTER),
            ('invite --dry-run', ['invite', '-o', os.path.join(tmp, 'never'), '--per', 'school',
                                  '--dry-run', '-j', '2'], DRY_RUN_PER_LETTER)):
        c1, e1, r1 = rss_of(vanthu, args[:1] + [small] + args[1:], env)
        c2, e2, r2 = rss_of(vanthu, args[:1] + [big] + args[1:], env)
        per = (r2 - r1) / letters
        check(c1 == 0 and c2 == 0 and per <= bound * scale,
              '%s: peak RSS %.1f MiB at 5,000 letters, %.1f MiB at 40,000: %.0f bytes a letter '
              '(at most %d) (%s%s)' % (what, r1 / 2**20, r2 / 2**20, per, bound * scale,
                                       e1.strip()[-100:], e2.strip()[-100:]))
    check(not os.path.exists(os.path.join(tmp, 'never')), 'a dry run writes nothing')


def manifests(vanthu, src, tmp, env):
    """Manifests written as letters complete: every row in letter order,
    each sum that of its file, the same with -j1 and -j2."""
    plan = os.path.join(tmp, 'm.xml')
    gen(src, 1000, 10, plan)
    outs = {}
    for j in ('1', '2'):
        d = os.path.join(tmp, 'm-j' + j)
        r = run_case(vanthu, ['invite', plan, '-o', d, '--per', 'school', '-j', j], env, timeout=900)
        check(r is not None and r.returncode == 0, '10,000 letters written with -j%s' % j)
        outs[j] = d
    d = outs['2']
    with open(os.path.join(d, 'manifest.csv'), encoding='utf-8-sig', newline='') as f:
        rows = list(csv.DictReader(f))
    js = json.load(open(os.path.join(d, 'manifest.json'), encoding='utf-8'))
    ok = len(rows) == 10000 and js['count'] == 10000 and all(
        hashlib.sha256(open(os.path.join(d, r['file']), 'rb').read()).hexdigest() == r['sha256']
        for r in rows)
    check(ok and [l['file'] for l in js['letters']] == [r['file'] for r in rows],
          'manifest.csv and manifest.json: 10,000 rows, sums of the files, the same order')
    order = [r['recipient'] for r in rows]
    want = [line.strip()[len('<school>'):-len('</school>')]
            for line in open(plan, encoding='utf-8') if '<school>' in line]
    check(order == [w.replace('&amp;', '&') for w in want], 'rows in letter (plan) order')
    same = all(open(os.path.join(outs['1'], m), 'rb').read() == open(os.path.join(d, m), 'rb').read()
               for m in ('manifest.csv', 'manifest.json'))
    check(same, 'the manifests are byte-identical with -j1 and -j2')
    # every school spilled to disk: the same files, byte for byte
    sp = os.path.join(tmp, 'm-spill')
    r = run_case(vanthu, ['invite', plan, '-o', sp, '--per', 'school', '-j', '2',
                          '--spill-schools', '0'], env, timeout=900)
    names = sorted(os.listdir(d))
    check(r is not None and r.returncode == 0 and sorted(os.listdir(sp)) == names and
          all(open(os.path.join(sp, n), 'rb').read() == open(os.path.join(d, n), 'rb').read()
              for n in names),
          '10,000 letters with every school spilled: the same files and manifests, byte for byte')


def main():
    a = parse_args()
    env = dict(os.environ, VANTHU_TEMPLATES=os.path.join(a.build, 'templates'))
    with tempfile.TemporaryDirectory(prefix='vt-bad-memory-') as tmp:
        messages(a.vanthu, a.source, tmp, env, 300 if WRAP else 3000)
        if WRAP:
            print('skipped under VT_WRAP: peak RSS and the 10,000-letter batch')
        else:
            flat(a.vanthu, a.source, tmp, env)
            manifests(a.vanthu, a.source, tmp, env)
    print('%d passed, %d failed' % (RESULTS['passed'], RESULTS['failed']))
    return 1 if RESULTS['failed'] else 0


if __name__ == '__main__':
    sys.exit(main())
