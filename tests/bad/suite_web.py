#!/usr/bin/env python3
"""`vanthu user add|list|remove`, the web desk's accounts: the good paths
(an account stored as an Argon2id hash in the register, listed, replaced,
removed; the password asked twice on a terminal with echo off) and bad
input (names, roles, passwords, a password given as an option, no
terminal, a register that is not one).  Each bad case must end with its
exit code and a message, never a signal, and leave no register behind
where there was none.
"""
import os
import sqlite3
import sys
import subprocess
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, '..', 'integration'))
from run import expect, run_case  # noqa: E402
from test_render import RESULTS, WRAP, check, parse_args  # noqa: E402
from test_sign import with_terminal  # noqa: E402

PASSWORD = 'mật khẩu của Lan'


def write(path, text):
    with open(path, 'w', encoding='utf-8') as f:
        f.write(text)
    return path


def users(reg):
    con = sqlite3.connect(reg)
    rows = con.execute('SELECT name, role, hash FROM users ORDER BY name').fetchall()
    con.close()
    return rows


def good_paths(vanthu, tmp, env):
    d = os.path.join(tmp, 'good')
    os.mkdir(d)
    reg = os.path.join(d, 'register.sqlite')
    pw = write(os.path.join(tmp, 'pw'), PASSWORD + '\nsecond line ignored\n')
    r = run_case(vanthu, ['user', 'add', 'lan', '--role', 'van-thu', '--register', reg,
                          '--password-file', pw], env)
    check(r.returncode == 0 and 'account lan (van-thu) saved' in r.stdout,
          'user add lan: exit 0, says saved (got %d: %s)' % (r.returncode, r.stderr.strip()))
    rows = users(reg)
    check(len(rows) == 1 and rows[0][:2] == ('lan', 'van-thu') and rows[0][2].startswith('$argon2id$')
          and PASSWORD not in rows[0][2], 'stored with role and an Argon2id hash, never the password')
    con = sqlite3.connect(reg)
    version = con.execute('PRAGMA user_version').fetchone()[0]
    con.close()
    check(version == 4, 'the register is at schema 4 (got %d)' % version)
    r = run_case(vanthu, ['user', 'add', 'minh', '--role=chuyen-vien', '--register', reg,
                          '--password-file=' + pw], env)
    check(r.returncode == 0, 'user add minh --role=chuyen-vien: exit 0 (%s)' % r.stderr.strip())
    first = users(reg)[0][2]
    r = run_case(vanthu, ['user', 'add', 'lan', '--role', 'chuyen-vien', '--register', reg,
                          '--password-file', pw], env)
    rows = users(reg)
    check(r.returncode == 0 and rows[0][1] == 'chuyen-vien' and rows[0][2] != first and len(rows) == 2,
          'adding lan again replaces role and hash (a fresh salt)')
    r = run_case(vanthu, ['user', 'list', '--register', reg], env)
    lines = r.stdout.splitlines()
    check(r.returncode == 0 and [ln.split('\t')[:2] for ln in lines] ==
          [['lan', 'chuyen-vien'], ['minh', 'chuyen-vien']] and '$argon2' not in r.stdout,
          'user list: name, role, created; no hashes (got %r)' % r.stdout)
    r = run_case(vanthu, ['user', 'remove', 'minh', '--register', reg], env)
    check(r.returncode == 0 and [u[0] for u in users(reg)] == ['lan'], 'user remove minh')
    r = run_case(vanthu, ['user', 'list'], dict(env, VANTHU_REGISTER=reg))
    check(r.returncode == 0 and r.stdout.startswith('lan\t'), '$VANTHU_REGISTER is the default register')
    return reg


def on_terminal(vanthu, tmp, env, answers):
    """`vanthu user add tty` on a pseudo-terminal, typing answers one line
    each; (exit code, what the terminal showed, whether echo was on at the
    prompt, the register's folder)."""
    d = tempfile.mkdtemp(dir=tmp, prefix='tty-')
    cmd = WRAP + [vanthu, 'user', 'add', 'tty', '--role', 'van-thu', '--register',
                  os.path.join(d, 'register.sqlite')]
    code, shown, _, echo, _ = with_terminal(cmd, [a + '\n' for a in answers], env, timeout=120,
                                            prompt='Mật khẩu mới cho tty'.encode())
    return code, shown, echo, d


