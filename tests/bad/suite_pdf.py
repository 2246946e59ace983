#!/usr/bin/env python3
"""Bad input for the PDF output: a converter that is missing, hangs (also
with a child holding on, and after writing half a PDF), crashes, fails,
or exits 0 without a whole PDF; a batch where one document fails; files
that are not DOCX documents; missing fonts; usage errors.  Each case must
give its exit code and message within its time, never a signal, leave
nothing in the output folder or in TMPDIR, and leave no converter process
running.  The converter is replaced through VANTHU_SOFFICE by small shell
scripts, so this suite needs no LibreOffice.
"""
import os
import signal
import subprocess
import sys
import tempfile
import time
import zipfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from run import expect, run_case  # noqa: E402
from test_render import RESULTS, WRAP, check, parse_args  # noqa: E402

PLAN = 'plans/kim-thanh-2018-giay-moi-cum-1.xml'

# Fake converters.  Each receives LibreOffice's arguments: ... --outdir DIR IN.docx ...
# MARK is in each command line so that a process left behind can be found.
OUTDIR = 'out=; prev=; for a in "$@"; do [ "$prev" = --outdir ] && out=$a; prev=$a; done\n'
FAKES = {
    'hang': 'exec sleep 987654 # MARK\n',
    'hang-child': 'sleep 987655 & # MARK\nwait\n',
    'half-then-hang': OUTDIR + 'for a in "$@"; do case $a in *.docx) b=$(basename "$a" .docx); '
                      'printf "%%PDF-1.6\\nhalf" > "$out/$b.pdf";; esac; done\nexec sleep 987656 # MARK\n',
    'crash': 'echo "soffice.bin: fatal error in the layout" >&2\nkill -SEGV $$\n',
    'fail': 'echo "Error: source file could not be loaded" >&2\nexit 7\n',
    'silent': 'echo "convert done"\nexit 0\n',
    'truncated': OUTDIR + 'for a in "$@"; do case $a in *.docx) b=$(basename "$a" .docx); '
                 'printf "%%PDF-1.6\\n1 0 obj" > "$out/$b.pdf";; esac; done\nexit 0\n',
    # a whole-looking PDF for every document but the second: the batch writes none
    'one-missing': OUTDIR + 'for a in "$@"; do case $a in *000001.docx) ;; *.docx) b=$(basename "$a" .docx); '
                   'printf "%%PDF-1.6\\nx\\n%%%%EOF\\n" > "$out/$b.pdf";; esac; done\nexit 0\n',
}


# the mark of this run's fakes: other runs of this suite (other builds on
# the same machine) have their own
MARKER = 'vt-bad-pdf-mark-%d' % os.getpid()


def stray(marker):
    r = subprocess.run(['pgrep', '-f', marker], capture_output=True, text=True)
    return r.stdout.split()


