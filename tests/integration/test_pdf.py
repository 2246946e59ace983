#!/usr/bin/env python3
"""Integration tests of the PDF output (vanthu render -o FILE.pdf, --pdf,
vanthu pdf, invite --pdf) with the real LibreOffice and poppler's pdfinfo,
pdffonts and pdftotext: every shipped plan renders straight to a PDF/A-2b
whose fonts are all embedded Liberation Serif (the Times-metric family, no
DejaVu filling in Vietnamese letters), whose text is the document's, and
whose creation date is the plan's; a batch starts one converter per
worker; two runs at once do not collide; nothing is left behind.

The broken-converter cases (missing, hanging, crashing, silent) are in
tests/bad/suite_pdf.py.  Each check prints "ok"/"FAIL"; the exit code is
non-zero on any failure.
"""
import glob
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

from test_render import (RESULTS, check, check_ooxml, is_batch, norm, parse_args, read_expected,
                         read_manifest, run, sha256_file)

TIMES = {'LiberationSerif', 'LiberationSerif-Bold', 'LiberationSerif-Italic', 'LiberationSerif-BoldItalic'}
SEED_BATCH = 'kim-thanh-2018-giay-moi-sinh-hoat-cum-truong.xml'


def pdf_fonts(pdf):
    """(name without the subset prefix, embedded) of every font pdffonts lists."""
    r = run(['pdffonts', pdf])
    fonts = []
    for line in r.stdout.splitlines()[2:]:
        cols = line.split()
        if len(cols) < 5:
            continue
        # the emb/sub/uni columns are the three yes/no before the object id
        emb = cols[-5]
        fonts.append((re.sub(r'^[A-Z]{6}\+', '', cols[0]), emb == 'yes'))
    return fonts


def pdf_facts(pdf):
    """What the checks need to know about one PDF."""
    info = run(['pdfinfo', '-isodates', pdf]).stdout
    meta = run(['pdfinfo', '-meta', pdf]).stdout
    version = re.search(r'PDF version:\s+(\d+)\.(\d+)', info)
    created = re.search(r'CreationDate:\s+(\S+)', info)
    xmp_created = re.search(r'<xmp:CreateDate>([^<]+)</xmp:CreateDate>', meta)
    return {
        'version': (int(version.group(1)), int(version.group(2))) if version else (0, 0),
        'part': re.search(r'<pdfaid:part>2</pdfaid:part>', meta) is not None,
        'conformance': re.search(r'<pdfaid:conformance>B</pdfaid:conformance>', meta) is not None,
        'created': created.group(1) if created else '',
        'xmp_created': xmp_created.group(1) if xmp_created else '',
        'fonts': pdf_fonts(pdf),
        'text': run(['pdftotext', pdf, '-']).stdout,
    }


def check_pdf(pdf, name, date=None):
    """PDF >= 1.4, PDF/A-2b, only embedded Liberation Serif, the Quốc hiệu
    in the text, and (when given) the creation date."""
    if not check(os.path.isfile(pdf), name + ': the PDF exists'):
        return None
    f = pdf_facts(pdf)
    check(f['version'] >= (1, 4), '%s: PDF version %d.%d >= 1.4' % ((name,) + f['version']))
    check(f['part'] and f['conformance'], name + ': XMP says PDF/A part 2, conformance B')
    names = sorted(set(n for n, _ in f['fonts']))
    check(f['fonts'] and all(e for _, e in f['fonts']) and set(names) <= TIMES,
          '%s: every font embedded and Liberation Serif (Times-metric): %r' % (name, names))
    check(not any('DejaVu' in n for n in names), name + ': no DejaVu fallback font')
    check('CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM' in f['text'] and 'Độc lập - Tự do - Hạnh phúc' in f['text'],
          name + ': pdftotext gives the Vietnamese Quốc hiệu and Tiêu ngữ')
    if date:
        check(f['created'] == date + 'T00:00:00Z' and f['xmp_created'] == date + 'T00:00:00Z',
              '%s: creation date from the plan, %s (Info %s, XMP %s)'
              % (name, date, f['created'], f['xmp_created']))
    return f