def terminal(vanthu, tmp, env):
    code, shown, echo, d = on_terminal(vanthu, tmp, env, [PASSWORD, PASSWORD])
    check(code == 0 and 'Nhập lại mật khẩu' in shown and PASSWORD not in shown and echo is False
          and users(os.path.join(d, 'register.sqlite'))[0][0] == 'tty',
          'asked twice on the terminal, echo off (got %d: %r)' % (code, shown[-200:]))
    code, shown, _, d = on_terminal(vanthu, tmp, env, [PASSWORD, PASSWORD + 'x'])
    check(code == 2 and 'the two passwords differ' in shown and not os.listdir(d),
          'two different passwords on the terminal: exit 2, nothing written (got %d: %r)'
          % (code, shown[-200:]))


def bad(vanthu, tmp, env, reg):
    pw = write(os.path.join(tmp, 'pw'), PASSWORD + '\n')
    short = write(os.path.join(tmp, 'short'), 'ngắn\n')
    empty = write(os.path.join(tmp, 'empty'), '')
    long_pw = write(os.path.join(tmp, 'long'), 'x' * 1025 + '\n')
    nul = os.path.join(tmp, 'nul')
    with open(nul, 'wb') as f:
        f.write(b'abc\0defghijk\n')
    text = write(os.path.join(tmp, 'text.sqlite'), 'not a register\n')
    add = ['user', 'add']
    cases = [
        ('no subcommand', ['user'], 2, r'usage: vanthu user add'),
        ('unknown subcommand', ['user', 'grant', 'x'], 2, r'the subcommand is add, list or remove'),
        ('add without a role', add + ['x', '--password-file', pw], 2, r'give one NAME and --role'),
        ('add without a name', add + ['--role', 'van-thu', '--password-file', pw], 2,
         r'give one NAME and --role'),
        ('add two names', add + ['x', 'y', '--role', 'van-thu', '--password-file', pw], 2,
         r'give one NAME and --role'),
        ('an unknown role', add + ['x', '--role', 'admin', '--password-file', pw], 2,
         r'--role admin: the role is van-thu .* or chuyen-vien'),
        ('a name with a space', add + ['lan nguyen', '--role', 'van-thu', '--password-file', pw], 2,
         r'"lan nguyen": an account name is 1 to 64 letters, digits'),
        ('a name with a slash', add + ['../x', '--role', 'van-thu', '--password-file', pw], 2,
         r'an account name is 1 to 64'),
        ('a name with marks', add + ['Lân', '--role', 'van-thu', '--password-file', pw], 2,
         r'an account name is 1 to 64'),
        ('a name of 65 characters', add + ['a' * 65, '--role', 'van-thu', '--password-file', pw], 2,
         r'an account name is 1 to 64'),
        ('an empty name', add + ['', '--role', 'van-thu', '--password-file', pw], 2,
         r'an account name is 1 to 64'),
        ('a password as an option', add + ['x', '--role', 'van-thu', '--password', PASSWORD], 2,
         r'write --password-file in full; no option takes the password itself'),
        ('a password of 4 characters', add + ['x', '--role', 'van-thu', '--password-file', short], 1,
         r'x: a password has 8 to 1024 characters'),
        ('an empty password file', add + ['x', '--role', 'van-thu', '--password-file', empty], 1,
         r'a password has 8 to 1024 characters'),
        ('a password of 1025 bytes', add + ['x', '--role', 'van-thu', '--password-file', long_pw], 1,
         r'a password has 8 to 1024 characters'),
        ('a NUL in the password file', add + ['x', '--role', 'van-thu', '--password-file', nul], 1,
         r'nul: the password file holds a NUL byte'),
        ('a missing password file', add + ['x', '--role', 'van-thu', '--password-file',
                                           os.path.join(tmp, 'nope')], 3,
         r'nope: cannot read the password file: No such file'),
        ('remove without a name', ['user', 'remove'], 2, r'wrong operands or options'),
        ('list with a role', ['user', 'list', '--role', 'van-thu'], 2, r'wrong operands or options'),
    ]
    for label, args, code, pattern in cases:
        out = tempfile.mkdtemp(dir=tmp, prefix='case-')
        r = run_case(vanthu, args + ['--register', os.path.join(out, 'register.sqlite')]
                     if 'remove' not in args else args, env)
        expect(label, r, code, pattern, out)
    # no terminal and no password file: refused, not read from stdin
    out = tempfile.mkdtemp(dir=tmp, prefix='case-')
    r = run_case(vanthu, add + ['x', '--role', 'van-thu', '--register',
                                os.path.join(out, 'register.sqlite')], env, shell='setsid')
    expect('no terminal, no password file', r, 2,
           r'x: no terminal to ask the password on; give --password-file', out)
    # existing files: a text file, a missing register for list/remove
    before = open(text, 'rb').read()
    r = run_case(vanthu, add + ['x', '--role', 'van-thu', '--register', text, '--password-file', pw], env)
    check(r.returncode == 2 and 'not a vanthu register' in r.stderr and open(text, 'rb').read() == before,
          'a text file as the register: exit 2, left as it was (got %d: %s)' % (r.returncode, r.stderr.strip()))
    for sub in (['list'], ['remove', 'lan']):
        out = tempfile.mkdtemp(dir=tmp, prefix='case-')
        r = run_case(vanthu, ['user'] + sub + ['--register', os.path.join(out, 'register.sqlite')], env)
        expect('user %s on no register' % sub[0], r, 2, r'no register here yet', out)
    r = run_case(vanthu, ['user', 'remove', 'nobody', '--register', reg], env)
    check(r.returncode == 2 and 'no account named "nobody"' in r.stderr,
          'removing an account that is not there: exit 2 (got %d)' % r.returncode)


