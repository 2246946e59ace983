#!/usr/bin/env python3
"""Output paths, signals and thread limits (issue 11, classes 12, 13, 21-25).

Every case runs the real binary and checks its exit code (never a signal),
its message, and that nothing is left behind: no staging folder beside or
inside the output folder, no temporary file, no half batch, and an old
batch that a failed or interrupted run must keep intact, file by file
against its own manifest.

  12  -j above the maximum is a usage error naming it; a huge -j under a
      memory limit either works with fewer threads or says why it failed
  13  invite and validate report every problem of a batch at once, in the
      same words
  21  -o DIR/, -o ., a link to an empty folder, an empty folder under a
      read-only parent
  22  --force: a later letter failing leaves the old batch whole
  23  SIGINT/SIGTERM during a 10,000-letter run: exit 130/143, no staging
      folder, old batch intact; a stage left by SIGKILL is removed by the
      next run, and only that
  24  -o a device, a FIFO, /proc/self/fd/1, links to them: refused; a link
      to a regular file: the link is replaced, the file it names untouched
  25  an existing file with a 250-byte name is replaced
"""
import csv
import hashlib
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import zipfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'integration'))
from test_render import RESULTS, WRAP, check, parse_args  # noqa: E402

BATCH = 'plans/kim-thanh-2018-giay-moi-sinh-hoat-cum-truong.xml'
SINGLE = 'plans/muong-cha-2023-ke-hoach-sinh-hoat-cum-truong.xml'
STAGE = re.compile(r'(^\.vanthu-stage-|\.vanthu-[0-9a-f]{12}$|^\.vt-[0-9a-f]{12}\.tmp$)')


def vt(vanthu, args, env, fsize=None, user=None, timeout=300, cwd=None):
    """Run vanthu (under VT_WRAP if set); fsize limits the size of each file
    it writes, user runs it as that uid (for a read-only parent as root)."""
    cmd = WRAP + [vanthu] + args
    if user is not None:
        cmd = ['setpriv', '--reuid=%d' % user, '--regid=%d' % user, '--clear-groups'] + cmd

    def limit():
        if fsize:
            resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))
    try:
        return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=timeout,
                              preexec_fn=limit, cwd=cwd)
    except subprocess.TimeoutExpired:
        return None


def leftovers(*folders):
    """Staging folders and temporary files in the given folders."""
    found = []
    for f in folders:
        if os.path.isdir(f):
            found += [os.path.join(f, n) for n in os.listdir(f) if STAGE.search(n)]
    return found


def sha(path):
    with open(path, 'rb') as f:
        return hashlib.sha256(f.read()).hexdigest()


def batch_intact(d, alone=True):
    """Every file the manifest lists is there with its checksum, and (alone)
    nothing else but the manifests."""
    try:
        with open(os.path.join(d, 'manifest.csv'), encoding='utf-8-sig', newline='') as f:
            rows = list(csv.DictReader(f))
    except OSError:
        return False
    names = {r['file'] for r in rows} | {'manifest.csv', 'manifest.json'}
    return ((not alone or set(os.listdir(d)) == names) and
            all(sha(os.path.join(d, r['file'])) == r['sha256'] for r in rows))


def tree(d):
    """{name: sha256} of the files in d."""
    return {n: sha(os.path.join(d, n)) for n in sorted(os.listdir(d))
            if os.path.isfile(os.path.join(d, n))}


def outcome(r):
    if r is None:
        return 'timed out'
    return 'exit %d: %s' % (r.returncode, ' | '.join(r.stderr.strip().splitlines())[:300])


def case(label, r, code, pattern, ok=True, where=()):
    left = leftovers(*where)
    check(r is not None and r.returncode == code and re.search(pattern, r.stderr) is not None
          and ok and not left,
          '%s: exit %d, /%s/, nothing left behind (%s; left %r)' % (label, code, pattern, outcome(r), left))


# ---- 12: -j ----------------------------------------------------------------

