#!/usr/bin/env python3
"""The batch benchmark: vanthu invite against docxtemplater + pizzip and
against the floor of plain file writes, in the same run, on the same data.

  1. Generate a batch plan of CLUSTERS x SCHOOLS letters (gen_plan.py).
  2. vanthu invite --per school (all cores, as a clerk runs it).
  3. docxtemplater: its template is a vanthu letter whose varying texts
     were rendered as sentinels and then replaced by docxtemplater {tags},
     so both tools produce the same document; its data is the same plan's
     clusters and schools.  Run the way its documentation shows, one Node
     process; a per-core comparison (vanthu -j1) is printed as well.
  4. The floor: one finished letter written N times with open/write/close
     and one syncfs at the end, the least any tool must do.
  5. The PDF row, on a smaller batch of PDF_LETTERS (conversion is about
     a hundred times slower): vanthu invite --per school --pdf (PDF/A-2b,
     one LibreOffice per -j worker) against Carbone (carbone.js) with as
     many LibreOffice factories as vanthu has workers; its template is
     built like docxtemplater's, with Carbone's {d.field} tags.  Both
     PDFs of a sample of letters must give the same text (pdftotext).
  6. Peak RSS (and time) of one run of BIG_CLUSTERS x SCHOOLS letters
     (100,000 by default), written and --dry-run.
  7. Start-up: per-process latency of vanthu render beside /bin/true and
     vanthu --version (spawn.c), for the shared and the static build.
The contenders take turns for RUNS rounds, each run into a new folder
(ext4 creates files slowly right after many were deleted, so nothing is
deleted until the end); the median of each is reported.  Before each
timing the benchmark waits up to IDLE_WAIT seconds for the machine to be
idle, and it reports the CPU the other processes used during each timing
(/proc/stat less the run's own rusage), so a loaded machine shows.
Peak RSS comes from GNU time, the parent of each process.  Not part of the test suite:
timings belong here, not in pass/fail tests.

usage: bench.py --vanthu build-bench/vanthu --floor build-bench/floor
                [--clusters 1000] [--schools 10] [--runs 3] [--work DIR]
                [--pdf-letters 40]  (0: no PDF row)
                [--rss-letters 1000,10000,100000,1000000] ("": no peak-RSS table)
                [--idle-wait 20] [--spawn build-bench/spawn]
                [--vanthu-static build-bench-static/vanthu] [--startup-runs 200]
"""
import argparse
import csv
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
W = '{http://schemas.openxmlformats.org/wordprocessingml/2006/main}'


def cpu_busy():
    """(busy, total) jiffies of all CPUs from /proc/stat: busy is user,
    nice, system, irq, softirq and steal."""
    f = [int(x) for x in open('/proc/stat').readline().split()[1:]]
    busy = f[0] + f[1] + f[2] + f[5] + f[6] + (f[7] if len(f) > 7 else 0)
    return busy, sum(f[:8])


def wait_idle(max_wait, threshold=0.10):
    """Wait up to max_wait seconds for a half-second in which all CPUs
    together were busy less than threshold of the time; return the busy
    fraction of the last half-second (what the timing then starts on)."""
    t_end = time.monotonic() + max_wait
    while True:
        b0, t0 = cpu_busy()
        time.sleep(0.5)
        b1, t1 = cpu_busy()
        frac = (b1 - b0) / max(1, t1 - t0)
        if frac < threshold or time.monotonic() >= t_end:
            return frac