def no_library(vanthu, tmp, env):
    """libmicrohttpd is loaded when the desk starts (src/web/mhd.c): one
    that cannot be loaded, or a library of that name without its
    functions, stops `serve` with the reason, before it creates anything."""
    empty = os.path.join(tmp, 'lib-empty')
    os.makedirs(empty)
    open(os.path.join(empty, 'libmicrohttpd.so.12'), 'wb').close()
    nosym = os.path.join(tmp, 'lib-nosym')
    os.makedirs(nosym)
    src = write(os.path.join(nosym, 'n.c'), 'int vt_nothing(void) { return 0; }\n')
    subprocess.run(['cc', '-shared', '-fPIC', '-o', os.path.join(nosym, 'libmicrohttpd.so.12'), src],
                   check=True)
    for label, libdir, pattern in (
            ('libmicrohttpd that cannot be loaded', empty,
             r'vanthu serve: cannot load libmicrohttpd, which the desk needs \(.*file too short\); '
             r'install the package libmicrohttpd12'),
            ('a libmicrohttpd without its functions', nosym,
             r'vanthu serve: libmicrohttpd\.so\.12 has no MHD_start_daemon; it is not the '
             r'libmicrohttpd vanthu was built with')):
        out = tempfile.mkdtemp(dir=tmp, prefix='case-')
        r = run_case(vanthu, ['serve', '--data', os.path.join(out, 'data'), '--listen',
                              '127.0.0.1:0'], dict(env, LD_LIBRARY_PATH=libdir))
        expect(label, r, 3, pattern, out)


def main():
    a = parse_args()
    env = dict(os.environ)
    env.pop('VANTHU_REGISTER', None)
    with tempfile.TemporaryDirectory(prefix='vt-bad-web-') as tmp:
        reg = good_paths(a.vanthu, tmp, env)
        terminal(a.vanthu, tmp, env)
        bad(a.vanthu, tmp, env, reg)
        no_library(a.vanthu, tmp, env)
    print('%d passed, %d failed' % (RESULTS['passed'], RESULTS['failed']))
    return 1 if RESULTS['failed'] else 0


if __name__ == '__main__':
    sys.exit(main())