def interrupted(vanthu, args, env, sig):
    """Run vanthu, send it sig once its converter (the fake's MARK) runs;
    the completed process, or None if it did not end within 20 s."""
    p = subprocess.Popen(WRAP + [vanthu] + args, env=env, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    t0 = time.monotonic()
    while not stray(MARKER) and time.monotonic() - t0 < 30 and p.poll() is None:
        time.sleep(0.05)
    time.sleep(0.2)
    p.send_signal(sig)
    try:
        out, err = p.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        p.kill()
        p.communicate()
        return None
    return subprocess.CompletedProcess(args, p.returncode, out, err)


def interrupt_cases(vanthu, env, tmp, scratch, good, fakes, plan):
    """Ctrl-C (SIGINT) or kill (SIGTERM) while the converter runs: its whole
    process group is stopped, its folder removed, nothing written, exit
    128 + the signal (130, 143); issue gives no number."""
    e = dict(env, VANTHU_SOFFICE=fakes['hang-child'])
    for label, sig, args in (
            ('SIGINT', signal.SIGINT, ['pdf', '-j', '2', '-o', 'OUT'] + good),
            ('SIGTERM', signal.SIGTERM, ['pdf', '-o', 'OUT', good[0]]),
            ('SIGINT-render', signal.SIGINT, ['render', plan, '-o', 'OUT/x.pdf'])):
        out = os.path.join(tmp, 'out-int-' + label)
        r = interrupted(vanthu, [x.replace('OUT', out) for x in args], e, sig)
        left = os.listdir(scratch)
        procs = stray(MARKER)
        made = os.listdir(out) if os.path.isdir(out) else []
        check(r is not None and r.returncode == 128 + sig and 'interrupted' in r.stderr
              and not left and not procs and not made,
              'pdf %s during the conversion: exit %d, "interrupted", no converter process (%r), nothing in '
              'TMPDIR (%r), no output (%r) (%s)' % (label, 128 + sig, procs, left, made,
                                                    (r.returncode, r.stderr.strip()[:200]) if r else 'hung'))
        for x in left:
            subprocess.run(['rm', '-rf', os.path.join(scratch, x)])
        for pid in procs:
            subprocess.run(['kill', '-9', pid])


def main():
    a = parse_args()
    vanthu = a.vanthu
    with tempfile.TemporaryDirectory(prefix='vt-bad-pdf-') as tmp:
        os.chmod(tmp, 0o755)
        scratch = os.path.join(tmp, 'scratch')
        os.makedirs(scratch)
        env = dict(os.environ, VANTHU_TEMPLATES=os.path.join(a.build, 'templates'), TMPDIR=scratch)
        plan = os.path.join(a.source, PLAN)
        docs = os.path.join(tmp, 'docs')
        os.makedirs(docs)
        good = []
        for k in range(3):
            p = os.path.join(docs, 'letter-%d.docx' % k)
            r = run_case(vanthu, ['render', plan, '-o', p], env)
            good.append(p)
        check(all(os.path.isfile(p) for p in good), 'three DOCX documents to convert')
        fakes = {}
        for name, body in FAKES.items():
            path = os.path.join(tmp, 'soffice-' + name)
            with open(path, 'w') as f:
                f.write('#!/bin/sh\n' + body.replace('MARK', MARKER))
            os.chmod(path, 0o755)
            fakes[name] = path

        def case(label, args, code, pattern, soffice=None, extra_env=None, limit=60):
            out = os.path.join(tmp, 'out-' + label)
            os.makedirs(out)
            e = dict(env)
            if soffice:
                e['VANTHU_SOFFICE'] = soffice
            e.update(extra_env or {})
            args = [x.replace('OUT', out) for x in args]
            t0 = time.monotonic()
            r = run_case(vanthu, args, e, timeout=limit + 60)
            took = time.monotonic() - t0
            expect('pdf %s' % label, r, code, pattern, out)
            check(took < limit, 'pdf %s: over within %d s (%.1f s)' % (label, limit, took))
            left = os.listdir(scratch)
            check(not left, 'pdf %s: nothing left in TMPDIR (%r)' % (label, left))
            for x in left:
                subprocess.run(['rm', '-rf', os.path.join(scratch, x)])
            procs = stray(MARKER)
            check(not procs, 'pdf %s: no converter process left running (%r)' % (label, procs))

        one = ['pdf', good[0], '-o', 'OUT']
        render = ['render', plan, '-o', 'OUT/x.pdf']
        quick = ['--pdf-timeout', '2']
        case('missing-converter', one, 3,
             r'/nonexistent/soffice: cannot run the PDF converter: No such file or directory; install LibreOffice',
             soffice='/nonexistent/soffice')
        case('missing-converter-render', render, 3, r'cannot run the PDF converter', soffice='/nonexistent/soffice')
        case('hang', one + quick, 3, r'the PDF converter did not finish 1 document within 2 s and was stopped',
             soffice=fakes['hang'], limit=15)
        case('hang-with-child', one + quick, 3, r'did not finish 1 document within 2 s',
             soffice=fakes['hang-child'], limit=15)
        case('half-pdf-then-hang', ['pdf'] + good + ['-o', 'OUT', '-j', '2'] + quick, 3,
             r'did not finish \d documents? within 2 s', soffice=fakes['half-then-hang'], limit=15)
        case('hang-render', render + quick, 3, r'did not finish 1 document within 2 s',
             soffice=fakes['hang'], limit=15)
        case('hang-render-beside', ['render', plan, '-o', 'OUT/x.docx', '--pdf', '--pdf-timeout=2'], 3,
             r'did not finish 1 document within 2 s', soffice=fakes['hang'], limit=15)
        case('crash', one, 3, r'the PDF converter crashed \(signal 11, Segmentation fault\): '
             r'soffice\.bin: fatal error', soffice=fakes['crash'])
        case('fail', one, 3, r'the PDF converter failed \(exit status 7\): Error: source file could not be loaded',
             soffice=fakes['fail'])
        case('exit-0-without-pdf', one, 3,
             r'letter-0\.docx: the PDF converter wrote no complete PDF; it said: convert done',
             soffice=fakes['silent'])
        case('truncated-pdf', one, 3, r'letter-0\.docx: the PDF converter wrote no complete PDF',
             soffice=fakes['truncated'])
        case('batch-one-missing', ['pdf'] + good + ['-o', 'OUT', '-j', '1'], 3,
             r'letter-1\.docx: the PDF converter wrote no complete PDF', soffice=fakes['one-missing'])

        # not documents for vanthu pdf
        text = os.path.join(tmp, 'notes.docx')
        open(text, 'w').write('not a document\n')
        nodoc = os.path.join(tmp, 'no-document.docx')
        with zipfile.ZipFile(nodoc, 'w') as z:
            z.writestr('[Content_Types].xml', '<Types/>')
        case('text-file', ['pdf', text, '-o', 'OUT'], 1, r'notes\.docx: not a DOCX file \(not a zip package\)',
             soffice=fakes['hang'])
        case('zip-without-document', ['pdf', nodoc, good[0], '-o', 'OUT'], 1,
             r'no-document\.docx: not a DOCX file \(no word/document\.xml\)', soffice=fakes['hang'])
        case('folder', ['pdf', docs, '-o', 'OUT'], 1, r'docs: not a DOCX file: not a regular file')
        case('missing-file', ['pdf', os.path.join(tmp, 'none.docx'), '-o', 'OUT'], 3,
             r'none\.docx: cannot read the document: No such file or directory')
        case('no-liberation-2', one, 3, r'no Liberation Serif 2 font here .*install fonts-liberation2',
             extra_env={'VANTHU_PDF_FONTS': os.path.join(tmp, 'no-fonts')})
        old = '/usr/share/fonts/truetype/liberation'
        if os.path.isfile(os.path.join(old, 'LiberationSerif-Regular.ttf')):
            case('liberation-1.07', one, 3, r'this Liberation Serif lacks Vietnamese letters such as "ư" '
                 r'\(Liberation 1\.x, fonts-liberation\); install fonts-liberation2',
                 extra_env={'VANTHU_PDF_FONTS': old})
        # usage
        case('no-files', ['pdf'], 2, r'give at least one DOCX file')
        case('bad-timeout', ['pdf', good[0], '--pdf-timeout', '0'], 2, r'--pdf-timeout needs seconds from 1 to 86400')
        case('bad-date', ['pdf', good[0], '--date', '2018-02-30'], 2, r'--date needs a date that exists')
        case('same-name-twice', ['pdf', good[0], good[0], '-o', 'OUT'], 2,
             r'letter-0\.docx and .*letter-0\.docx would both be written to')
        case('pdf-and-beside', ['render', plan, '-o', 'OUT/x.pdf', '--pdf'], 2, r'--pdf writes the PDF beside a DOCX')
        case('render-bad-timeout', ['render', plan, '-o', 'OUT/x.pdf', '--pdf-timeout', 'soon'], 2,
             r'--pdf-timeout needs seconds')
        # an output that is a folder is never replaced
        dirout = os.path.join(tmp, 'dir-out')
        os.makedirs(os.path.join(dirout, 'letter-0.pdf'))
        r = run_case(vanthu, ['pdf', good[0], '-o', dirout], dict(env, VANTHU_SOFFICE=fakes['hang']))
        check(r is not None and r.returncode == 3 and 'letter-0.pdf: is a folder, not replaced' in r.stderr
              and os.listdir(dirout) == ['letter-0.pdf'] and os.path.isdir(os.path.join(dirout, 'letter-0.pdf')),
              'pdf: an output path that is a folder is refused (exit 3) before any converter starts')
        os.makedirs(os.path.join(dirout, 'x.pdf'))
        r = run_case(vanthu, ['render', plan, '-o', os.path.join(dirout, 'x.pdf')], env)
        check(r is not None and r.returncode == 3 and 'x.pdf: is a folder' in r.stderr,
              'render -o FOLDER.pdf is refused (exit 3)')
        # invite --pdf with a hanging converter: no letter, no PDF, no folder
        batch = os.path.join(a.source, 'plans', 'kim-thanh-2018-giay-moi-sinh-hoat-cum-truong.xml')
        out = os.path.join(tmp, 'invite-hang')
        e = dict(env, VANTHU_SOFFICE=fakes['hang'])
        r = run_case(vanthu, ['invite', batch, '-o', out, '--pdf', '--pdf-timeout', '2'], e)
        if r is not None and 'unknown option' in r.stderr:
            print('skip  invite --pdf: not in this build')
        else:
            check(r is not None and r.returncode == 3 and 'did not finish' in r.stderr
                  and not os.path.exists(out) and not os.listdir(scratch)
                  and not [x for x in os.listdir(tmp) if x.startswith('.invite-hang')],
                  'invite --pdf with a hanging converter: exit 3, no folder, no staging folder, nothing in '
                  'TMPDIR (%s)' % (r.stderr.strip()[:200] if r else 'timed out'))
        case('no-libfaketime', one, 3, r'/nonexistent/libfaketime\.so\.1: no usable libfaketime \(not found\); '
             r'.*install libfaketime', soffice=fakes['silent'],
             extra_env={'VANTHU_FAKETIME_LIB': '/nonexistent/libfaketime.so.1'})
        # a whole-looking PDF that is not one: qpdf (which fixes the order
        # of the objects) refuses it; qpdf missing
        case('not-a-pdf-inside', one, 3, r'letter-0\.docx: qpdf could not rewrite the converter.s PDF: qpdf: ',
             soffice=fakes['one-missing'])
        case('no-qpdf', one, 3, r'/nonexistent/qpdf: cannot run qpdf, which puts the PDF.s objects in a fixed '
             r'order: No such file or directory; install qpdf', soffice=fakes['one-missing'],
             extra_env={'VANTHU_QPDF': '/nonexistent/qpdf'})
        interrupt_cases(vanthu, env, tmp, scratch, good, fakes, plan)
        # issue --pdf with a hanging converter: no number given, no file archived
        reg = os.path.join(tmp, 'reg', 'register.sqlite')
        os.makedirs(os.path.dirname(reg))
        r = run_case(vanthu, ['issue', plan, '--register', reg, '--date', '2026-11-23', '--pdf',
                              '--pdf-timeout', '2'], e)
        arch = os.path.join(tmp, 'reg', 'archive', '2026')
        lst = run_case(vanthu, ['register', 'list', '--register', reg], env)
        check(r is not None and r.returncode == 3 and 'did not finish' in r.stderr
              and (not os.path.isdir(arch) or not os.listdir(arch)) and lst is not None
              and lst.returncode == 0 and not lst.stdout.strip() and not os.listdir(scratch),
              'issue --pdf with a hanging converter: exit 3, no number given, no file archived (%s; list %r)'
              % (r.stderr.strip()[:200] if r else 'timed out', lst.stdout if lst else None))
        r = run_case(vanthu, ['register', 'export', '--format', 'pdf', '-o', os.path.join(tmp, 'book.docx'),
                              '--register', reg], env)
        check(r is not None and r.returncode in (2, 3) and not os.path.exists(os.path.join(tmp, 'book.docx')),
              'register export --format pdf to a name without .pdf, or from an empty register: refused (%s)'
              % (r.stderr.strip()[:200] if r else 'timed out'))
    print('%d passed, %d failed' % (RESULTS['passed'], RESULTS['failed']))
    return 1 if RESULTS['failed'] else 0


if __name__ == '__main__':
    sys.exit(main())