def jobs(vanthu, src, tmp, env):
    plan = os.path.join(src, BATCH)
    out = os.path.join(tmp, 'j-over')
    r = vt(vanthu, ['invite', plan, '-o', out, '-j', '65'], env)
    case('-j 65', r, 2, r'-j needs a number of threads from 1 to 64 \(the maximum\)',
         not os.path.exists(out), [tmp])
    r = vt(vanthu, ['invite', plan, '-o', out, '-j', '1000000000000'], env)
    case('-j 10^12', r, 2, r'from 1 to 64', not os.path.exists(out), [tmp])
    with open(vanthu, 'rb') as f:
        sanitized = b'__asan_init' in f.read()
    if WRAP or sanitized:
        # valgrind and AddressSanitizer reserve more address space than
        # any such limit allows
        print('skip  -j 64 under a memory limit (not under %s)' % (WRAP[0] if WRAP else 'ASan'))
        return
    big = os.path.join(tmp, 'j-plan.xml')
    subprocess.run([sys.executable, os.path.join(src, 'tests', 'bench', 'gen_plan.py'), '200', '1', big],
                   check=True)
    ref = os.path.join(tmp, 'j-ref')
    r = vt(vanthu, ['invite', big, '-o', ref, '-j', '1'], env)
    check(r is not None and r.returncode == 0, '-j 1 reference batch (%s)' % outcome(r))
    for mib in (96, 160, 400):
        out = os.path.join(tmp, 'j-%d' % mib)
        cmd = ['sh', '-c', 'ulimit -v %d; exec "$@"' % (mib * 1024), 'sh', vanthu, 'invite', big,
               '-o', out, '-j', '64']
        r = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=300)
        if r.returncode == 0:
            same = os.path.isdir(out) and tree(out) == tree(ref)
            check(same and not leftovers(tmp, out),
                  '-j 64 under ulimit -v %d MiB: done, same bytes as -j 1 (%s)' % (mib, outcome(r)))
        else:
            check(r.returncode in (1, 3) and r.stderr.strip() and not os.path.exists(out)
                  and not leftovers(tmp),
                  '-j 64 under ulimit -v %d MiB: fails with a message, never silent (%s)' % (mib, outcome(r)))


# ---- 13: every problem at once -------------------------------------------

def every_problem(vanthu, src, tmp, env):
    text = open(os.path.join(src, BATCH), encoding='utf-8').read()
    bad = (text.replace('<school>TH Kim Tân</school>', '<school>TH Lai Vu</school>')
               .replace(' date="2018-03-20"', '')
               .replace('<venue>Trường TH Đồng Gia</venue>', ''))
    plan = os.path.join(tmp, 'all-problems.xml')
    open(plan, 'w', encoding='utf-8').write(bad)
    out = os.path.join(tmp, 'all-out')
    want = [r'all-problems\.xml:\d+:\d+: <cluster name="Cụm số 3"> has no date=',
            r'all-problems\.xml:\d+:\d+: <cluster name="Cụm số 4"> has no <venue>',
            r'all-problems\.xml:\d+:\d+: <school> "TH Lai Vu" is listed twice \(in "Cụm số 1" and "Cụm số 3"\)']
    ri = vt(vanthu, ['invite', plan, '-o', out], env)
    case('invite: a school twice, a cluster without date, one without venue', ri, 1,
         '(?s)' + '.*'.join(want), not os.path.exists(out), [tmp])
    rv = vt(vanthu, ['validate', plan], env)
    case('validate: the same three problems', rv, 1, '(?s)' + '.*'.join(want))
    check(ri is not None and rv is not None and ri.stderr == rv.stderr,
          'validate and invite say the same words')
    r = vt(vanthu, ['validate', os.path.join(src, BATCH), os.path.join(src, SINGLE)], env)
    check(r is not None and r.returncode == 0 and r.stdout.count(': ok') == 2,
          'validate: a good batch plan and a plan listing clusters (no invitation) pass (%s)' % outcome(r))
    noinv = re.sub(r'<invitation>.*?</invitation>', '', text, flags=re.S)
    p2 = os.path.join(tmp, 'no-invitation.xml')
    open(p2, 'w', encoding='utf-8').write(noinv)
    r = vt(vanthu, ['validate', p2], env)
    case('validate: a giấy mời batch without <invitation>', r, 1,
         r'no-invitation\.xml:\d+:\d+: <plan> (has no|is missing) <invitation>')


# ---- 21: the -o folder ----------------------------------------------------