def words(s):
    """The words of s, hyphens dropped: pdftotext joins a word hyphenated
    at a line end ("ri-\ncooc" gives "ricooc")."""
    return re.findall(r'\w+', re.sub(r'[-\u2010\u2011]', '', s.lower()))


def plan_date(plan):
    d = re.search(r'<date>([^<]+)</date>', open(plan, encoding='utf-8').read()).group(1)
    parts = (d.split('-') + ['01', '01'])[:3]
    return '-'.join(parts)


def left_behind(d):
    return sorted(os.listdir(d)) if os.path.isdir(d) else []


def counting_converter(tmp):
    """A soffice that records each start, then runs the real one."""
    log = os.path.join(tmp, 'starts.log')
    path = os.path.join(tmp, 'soffice-counting')
    with open(path, 'w') as f:
        f.write('#!/bin/sh\necho start >> "%s"\nexec soffice "$@"\n' % log)
    os.chmod(path, 0o755)
    return path, log


def starts(log):
    if not os.path.exists(log):
        return 0
    with open(log) as f:
        n = len(f.read().splitlines())
    os.remove(log)
    return n


def test_plans(vanthu, src, tmp, env):
    """Every shipped plan straight to a PDF, and --pdf beside the DOCX."""
    out = os.path.join(tmp, 'plans')
    os.makedirs(out)
    for plan in sorted(glob.glob(os.path.join(src, 'plans', '*.xml'))):
        base = os.path.splitext(os.path.basename(plan))[0]
        pdf = os.path.join(out, base + '.pdf')
        if is_batch(plan):
            continue
        r = run([vanthu, 'render', plan, '-o', pdf], env=env)
        check(r.returncode == 0 and r.stdout.strip() == pdf,
              base + ': render -o FILE.pdf (%s)' % r.stderr.strip()[:300])
        f = check_pdf(pdf, base, plan_date(plan))
        exp = os.path.join(src, 'tests', 'integration', 'expected', base + '.txt')
        if f and os.path.exists(exp):
            # pdftotext interleaves the header's columns, table cells and
            # page numbers, and drops the hyphen of "2023-2024": compare
            # the words (every Vietnamese letter must survive the fonts)
            want = set(words(' '.join(read_expected(exp))))
            missing = sorted(want - set(words(f['text'])))
            check(not missing, '%s: the PDF has all %d words of the seed\'s expected text%s'
                  % (base, len(want), '' if not missing else ' (missing: %r)' % missing[:5]))
    check(sorted(os.listdir(out)) == sorted(p for p in os.listdir(out) if p.endswith('.pdf')),
          'render -o FILE.pdf leaves only PDFs: %r' % sorted(os.listdir(out)))
    plan = os.path.join(src, 'plans', 'kim-thanh-2018-giay-moi-cum-1.xml')
    docx = os.path.join(tmp, 'beside', 'gm.docx')
    os.makedirs(os.path.dirname(docx))
    r = run([vanthu, 'render', plan, '-o', docx, '--pdf'], env=env)
    pdf = docx[:-5] + '.pdf'
    check(r.returncode == 0 and r.stdout.split() == [docx, pdf] and os.path.isfile(docx),
          'render --pdf writes the DOCX and the PDF beside it, and names both (%s)' % r.stderr.strip()[:200])
    check_ooxml(src, docx, 'render --pdf: the DOCX')
    check_pdf(pdf, 'render --pdf', '2018-03-05')
    check(sorted(os.listdir(os.path.dirname(docx))) == ['gm.docx', 'gm.pdf'], 'render --pdf: nothing else')