def timed(args, rss_file, env=None, idle_wait=0.0):
    """Run args under GNU time (a small parent, so the peak RSS is the
    program's own and not a forked Python's); return (wall seconds, peak
    RSS in MiB, stdout, CPU seconds the other processes of the machine
    used meanwhile).  The others' CPU is all the CPU /proc/stat counts
    during the run less the run's own (wait4 of GNU time, which includes
    the program it waited for); kernel threads writing the run's files back
    count as others."""
    if idle_wait > 0:
        wait_idle(idle_wait)
    hz = os.sysconf('SC_CLK_TCK')
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    b0, _ = cpu_busy()
    t0 = time.perf_counter()
    p = subprocess.Popen(['/usr/bin/time', '-f', '%M', '-o', rss_file] + args,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    out, err = p.communicate()
    wall = time.perf_counter() - t0
    b1, _ = cpu_busy()
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    own = (r1.ru_utime + r1.ru_stime) - (r0.ru_utime + r0.ru_stime)
    if p.returncode != 0:
        sys.exit('bench: %s failed (%d): %s' % (args[0], p.returncode, err.decode()[-2000:]))
    rss_kb = int(open(rss_file).read().split()[-1])
    others = max(0.0, (b1 - b0) / hz - own)
    timed.own = own
    return wall, rss_kb / 1024.0, out.decode(), others


def time_long(date, session, hhmm):
    """vn_text.c's vt_time_long, for docxtemplater's data."""
    y, m, d = (int(x) for x in date.split('-'))
    s = ''
    if hhmm:
        h, mi = (int(x) for x in hhmm.split(':'))
        s = '%d giờ %02d phút, ' % (h, mi)
    elif session:
        s = 'buổi %s, ' % session
    return s + 'ngày %02d tháng %s năm %d' % (d, ('%02d' % m) if m <= 2 else str(m), y)


def number_pad(n):
    return '%02d' % n


SENTINEL_PLAN_CLUSTER = '''    <cluster name="QQCLUSTERQQ" date="2099-12-28" time="07:30">
      <host>QQHOSTQQ</host>
      <venue>QQVENUEQQ</venue>
      <topic>tổ chức các hoạt động trải nghiệm cho học sinh</topic>
{schools}    </cluster>
'''


def make_docxtemplater_template(vanthu, plan_xml, schools, work, tag='{%s}', name='docxtemplater'):
    """Render one letter with sentinel values and turn the sentinels into
    tags (docxtemplater's {field}, or Carbone's {d.field} when tag says
    so); every other byte of the document is vanthu's."""
    text = open(plan_xml, encoding='utf-8').read()
    head = text[:text.index('  <clusters>\n') + len('  <clusters>\n')]
    tail = text[text.index('  </clusters>'):]
    body = SENTINEL_PLAN_CLUSTER.format(
        schools=''.join('      <school>QQS%dQQ</school>\n' % i for i in range(schools)))
    sentinel = os.path.join(work, 'sentinel.xml')
    with open(sentinel, 'w', encoding='utf-8') as f:
        f.write(re.sub(r'<number>\d+</number>', '<number>9999</number>', head) + body + tail)
    out = os.path.join(work, 'sentinel')
    shutil.rmtree(out, ignore_errors=True)
    subprocess.run([vanthu, 'invite', sentinel, '-o', out, '--per', 'school', '-j', '1'],
                   check=True, capture_output=True)
    first = [r for r in csv.DictReader(open(os.path.join(out, 'manifest.csv'), encoding='utf-8-sig'))][0]
    src = os.path.join(out, first['file'])
    with zipfile.ZipFile(src) as z:
        doc = z.read('word/document.xml').decode('utf-8')
        entries = [(i, z.read(i.filename)) for i in z.infolist()]
    cut = doc.index('Nơi nhận')
    before, after = doc[:cut], doc[cut:]
    before = before.replace('QQS0QQ', tag % 'school')
    for i in range(schools):
        after = after.replace('QQS%dQQ' % i, tag % ('s%d' % i))
    doc = before + after
    doc = doc.replace('9999/', tag % 'number' + '/').replace('QQCLUSTERQQ', tag % 'cluster')
    doc = doc.replace('QQHOSTQQ', tag % 'host').replace('QQVENUEQQ', tag % 'venue')
    doc = doc.replace(time_long('2099-12-28', None, '07:30'), tag % 'time')
    left = re.findall(r'QQ\w+QQ|9999|2099', doc)
    if left:
        sys.exit('bench: sentinels left in the %s template: %s' % (name, left[:5]))
    tpl = os.path.join(work, '%s-template.docx' % name)
    with zipfile.ZipFile(tpl, 'w', zipfile.ZIP_DEFLATED) as z:
        for info, data in entries:
            z.writestr(info.filename, doc.encode('utf-8') if info.filename == 'word/document.xml' else data)
    return tpl


def letters_data(plan_xml, manifest_rows):
    """docxtemplater's data for every letter, in the manifest's order."""
    root = ET.parse(plan_xml).getroot()
    first = int(root.find('number').text)
    data = []
    for ci, cl in enumerate(root.find('clusters').findall('cluster')):
        schools = [s.text for s in cl.findall('school')]
        common = {
            'number': number_pad(first + ci), 'cluster': cl.get('name'),
            'host': cl.find('host').text, 'venue': cl.find('venue').text,
            'time': time_long(cl.get('date'), cl.get('session'), cl.get('time')),
        }
        for i, s in enumerate(schools):
            common['s%d' % i] = s
        for s in schools:
            data.append(dict(common, school=s))
    if len(data) != len(manifest_rows):
        sys.exit('bench: %d letters of data for %d files' % (len(data), len(manifest_rows)))
    return [{'file': row['file'], 'data': d} for row, d in zip(manifest_rows, data)]


def pdf_text(path):
    """The words of a PDF, as pdftotext reads them: line breaks and
    spacing may differ between two converters' fonts, the words may not."""
    p = subprocess.run(['pdftotext', '-enc', 'UTF-8', path, '-'], capture_output=True, check=True)
    return p.stdout.decode('utf-8').split()


def carbone_env():
    """Carbone looks for soffice.bin (not the soffice script) on PATH and
    in /opt, and for a python3 that can import uno: on Debian these are
    /usr/lib/libreoffice/program and /usr/bin/python3 (python3-uno), which
    go first so that no other python3 on PATH is taken."""
    env = dict(os.environ)
    env['PATH'] = '/usr/lib/libreoffice/program:/usr/bin:' + env.get('PATH', '')
    return env


def doc_text(path):
    with zipfile.ZipFile(path) as z:
        root = ET.fromstring(z.read('word/document.xml'))
    return [''.join(t.text or '' for t in p.iter(W + 't')) for p in root.iter(W + 'p')]


def startup(a, work):
    """Per-process latency of one render beside /bin/true and --version,
    for the shared build and (when given) the static one: spawn.c starts
    each STARTUP_RUNS times in a row and prints median and mean wall ms
    and mean CPU ms per process.  A render writes with fsync, so it is
    timed twice: into a tmpfs (the process's own cost) and onto the disk
    (what a clerk waits for, the fsync included)."""
    plan = os.path.join(os.path.dirname(HERE), '..', 'plans', 'kim-thanh-2018-giay-moi-cum-1.xml')
    shm = '/dev/shm' if os.path.isdir('/dev/shm') else work
    tmpfs_dir = tempfile.mkdtemp(prefix='vanthu-bench-', dir=shm)
    builds = [('shared', a.vanthu)] + ([('static', a.vanthu_static)] if a.vanthu_static else [])
    rows = [('/bin/true', ['/bin/true'])]
    for name, exe in builds:
        rows += [('vanthu --version (%s)' % name, [exe, '--version']),
                 ('vanthu render, tmpfs (%s)' % name,
                  [exe, 'render', plan, '-o', os.path.join(tmpfs_dir, 'r.docx')]),
                 ('vanthu render, disk (%s)' % name,
                  [exe, 'render', plan, '-o', os.path.join(work, 'r.docx')])]
    print()
    print('%-34s %10s %10s %12s %16s' % ('start-up, %d runs' % a.startup_runs, 'median ms',
                                         'mean ms', 'CPU ms/proc', 'others CPU %'))
    hz = os.sysconf('SC_CLK_TCK')
    for label, cmd in rows:
        if a.idle_wait > 0:
            wait_idle(a.idle_wait)
        b0, _ = cpu_busy()
        t0 = time.perf_counter()
        p = subprocess.run([a.spawn, str(a.startup_runs)] + cmd, capture_output=True)
        wall = time.perf_counter() - t0
        b1, _ = cpu_busy()
        if p.returncode != 0:
            sys.exit('bench: %s failed: %s' % (label, p.stderr.decode()[-500:]))
        med, mean, cpu = (float(x) for x in p.stdout.split())
        other = max(0.0, (b1 - b0) / hz - cpu * a.startup_runs / 1000.0)
        print('%-34s %10.2f %10.2f %12.2f %16.0f' % (label, med, mean, cpu, 100 * other / wall),
              flush=True)
    shutil.rmtree(tmpfs_dir, ignore_errors=True)
    print('target: a single render <= 5 ms per process')


# When this benchmark last deleted its output (many thousand files): ext4
# without a journal skips recently freed inodes when it allocates new ones
# and creates files 2-4x slower for a while, so a run that follows another
# waits until DELETE_QUIET seconds have passed since that deletion.
DELETE_STAMP = os.path.join(tempfile.gettempdir(), 'vanthu-bench-deleted')
DELETE_QUIET = 120


def rss_table(a, work):
    """Peak RSS of one batch of each size, written (up to --rss-write-max),
    --dry-run and validate, once each, into new folders: RSS does not depend
    on the load, so these need no rounds."""
    print()
    print('peak RSS (MiB), gen_plan.py N/%d %d, --per school, -j%d:' % (a.schools, a.schools, os.cpu_count()))
    print('%10s %14s %14s %14s %10s' % ('letters', 'invite', 'invite --dry-run', 'validate', 'dry-run s'))
    for n in (int(x) for x in a.rss_letters.split(',')):
        plan = os.path.join(work, 'rss-plan-%d.xml' % n)
        subprocess.run([sys.executable, os.path.join(HERE, 'gen_plan.py'), str(max(1, n // a.schools)),
                        str(a.schools), plan], check=True)
        big = ['--max-plan-bytes', str(os.path.getsize(plan) + 1)]
        cells = []
        for kind in ('write', 'dry', 'validate'):
            if kind == 'write' and n > a.rss_write_max:
                cells.append('not run')
                continue
            if kind == 'validate':
                args = [a.vanthu, 'validate'] + big + [plan]
            else:
                args = ([a.vanthu, 'invite', plan, '-o', os.path.join(work, 'rss-%s-%d' % (kind, n)),
                         '--per', 'school'] + big + (['--dry-run'] if kind == 'dry' else []))
            w, r, _, _ = timed(args, os.path.join(work, 'rss'), None, 0)
            if kind == 'dry':
                dry_s = w
            cells.append('%.1f' % r)
        print('%10d %14s %14s %14s %10.1f' % (n, cells[0], cells[1], cells[2], dry_s), flush=True)
        os.unlink(plan)
    print('target: <= 64 MiB at 100,000 letters written and at 1,000,000 with --dry-run')


def wait_after_delete():
    try:
        since = time.time() - os.path.getmtime(DELETE_STAMP)
    except OSError:
        return
    if since < DELETE_QUIET:
        print('waiting %.0f s: the last run deleted its files %.0f s ago'
              % (DELETE_QUIET - since, since), flush=True)
        time.sleep(DELETE_QUIET - since)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--vanthu', required=True)
    ap.add_argument('--floor', required=True)
    ap.add_argument('--clusters', type=int, default=1000)
    ap.add_argument('--schools', type=int, default=10)
    ap.add_argument('--runs', type=int, default=3)
    ap.add_argument('--work')
    ap.add_argument('--pdf-letters', type=int, default=40)
    ap.add_argument('--rss-letters', default='1000,10000,100000,1000000',
                    help='the peak-RSS table: batches of this many letters, comma-separated ("": none)')
    ap.add_argument('--rss-write-max', type=int, default=100000,
                    help='the peak-RSS table writes files only up to this many letters (a million '
                         'letters are 7 GB); larger batches are --dry-run and validate only')
    ap.add_argument('--idle-wait', type=float, default=20.0,
                    help='before each timing, wait up to this many seconds for an idle machine')
    ap.add_argument('--spawn', help='tests/bench/spawn.c, for the start-up rows')
    ap.add_argument('--vanthu-static', help='a -DVANTHU_STATIC=ON build, for the start-up rows')
    ap.add_argument('--startup-runs', type=int, default=200)
    a = ap.parse_args()
    wait_after_delete()
    work = a.work or tempfile.mkdtemp(prefix='vanthu-bench-')
    os.makedirs(work, exist_ok=True)
    n = a.clusters * a.schools
    plan = os.path.join(work, 'plan.xml')
    subprocess.run([sys.executable, os.path.join(HERE, 'gen_plan.py'), str(a.clusters),
                    str(a.schools), plan], check=True)
    cores = os.cpu_count()
    cpu = next((l.split(':', 1)[1].strip() for l in open('/proc/cpuinfo') if l.startswith('model name')), '?')
    print('machine: %d cores, %s; %s' % (cores, cpu, os.uname().release))
    print('letters: %d (%d clusters x %d schools), %d runs each, median' % (n, a.clusters, a.schools, a.runs))
    load0 = os.getloadavg()
    print('load average at start: %.2f %.2f %.2f' % load0)

    # an untimed warm-up run gives the file names, the letter the floor
    # copies, and docxtemplater's template and data
    warm = os.path.join(work, 'warm-up')
    subprocess.run([a.vanthu, 'invite', plan, '-o', warm, '--per', 'school'], check=True,
                   capture_output=True)
    rows = list(csv.DictReader(open(os.path.join(warm, 'manifest.csv'), encoding='utf-8-sig')))
    sizes = sorted(os.path.getsize(os.path.join(warm, r['file'])) for r in rows)
    total = sum(sizes)
    median_letter = os.path.join(warm, next(r['file'] for r in rows
                                            if os.path.getsize(os.path.join(warm, r['file'])) == sizes[len(sizes) // 2]))
    tpl = make_docxtemplater_template(a.vanthu, plan, a.schools, work)
    data = os.path.join(work, 'letters.json')
    with open(data, 'w', encoding='utf-8') as f:
        json.dump(letters_data(plan, rows), f, ensure_ascii=False)

    pdf_n = 0
    if a.pdf_letters > 0:
        pdf_clusters = -(-a.pdf_letters // a.schools)
        pdf_n = pdf_clusters * a.schools
        pdf_plan = os.path.join(work, 'pdf-plan.xml')
        subprocess.run([sys.executable, os.path.join(HERE, 'gen_plan.py'), str(pdf_clusters),
                        str(a.schools), pdf_plan], check=True)
        pdf_warm = os.path.join(work, 'pdf-warm-up')
        subprocess.run([a.vanthu, 'invite', pdf_plan, '-o', pdf_warm, '--per', 'school'], check=True,
                       capture_output=True)
        pdf_rows = list(csv.DictReader(open(os.path.join(pdf_warm, 'manifest.csv'), encoding='utf-8-sig')))
        c_tpl = make_docxtemplater_template(a.vanthu, pdf_plan, a.schools, work, '{d.%s}', 'carbone')
        c_data = os.path.join(work, 'carbone-letters.json')
        with open(c_data, 'w', encoding='utf-8') as f:
            json.dump(letters_data(pdf_plan, pdf_rows), f, ensure_ascii=False)
        print('PDF row: %d letters (%d clusters x %d schools); Carbone with %d factories'
              % (pdf_n, pdf_clusters, a.schools, cores))

    # contenders take turns, round after round, so that none always runs
    # on a quieter disk than another
    contenders = [
        ('floor (write N copies)', lambda o: [a.floor, median_letter, str(n), o]),
        ('vanthu invite -j%d' % cores, lambda o: [a.vanthu, 'invite', plan, '-o', o, '--per', 'school']),
        ('vanthu invite -j1', lambda o: [a.vanthu, 'invite', plan, '-o', o, '--per', 'school', '-j', '1']),
        ('docxtemplater + pizzip', lambda o: ['node', os.path.join(HERE, 'docxtemplater.js'), tpl, data, o]),
    ]
    vp_label, c_label = 'vanthu invite --pdf -j%d' % cores, 'Carbone, %d factories' % cores
    node = shutil.which('node')
    if pdf_n:
        contenders += [
            (vp_label, lambda o: [a.vanthu, 'invite', pdf_plan, '-o', o, '--per', 'school', '--pdf']),
            (c_label, lambda o: [node, os.path.join(HERE, 'carbone.js'), c_tpl, c_data, o, str(cores)]),
        ]
    walls = {c[0]: [] for c in contenders}
    others = {c[0]: [] for c in contenders}
    own_cpu = {c[0]: [] for c in contenders}
    rss = {c[0]: 0.0 for c in contenders}
    last = {}
    for k in range(a.runs):
        for label, make in contenders:
            out_dir = os.path.join(work, '%s-%d' % (re.sub(r'\W+', '-', label), k))
            subprocess.run(['sync'])
            w, r, _, o = timed(make(out_dir), os.path.join(work, 'rss'),
                               carbone_env() if label == c_label else None, a.idle_wait)
            walls[label].append(w)
            others[label].append(o)
            own_cpu[label].append(timed.own)
            rss[label] = max(rss[label], r)
            last[label] = out_dir
            print('  %-28s run %d: %.3f s, peak RSS %.1f MiB, other processes used %.2f s CPU'
                  ' (%.0f%% of one core)' % (label, k + 1, w, r, o, 100 * o / w), flush=True)
    med = {label: statistics.median(v) for label, v in walls.items()}
    v_label, v1_label, d_label, f_label = ('vanthu invite -j%d' % cores, 'vanthu invite -j1',
                                           'docxtemplater + pizzip', 'floor (write N copies)')
    v_wall, v1_wall, d_wall, f_wall = med[v_label], med[v1_label], med[d_label], med[f_label]
    v_rss = rss[v_label]
    v_out, d_out = last[v_label], last[d_label]
    # the two tools wrote the same letters: compare the text of a sample
    sample = rows[:: max(1, len(rows) // 25)]
    diff = [r['file'] for r in sample
            if doc_text(os.path.join(v_out, r['file'])) != doc_text(os.path.join(d_out, r['file']))]
    if diff:
        sys.exit('bench: docxtemplater and vanthu letters differ in text: %s' % diff[:3])

    print()
    print('%-28s %9s %12s %14s %10s %16s' % ('', 'seconds', 'letters/s', 'peak RSS MiB',
                                              'own CPU s', 'others CPU s/run'))
    for label in (v_label, v1_label, d_label, f_label):
        print('%-28s %9.3f %12.0f %14.1f %10.2f %16.2f' % (
            label, med[label], n / med[label], rss[label], statistics.median(own_cpu[label]),
            statistics.median(others[label])))
    print()
    print('output: %d files, %.1f MB (median letter %d bytes)' % (n, total / 1e6, sizes[len(sizes) // 2]))
    print('vanthu / docxtemplater throughput: %.1fx (target >= 50x); per core (-j1): %.1fx'
          ' (target >= 30x)' % (d_wall / v_wall, d_wall / v1_wall))
    print('vanthu -j%d time / floor time: %.2fx (target <= 1.8x)' % (cores, v_wall / f_wall))
    print('vanthu -j%d speed-up over -j1: %.2fx (target >= 1.85x)' % (cores, v1_wall / v_wall))
    # CPU time depends far less on what else runs than wall time does
    print('CPU time (user + system, own): vanthu -j%d %.2fx the floor\'s; docxtemplater %.1fx'
          ' vanthu -j1\'s' % (cores, statistics.median(own_cpu[v_label]) / statistics.median(own_cpu[f_label]),
                               statistics.median(own_cpu[d_label]) / statistics.median(own_cpu[v1_label])))
    print('vanthu peak RSS at %d letters: %.1f MiB' % (n, v_rss))
    print('same text in a sample of %d letters from both tools: yes' % len(sample))
    if a.rss_letters:
        rss_table(a, work)
    if a.spawn:
        startup(a, work)
    if pdf_n:
        # the same letters as PDFs: compare the words of a sample
        p_sample = pdf_rows[:: max(1, len(pdf_rows) // 5)]
        for r in p_sample:
            pdf = r['file'][:-len('.docx')] + '.pdf'
            vt, ct = (pdf_text(os.path.join(last[l], pdf)) for l in (vp_label, c_label))
            if vt != ct or not vt:
                sys.exit('bench: Carbone and vanthu PDFs differ in text: %s' % pdf)
        print()
        print('%-28s %9s %12s %14s' % ('PDF, %d letters' % pdf_n, 'seconds', 'letters/s', 'peak RSS MiB'))
        for label in (vp_label, c_label):
            print('%-28s %9.3f %12.2f %14.1f' % (label, med[label], pdf_n / med[label], rss[label]))
        print('vanthu / Carbone PDF throughput: %.2fx (target > 1x)' % (med[c_label] / med[vp_label]))
        print('peak RSS: the largest single process of each tree (LibreOffice, for both)')
        print('same text (pdftotext) in a sample of %d PDFs from both tools: yes' % len(p_sample))
    print('load average at end: %.2f %.2f %.2f' % os.getloadavg())
    if not a.work:
        shutil.rmtree(work, ignore_errors=True)
        open(DELETE_STAMP, 'w').close()


if __name__ == '__main__':
    main()