def folders(vanthu, src, tmp, env):
    plan = os.path.join(src, BATCH)
    root = os.path.join(tmp, 'o')
    os.makedirs(root)

    def good(label, r, d, where):
        ok = r is not None and r.returncode == 0 and os.path.isdir(d) and batch_intact(d)
        left = leftovers(*where)
        check(ok and not left and len(os.listdir(d)) == 6,
              '-o %s: the batch is written (%s; left %r)' % (label, outcome(r), left))

    d = os.path.join(root, 'new')
    good('NEW/ (trailing slash)', vt(vanthu, ['invite', plan, '-o', d + '/'], env), d, [root, d])
    d = os.path.join(root, 'empty')
    os.makedirs(d)
    good('EMPTY// (existing, slashes)', vt(vanthu, ['invite', plan, '-o', d + '//'], env), d, [root, d])
    d = os.path.join(root, 'cwd')
    os.makedirs(d)
    good('. (the current folder)', vt(vanthu, ['invite', plan, '-o', '.'], env, cwd=d), d, [root, d])
    d = os.path.join(root, 'target')
    os.makedirs(d)
    link = os.path.join(root, 'link')
    os.symlink('target', link)
    r = vt(vanthu, ['invite', plan, '-o', link], env)
    good('a symbolic link to an empty folder', r, d, [root, d])
    check(os.path.islink(link), '-o link: the link is still a link')
    # an empty writable folder under a read-only parent
    ro = os.path.join(root, 'ro')
    inner = os.path.join(ro, 'inner')
    os.makedirs(inner)
    user = None
    if os.geteuid() == 0:
        user = 65534
        os.chmod(tmp, 0o755)
        os.chmod(root, 0o755)
        os.chown(inner, user, user)
    os.chmod(ro, 0o555)
    r = vt(vanthu, ['invite', plan, '-o', inner], env, user=user)
    good('an empty folder under a read-only parent', r, inner, [ro, inner])
    # --force into a folder with an old batch, under a read-only parent
    r = vt(vanthu, ['invite', plan, '-o', inner, '--force', '--per', 'school'], env, user=user)
    check(r is not None and r.returncode == 0 and batch_intact(inner, alone=False)
          and len(os.listdir(inner)) == 4 + 24 + 2
          and not leftovers(ro, inner),
          '--force over an old batch under a read-only parent: old letters kept, new ones in (%s)'
          % outcome(r))
    os.chmod(ro, 0o755)
    dang = os.path.join(root, 'dangling')
    os.symlink('nowhere', dang)
    r = vt(vanthu, ['invite', plan, '-o', dang], env)
    case('-o a symbolic link to nothing', r, 3, r'is a symbolic link to nothing',
         os.path.islink(dang) and not os.path.exists(os.path.join(root, 'nowhere')), [root])
    r = vt(vanthu, ['invite', plan, '-o', ''], env, cwd=root)
    case('invite -o ""', r, 2, r'-o needs a folder name', True, [root])
    r = vt(vanthu, ['invite', plan, '-o', '/dev/null'], env)
    case('invite -o /dev/null', r, 3, r'/dev/null: is a device or special file, not a folder',
         os.path.exists('/dev/null') and not os.path.isfile('/dev/null'), [tmp])


# ---- 22: --force keeps the old batch when the new one fails -----------------

def force(vanthu, src, tmp, env):
    text = open(os.path.join(src, BATCH), encoding='utf-8').read()
    d = os.path.join(tmp, 'force')
    r = vt(vanthu, ['invite', os.path.join(src, BATCH), '-o', d], env)
    check(r is not None and r.returncode == 0 and batch_intact(d), 'the old batch (%s)' % outcome(r))
    open(os.path.join(d, 'ghi-chu.txt'), 'w').write('the clerk\'s own note\n')
    before = tree(d)
    # the same letters, but the last cluster gets 3,000 schools: its
    # letter is far larger and fails under the file-size limit, after the
    # first clusters' letters were written
    schools = ''.join('<school>TH Số %d</school>' % i for i in range(3000))
    m = list(re.finditer(r'<cluster name="Cụm số 4".*?(</cluster>)', text, re.S))[-1]
    big = text[:m.start(1)] + schools + text[m.start(1):]
    plan = os.path.join(tmp, 'force-big.xml')
    open(plan, 'w', encoding='utf-8').write(big.replace('<subject>', '<subject>Mới: ', 1))
    for j in ('1', '2'):
        r = vt(vanthu, ['invite', plan, '-o', d, '--force', '-j', j], env, fsize=30000)
        case('--force -j %s, a later letter too large for the disk' % j, r, 3,
             r'force/89-cum-so-4\.docx: cannot write the file: File too large',
             tree(d) == before, [tmp, d])
    # a folder where a letter would go: refused before anything is written
    os.makedirs(os.path.join(d, '86-cum-so-1-th-lai-vu.docx.d'))
    taken = os.path.join(d, '87-cum-so-2-th-kim-xuyen.docx')
    os.makedirs(taken)
    before = {n: v for n, v in tree(d).items()}
    r = vt(vanthu, ['invite', os.path.join(src, BATCH), '-o', d, '--force', '--per', 'school'], env)
    case('--force where a letter\'s name is a folder', r, 3,
         r'87-cum-so-2-th-kim-xuyen\.docx: is a folder, not a file; --force replaces only files',
         tree(d) == before and os.path.isdir(taken), [tmp, d])
    os.rmdir(taken)
    # and a good --force run replaces the letters and keeps the note
    r = vt(vanthu, ['invite', os.path.join(src, BATCH), '-o', d, '--force', '--per', 'school'], env)
    check(r is not None and r.returncode == 0 and os.path.exists(os.path.join(d, 'ghi-chu.txt'))
          and not leftovers(tmp, d),
          '--force: the new batch in, the clerk\'s other files kept (%s)' % outcome(r))