def test_batch(vanthu, src, tmp, env):
    """vanthu pdf over 24 letters with -j2: two converter starts, 24 PDFs
    with their own school; the folder of another run at the same time is
    just as complete."""
    plan = os.path.join(src, 'plans', SEED_BATCH)
    letters = os.path.join(tmp, 'letters')
    r = run([vanthu, 'invite', plan, '-o', letters, '--per', 'school'], env=env)
    check(r.returncode == 0, 'invite the 24 seed letters (%s)' % r.stderr.strip()[:200])
    rows = read_manifest(letters)
    docs = [os.path.join(letters, row['file']) for row in rows]
    conv, log = counting_converter(tmp)
    cenv = dict(env, VANTHU_SOFFICE=conv)
    outs = [os.path.join(tmp, 'pdf-a'), os.path.join(tmp, 'pdf-b')]
    results = [None, None]

    def one(k):
        results[k] = run([vanthu, 'pdf', '-j', '2', '--date', '2018-03-07', '-o', outs[k]] + docs, env=cenv)

    threads = [threading.Thread(target=one, args=(k,)) for k in (0, 1)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    check(all(r is not None and r.returncode == 0 for r in results),
          'two vanthu pdf runs of 24 letters at once both succeed (%s)'
          % ' | '.join(r.stderr.strip()[:200] for r in results if r))
    check(starts(log) == 4, 'each run started 2 converter processes for 24 letters (-j2), not 24')
    for k, d in enumerate(outs):
        pdfs = sorted(glob.glob(os.path.join(d, '*.pdf')))
        check(len(pdfs) == 24 and len(os.listdir(d)) == 24, 'run %d: 24 PDFs and nothing else' % k)
    bad = []
    fonts = set()
    for row in rows:
        pdf = os.path.join(outs[0], row['file'][:-5] + '.pdf')
        f = pdf_facts(pdf)
        fonts |= set(n for n, e in f['fonts'] if e)
        text = norm(f['text'])
        if norm('kính gửi: ' + row['recipient']) not in text or f['created'] != '2018-03-07T00:00:00Z' \
                or not (f['part'] and f['conformance']) or not all(e for _, e in f['fonts']):
            bad.append(row['file'])
    check(not bad and fonts <= TIMES, 'every letter\'s PDF is PDF/A-2b, names its school, has --date, '
          'embeds only Liberation Serif (%r; bad %r)' % (sorted(fonts), bad[:3]))
    # two processes converting the same letters at the same time wrote
    # the same bytes (the converter's clock held at --date; /ID from the
    # content), and each letter has an identifier of its own
    same = [row['file'] for row in rows
            if open(os.path.join(outs[0], row['file'][:-5] + '.pdf'), 'rb').read()
            == open(os.path.join(outs[1], row['file'][:-5] + '.pdf'), 'rb').read()]
    check(len(same) == 24, 'the two runs\' PDFs are byte-identical (%d of 24)' % len(same))
    ids = set(pdf_id(os.path.join(outs[0], row['file'][:-5] + '.pdf')) for row in rows)
    check(len(ids) == 24 and None not in ids, 'each of the 24 PDFs has its own /ID (%d)' % len(ids))
    # one process, beside each document (no -o)
    r = run([vanthu, 'pdf', '-j', '1'] + docs[:3], env=cenv)
    check(r.returncode == 0 and starts(log) == 1
          and all(os.path.isfile(p[:-5] + '.pdf') for p in docs[:3]),
          'vanthu pdf without -o writes X.pdf beside X.docx, 3 documents in one converter start')
    return letters


def pdf_id(pdf):
    m = re.search(rb'/ID\s*\[\s*<([0-9A-Fa-f]{32})>\s*<([0-9A-Fa-f]{32})>', open(pdf, 'rb').read())
    return m.group(1) if m and m.group(1) == m.group(2) else None


def test_same_bytes(vanthu, src, tmp, env):
    """The same document converted twice, in two processes at different
    times (the clock has moved on) and with different temporary folders,
    gives byte-identical PDFs; render -o FILE.pdf gives the same bytes as
    vanthu pdf --date with the plan's date.  Still PDF/A-2b, and qpdf finds
    the file sound."""
    plan = os.path.join(src, 'plans', 'kim-thanh-2018-giay-moi-cum-1.xml')
    d = os.path.join(tmp, 'same')
    os.makedirs(d)
    docx = os.path.join(d, 'gm.docx')
    r = run([vanthu, 'render', plan, '-o', docx], env=env)
    check(r.returncode == 0, 'same bytes: render the DOCX (%s)' % r.stderr.strip()[:200])
    outs = []
    for k in range(2):
        o = os.path.join(d, 'run%d' % k)
        t = os.path.join(env['TMPDIR'], 'other%d' % k)
        os.makedirs(t)
        r = run([vanthu, 'pdf', '--date', '2018-03-05', '-o', o, docx], env=dict(env, TMPDIR=t))
        os.rmdir(t)
        check(r.returncode == 0, 'same bytes: conversion %d (%s)' % (k + 1, r.stderr.strip()[:200]))
        outs.append(os.path.join(o, 'gm.pdf'))
        if k == 0:
            time.sleep(1.5)  # the clock's second has changed
    # LibreOffice alone wrote the fonts in a varying order about one run in
    # four: four more separate conversions must give the same bytes too
    more = []
    for k in range(4):
        o = os.path.join(d, 'more%d' % k)
        r = run([vanthu, 'pdf', '--date', '2018-03-05', '-o', o, docx], env=env)
        more.append(open(os.path.join(o, 'gm.pdf'), 'rb').read() if r.returncode == 0 else None)
    direct = os.path.join(d, 'direct.pdf')
    r = run([vanthu, 'render', plan, '-o', direct], env=env)
    blobs = [open(p, 'rb').read() if os.path.exists(p) else None for p in outs + [direct]]
    check(blobs[0] is not None and blobs[0] == blobs[1] and all(m == blobs[0] for m in more),
          'the same DOCX converted in six processes (two 1.5 s apart): byte-identical PDFs (%r)'
          % [m == blobs[0] for m in more])
    check(blobs[2] is not None and blobs[2] == blobs[0],
          'render -o FILE.pdf and vanthu pdf --date (the plan\'s date): byte-identical PDFs')
    check_pdf(outs[0], 'same bytes', '2018-03-05')
    q = subprocess.run(['qpdf', '--check', outs[0]], capture_output=True, text=True)
    check(q.returncode == 0, 'qpdf --check finds the PDF with its new /ID sound (%s)' % q.stdout.strip()[-200:])


def test_interrupt(vanthu, tmp, env, docs):
    """Ctrl-C on vanthu pdf while the real LibreOffice converts: exit 130,
    no soffice process of the run, no temporary folder, no PDF."""
    scratch = os.path.join(tmp, 'int-scratch')
    os.makedirs(scratch)
    out = os.path.join(tmp, 'int-out')
    p = subprocess.Popen([vanthu, 'pdf', '-j', '2', '-o', out] + docs, env=dict(env, TMPDIR=scratch),
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def mine():
        return subprocess.run(['pgrep', '-f', scratch], capture_output=True, text=True).stdout.split()

    t0 = time.monotonic()
    while len(mine()) < 2 and p.poll() is None and time.monotonic() - t0 < 60:
        time.sleep(0.05)
    time.sleep(0.2)  # LibreOffice is starting or converting (24 letters take it over a second)
    running = mine()
    p.send_signal(signal.SIGINT)
    try:
        _, err = p.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        p.kill()
        _, err = p.communicate()
    check(running and p.returncode == 130 and 'interrupted' in err,
          'SIGINT during a real conversion: exit 130, "interrupted" (%r, %s)' % (p.returncode, err.strip()[:200]))
    check(not mine(), 'SIGINT: no soffice process of the run left (%r)' % mine())
    check(os.listdir(scratch) == [] and not os.path.exists(out),
          'SIGINT: no temporary folder or profile left, no output (%r)' % os.listdir(scratch))


def test_invite(vanthu, src, tmp, env):
    """invite --pdf: letter.pdf beside each letter.docx, both in the manifests
    with their SHA-256; one converter per worker."""
    plan = os.path.join(src, 'plans', SEED_BATCH)
    d = os.path.join(tmp, 'invite-pdf')
    conv, log = counting_converter(tmp)
    r = run([vanthu, 'invite', plan, '-o', d, '--per', 'school', '--pdf', '-j', '2'],
            env=dict(env, VANTHU_SOFFICE=conv))
    if 'unknown option' in r.stderr:
        print('skip  invite --pdf: not in this build')
        return
    check(r.returncode == 0, 'invite --pdf (%s)' % r.stderr.strip()[:300])
    rows = read_manifest(d)
    docx = [row for row in rows if row['file'].endswith('.docx')]
    pdfs = [row for row in rows if row['file'].endswith('.pdf')]
    check(len(docx) == 24 and len(pdfs) == 24
          and sorted(p['file'][:-4] for p in pdfs) == sorted(x['file'][:-5] for x in docx),
          'invite --pdf: 24 letters and 24 PDFs beside them in manifest.csv')
    check(all(sha256_file(os.path.join(d, row['file'])) == row['sha256'] for row in rows),
          'invite --pdf: the manifest\'s SHA-256 match the DOCX and the PDF files')
    import json
    js = json.load(open(os.path.join(d, 'manifest.json'), encoding='utf-8'))
    files = [l['file'] for l in js['letters']]
    check(sorted(files) == sorted(row['file'] for row in rows), 'manifest.json lists the same files')
    check(starts(log) == 2, 'invite --pdf -j2 started two converters for 24 letters')
    f = check_pdf(os.path.join(d, pdfs[0]['file']), 'invite --pdf: ' + pdfs[0]['file'], '2018-03-07')
    check(f is not None and norm('kính gửi: ' + pdfs[0]['recipient']) in norm(f['text']),
          'invite --pdf: the PDF names its school')
    check_ooxml(src, d, 'invite --pdf: the letters')


def test_issue(vanthu, src, tmp, env):
    """issue --pdf: the DOCX and its PDF archived under the number, both
    with their SHA-256; verify checks both and reports a changed PDF."""
    d = os.path.join(tmp, 'register')
    os.makedirs(d)
    reg = os.path.join(d, 'register.sqlite')
    plan = os.path.join(src, 'plans', 'muong-cha-2023-ke-hoach-sinh-hoat-cum-truong.xml')
    r = run([vanthu, 'issue', plan, '--register', reg, '--date', '2026-11-23', '--pdf'], env=env)
    docx = os.path.join(d, 'archive', '2026', '2026-01-ke-hoach-pgddt.docx')
    pdf = docx[:-5] + '.pdf'
    check(r.returncode == 0 and r.stdout.strip().split('\t') == ['Số: 01/KH-PGDĐT', '2026-11-23', docx, pdf],
          'issue --pdf archives 2026-01-ke-hoach-pgddt.docx and .pdf and names both (%s)' % r.stderr.strip()[:200])
    f = check_pdf(pdf, 'issue --pdf', '2026-11-23')
    check(f is not None and 'Số: 01/KH-PGDĐT' in f['text'], 'issue --pdf: the PDF carries the number')
    import sqlite3
    con = sqlite3.connect(reg)
    files = dict(con.execute('SELECT path, sha256 FROM archive_file').fetchall())
    con.close()
    check(files == {'archive/2026/2026-01-ke-hoach-pgddt.docx': sha256_file(docx),
                    'archive/2026/2026-01-ke-hoach-pgddt.pdf': sha256_file(pdf)},
          'issue --pdf: the register records both files with their SHA-256 (%r)' % sorted(files))
    r = run([vanthu, 'register', 'verify', '--register', reg])
    check(r.returncode == 0 and r.stdout.startswith('2 archived files match'), 'verify: both match')
    with open(pdf, 'ab') as fp:
        fp.write(b'%changed')
    r = run([vanthu, 'register', 'verify', '--register', reg])
    check(r.returncode == 1 and '2026-01-ke-hoach-pgddt.pdf: changed since it was archived' in r.stdout,
          'verify reports a changed PDF (exit 1)')
    check_ooxml(src, docx, 'issue --pdf: the DOCX')
    # the printed book as a PDF: cover portrait, register pages landscape
    book = os.path.join(d, 'so-2026.pdf')
    r = run([vanthu, 'register', 'export', '--format', 'pdf', '-o', book, '--register', reg], env=env)
    check(r.returncode == 0 and r.stdout.strip() == book, 'register export --format pdf (%s)' % r.stderr.strip()[:200])
    f = check_pdf_book(book)
    # the ký hiệu's hyphen is a non-breaking one, which pdftotext drops
    check(f is not None and 'SỔ ĐĂNG KÝ VĂN BẢN ĐI' in f['text']
          and re.search('01/KH[-\u2011]?PGDĐT', f['text']) is not None,
          'the PDF book has its cover and the entry')
    sizes = re.findall(r'Page\s+\d+\s+size:\s+([\d.]+) x ([\d.]+)',
                       run(['pdfinfo', '-f', '1', '-l', '2', book]).stdout)
    check(len(sizes) == 2 and float(sizes[0][0]) < float(sizes[0][1]) and float(sizes[1][0]) > float(sizes[1][1]),
          'the PDF book: portrait cover, landscape register pages (%r)' % (sizes,))
    check(sorted(os.listdir(d)) == ['archive', 'register.sqlite', 'so-2026.pdf'] or
          sorted(x for x in os.listdir(d) if not x.startswith('register.sqlite')) == ['archive', 'so-2026.pdf'],
          'export --format pdf leaves no DOCX beside it (%r)' % sorted(os.listdir(d)))


def check_pdf_book(pdf):
    """PDF/A-2b and only embedded Liberation Serif, like every vanthu PDF."""
    if not check(os.path.isfile(pdf), 'the PDF book exists'):
        return None
    f = pdf_facts(pdf)
    names = sorted(set(n for n, _ in f['fonts']))
    check(f['part'] and f['conformance'] and f['fonts'] and all(e for _, e in f['fonts'])
          and set(names) <= TIMES, 'the PDF book: PDF/A-2b, only embedded Liberation Serif (%r)' % names)
    return f


def main():
    a = parse_args()
    if shutil.which('soffice') is None:
        print('skip  no LibreOffice (soffice) on PATH: install libreoffice-writer-nogui')
        print('0 passed, 0 failed')
        return 0
    tmp = tempfile.mkdtemp(prefix='vt-pdf-')
    # the converter's folders go under a private TMPDIR: it must be empty at the end
    scratch = os.path.join(tmp, 'scratch')
    os.makedirs(scratch)
    env = dict(os.environ, VANTHU_TEMPLATES=os.path.join(a.build, 'templates'), TMPDIR=scratch)
    env.pop('VANTHU_SOFFICE', None)
    try:
        test_plans(a.vanthu, a.source, tmp, env)
        letters = test_batch(a.vanthu, a.source, tmp, env)
        test_interrupt(a.vanthu, tmp, env, sorted(glob.glob(os.path.join(letters, '*.docx'))))
        test_same_bytes(a.vanthu, a.source, tmp, env)
        test_invite(a.vanthu, a.source, tmp, env)
        test_issue(a.vanthu, a.source, tmp, env)
        check(left_behind(scratch) == [], 'no converter folder or profile left in TMPDIR (%r)'
              % left_behind(scratch))
        stray = subprocess.run(['pgrep', '-f', scratch], capture_output=True, text=True).stdout.split()
        check(not stray, 'no converter process left running (%r)' % stray)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print('%d passed, %d failed' % (RESULTS['passed'], RESULTS['failed']))
    return 1 if RESULTS['failed'] else 0


if __name__ == '__main__':
    sys.exit(main())