# ---- 23: signals ---------------------------------------------------------------

def stage_files(d):
    """Files in the staging folders inside or beside d."""
    n = 0
    for f in leftovers(d, os.path.dirname(d)):
        if os.path.isdir(f):
            n += len(os.listdir(f))
    return n


def start_and_stop(vanthu, args, env, d, sig, timeout=120):
    """Start a batch, wait until its stage holds some letters, send sig;
    returns (the completed process's exit code, stderr, letters seen)."""
    p = subprocess.Popen(WRAP + [vanthu] + args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                         text=True, env=env)
    t0 = time.time()
    seen = 0
    while p.poll() is None and time.time() - t0 < timeout:
        seen = stage_files(d)
        if seen > 50:
            break
        time.sleep(0.01)
    if p.poll() is None:
        p.send_signal(sig)
    try:
        _, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        p.kill()
        _, err = p.communicate()
        return None, err, seen
    return p.returncode, err, seen


def signals(vanthu, src, tmp, env):
    plan = os.path.join(tmp, 'sig-plan.xml')
    subprocess.run([sys.executable, os.path.join(src, 'tests', 'bench', 'gen_plan.py'), '1000', '10', plan],
                   check=True)
    old = os.path.join(tmp, 'sig-old')
    r = vt(vanthu, ['invite', os.path.join(src, BATCH), '-o', old, '--per', 'school'], env)
    check(r is not None and r.returncode == 0 and batch_intact(old), 'an old batch to keep (%s)' % outcome(r))
    before = tree(old)
    for sig, code in ((signal.SIGINT, 130), (signal.SIGTERM, 143)):
        rc, err, seen = start_and_stop(vanthu, ['invite', plan, '-o', old, '--force', '--per', 'school'],
                                       env, old, sig)
        left = leftovers(tmp, old)
        check(rc == code and 'interrupted' in err and seen > 50 and tree(old) == before
              and batch_intact(old) and not left,
              '%s during --force over an old batch (%d letters staged): exit %d, old batch intact, '
              'no stage (got %r: %s; left %r)' % (sig.name, seen, code, rc, err.strip()[:200], left))
        new = os.path.join(tmp, 'sig-new-%d' % code)
        rc, err, seen = start_and_stop(vanthu, ['invite', plan, '-o', new, '--per', 'school'], env, new, sig)
        left = leftovers(tmp)
        check(rc == code and 'interrupted' in err and seen > 50 and not os.path.exists(new) and not left,
              '%s during a new batch (%d letters staged): exit %d, no folder, no stage (got %r; left %r)'
              % (sig.name, seen, code, rc, left))
    # SIGKILL cannot be caught: the stage stays, and the next run removes it
    for target, force_opt in ((os.path.join(tmp, 'kill-new'), []), (old, ['--force'])):
        rc, err, seen = start_and_stop(vanthu, ['invite', plan, '-o', target, '--per', 'school'] + force_opt,
                                       env, target, signal.SIGKILL)
        stale = leftovers(tmp, target)
        check(rc == -signal.SIGKILL and len(stale) == 1, 'SIGKILL leaves its stage (%r)' % stale)
        # a look-alike without the marker, and one whose owner is alive,
        # are not vanthu's to remove
        parent = os.path.dirname(target) if not force_opt else target
        base = '.vanthu-stage' if force_opt else '.%s.vanthu' % os.path.basename(target)
        decoy = os.path.join(parent, base + '-0123456789ab')
        alive = os.path.join(parent, base + '-abcdef012345')
        for f in (decoy, alive):
            os.makedirs(f)
            open(os.path.join(f, 'keep.docx'), 'w').write('x')
        open(os.path.join(alive, '.vanthu-stage-owner'), 'w').write('%d\n' % os.getpid())
        r = vt(vanthu, ['invite', os.path.join(src, BATCH), '-o', target, '--force'], env)
        left = leftovers(tmp, target)
        check(r is not None and r.returncode == 0 and sorted(left) == sorted([decoy, alive])
              and os.path.exists(os.path.join(decoy, 'keep.docx'))
              and os.path.exists(os.path.join(alive, 'keep.docx')),
              'the next run removes the killed run\'s stage, and only it (%s; left %r)' % (outcome(r), left))
        shutil.rmtree(decoy)
        shutil.rmtree(alive)


# ---- 24, 25: what vt_write_atomic may replace -----------------------------------

def files(vanthu, src, tmp, env):
    plan = os.path.join(src, SINGLE)
    d = os.path.join(tmp, 'files')
    os.makedirs(d)
    os.mkfifo(os.path.join(d, 'fifo'))
    os.symlink('/dev/null', os.path.join(d, 'to-null'))
    os.symlink('nothing', os.path.join(d, 'dangling'))
    cases = [('fifo', r'fifo: is not a regular file \(a pipe\); vanthu replaces only regular files'),
             ('to-null', r'to-null: is not a regular file \(a device\)'),
             ('dangling', r'dangling: is a symbolic link to nothing')]
    if os.geteuid() == 0:
        os.mknod(os.path.join(d, 'null'), 0o666 | 0o020000, os.makedev(1, 3))
        cases.append(('null', r'null: is not a regular file \(a device\)'))
    for name, pattern in cases:
        path = os.path.join(d, name)
        before = os.lstat(path)
        r = vt(vanthu, ['render', plan, '-o', path], env, timeout=30)
        after = os.lstat(path)
        case('render -o %s' % name, r, 3, pattern,
             (before.st_mode, before.st_ino) == (after.st_mode, after.st_ino), [d])
    # /proc/self/fd/1: our stdout, a pipe
    r = vt(vanthu, ['render', plan, '-o', '/proc/self/fd/1'], env)
    case('render -o /proc/self/fd/1 (a pipe)', r, 3, r'/proc/self/fd/1: is not a regular file \(a pipe\)',
         r is not None and r.stdout == '', [d])
    # a link to a regular file (here outside the folder): the link is
    # replaced by the document, the file it named is never written
    real = os.path.join(tmp, 'outside.docx')
    open(real, 'w').write('old')
    link = os.path.join(d, 'link.docx')
    os.symlink(real, link)
    r = vt(vanthu, ['render', plan, '-o', link], env)
    check(r is not None and r.returncode == 0 and not os.path.islink(link) and zipfile.is_zipfile(link)
          and zipfile.ZipFile(link).testzip() is None and open(real).read() == 'old' and not leftovers(d),
          'render -o link to a regular file: the link is replaced, its target untouched (%s)' % outcome(r))
    # 25: a 250-byte name (NAME_MAX is 255)
    long_name = os.path.join(d, 'v' * 245 + '.docx')
    open(long_name, 'w').write('old')
    r = vt(vanthu, ['render', plan, '-o', long_name], env)
    check(r is not None and r.returncode == 0 and zipfile.is_zipfile(long_name)
          and zipfile.ZipFile(long_name).testzip() is None and not leftovers(d),
          'render -o an existing file with a 250-byte name: replaced (%s)' % outcome(r))
    longdir = os.path.join(d, 'g' * 250)
    r = vt(vanthu, ['invite', os.path.join(src, BATCH), '-o', longdir], env)
    check(r is not None and r.returncode == 0 and batch_intact(longdir) and not leftovers(d, longdir),
          'invite -o a new folder with a 250-byte name (%s)' % outcome(r))
    r = vt(vanthu, ['render', plan, '-o', os.path.join(d, 'w' * 256 + '.docx')], env)
    case('render -o a name past NAME_MAX', r, 3, r'cannot write the file: File name too long', True, [d])


def main():
    a = parse_args()
    env = dict(os.environ, VANTHU_TEMPLATES=os.path.join(a.build, 'templates'))
    with tempfile.TemporaryDirectory(prefix='vt-paths-') as tmp:
        os.chmod(tmp, 0o755)
        for part in (jobs, every_problem, folders, force, signals, files):
            sub = os.path.join(tmp, part.__name__)
            os.makedirs(sub)
            part(a.vanthu, a.source, sub, env)
            for root, dirs, _ in os.walk(sub):
                for x in dirs:
                    os.chmod(os.path.join(root, x), 0o755)
    print('%d passed, %d failed' % (RESULTS['passed'], RESULTS['failed']))
    sys.exit(1 if RESULTS['failed'] else 0)


if __name__ == '__main__':
    main()
