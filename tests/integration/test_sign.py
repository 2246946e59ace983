#!/usr/bin/env python3
"""Integration tests for `vanthu sign` and `vanthu verify-signature`: a
throwaway CA and certificates made with the real certutil in a temporary
NSS database, a real PDF made by LibreOffice from a document vanthu
renders, signatures checked by poppler's pdfsig and by vanthu itself, the
structure checked by qpdf, and the password typed on a real terminal (a
pty) to see it is never echoed nor on the command line.

Each check prints "ok"/"FAIL"; the last line is "N passed, M failed".
"""
import glob
import hashlib
import os
import pty
import re
import select
import shutil
import subprocess
import sys
import tempfile
import termios
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_render import RESULTS, WRAP, Office, check, parse_args, read_manifest, run  # noqa: E402

PASSWORD = 'mật khẩu 2026 ;$(x)'
SIGNER = 'Nguyễn Văn A'
PLAN = 'plans/kim-thanh-2018-giay-moi-cum-1.xml'


def certutil(db, *args, stdin=None):
    r = run(['certutil', '-d', db] + list(args), input=stdin, timeout=120)
    if r.returncode:
        raise RuntimeError('certutil %s: %s' % (' '.join(args), r.stderr))
    return r


def make_nss_db(tmp, name='db', password=PASSWORD):
    """An NSS database with a password, a CA trusted for signing, and four
    certificates issued by it: 'signer' (digitalSignature and
    nonRepudiation), 'expired' (its validity ended last month), 'nosign'
    (key usage keyEncipherment only) and 'soon' (not valid before next
    month).  Returns (db folder, password file)."""
    db = os.path.join(tmp, name)
    os.makedirs(db)
    pw = os.path.join(tmp, name + '.pw')
    with open(pw, 'w', encoding='utf-8') as f:
        f.write(password + '\n')
    noise = os.path.join(tmp, name + '.noise')
    with open(noise, 'wb') as f:
        f.write(os.urandom(64))
    certutil(db, '-N', '-f', pw)
    # -2: basic constraints, answered: is a CA, no path length limit, critical
    certutil(db, '-S', '-f', pw, '-z', noise, '-n', 'ca', '-s', 'CN=Vanthu Test CA,O=vanthu tests',
             '-x', '-t', 'CT,C,C', '-2', '-v', '24', '-m', '1', stdin='y\n-1\ny\n')
    for nick, serial, extra in (('signer', '2', ['--keyUsage', 'digitalSignature,nonRepudiation', '-v', '12']),
                                ('expired', '3', ['--keyUsage', 'digitalSignature', '-w', '-13', '-v', '12']),
                                ('nosign', '4', ['--keyUsage', 'keyEncipherment', '-v', '12']),
                                ('soon', '5', ['--keyUsage', 'digitalSignature', '-w', '1', '-v', '12'])):
        subject = 'CN=%s,O=UBND xã Kim Thành' % (SIGNER if nick == 'signer' else nick)
        certutil(db, '-S', '-f', pw, '-z', noise, '-n', nick, '-s', subject, '-c', 'ca',
                 '-t', ',,', '-m', serial, *extra)
    return db, pw


def make_pdf(vanthu, source, tmp, env):
    """A real PDF: a seed plan rendered by vanthu, converted by LibreOffice."""
    docx = os.path.join(tmp, 'letter.docx')
    r = run([vanthu, 'render', os.path.join(source, PLAN), '-o', docx], env=env, timeout=300)
    if r.returncode:
        raise RuntimeError('render: ' + r.stderr)
    Office(tmp).convert(docx, 'pdf', tmp)
    return os.path.join(tmp, 'letter.pdf')


def last_cms(pdf):
    """The CMS bytes of the last signature's /Contents (with its padding)."""
    i = pdf.rindex(b'/Contents <') + 11
    return bytes.fromhex(pdf[i:pdf.index(b'>', i)].decode())


def der_strict(b, depth=0):
    """Walk a DER element: definite, minimal lengths all the way down (as
    PDF/A-2 and PAdES ask); returns its length, or raises ValueError."""
    if len(b) < 2 or depth > 64:
        raise ValueError('short')
    i = 1
    if b[0] & 0x1F == 0x1F:
        while b[i] & 0x80:
            i += 1
        i += 1
    first = b[i]
    i += 1
    if first == 0x80:
        raise ValueError('indefinite length')
    if first & 0x80:
        k = first & 0x7F
        n = int.from_bytes(b[i:i + k], 'big')
        if b[i] == 0 or n < 0x80:
            raise ValueError('length not minimal')
        i += k
    else:
        n = first
    if i + n > len(b):
        raise ValueError('runs past the end')
    if b[0] & 0x20:
        j = i
        while j < i + n:
            j += der_strict(b[j:i + n], depth + 1)
    return i + n


def pdfsig(db, path):
    return run(['pdfsig', '-nssdir', db, path], timeout=120)


def with_terminal(cmd, keys, env, timeout=60, prompt=b'PIN for', at_prompt=None):
    """Run cmd with a pty as its controlling terminal; after the prompt
    (text shown that contains prompt; then at_prompt() is called, if given),
    type each chunk of keys (str or bytes) half a second apart.  Returns
    (exit code, what the terminal showed, the command line as /proc showed
    it while the prompt waited, whether echo was on during the prompt, and
    whether it was on again after the last key)."""
    pid, fd = pty.fork()
    if pid == 0:
        os.execvpe(cmd[0], cmd, env)
    shown, cmdline, sent, echo_during, echo_after = b'', b'', False, None, None
    end = time.time() + timeout
    while time.time() < end:
        r, _, _ = select.select([fd], [], [], 0.5)
        if r:
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                break
            if not chunk:
                break
            shown += chunk
        if not sent and prompt in shown:
            try:
                cmdline = open('/proc/%d/cmdline' % pid, 'rb').read()
            except OSError:
                pass
            echo_during = bool(termios.tcgetattr(fd)[3] & termios.ECHO)
            if at_prompt:
                at_prompt()
            for k in keys if isinstance(keys, list) else [keys + '\n']:
                os.write(fd, k.encode() if isinstance(k, str) else k)
                time.sleep(0.5)
            try:
                echo_after = bool(termios.tcgetattr(fd)[3] & termios.ECHO)
            except termios.error:
                pass
            sent = True
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    return (os.waitstatus_to_exitcode(status), shown.decode('utf-8', 'replace'), cmdline,
            echo_during, echo_after)


def archived(root):
    """Every .docx and .pdf under root (the archive folders)."""
    return sorted(os.path.join(d, f) for d, _, fs in os.walk(root) for f in fs
                  if f.endswith(('.docx', '.pdf')))


def issue_sign(vanthu, source, tmp, env, db, pw, other):
    """issue --sign: the archived PDF signed inside the issuing
    transaction; a failed signature gives no number and leaves nothing;
    register verify checks the signature as well as the SHA-256."""
    d = os.path.join(tmp, 'issue')
    os.makedirs(d)
    reg = os.path.join(d, 'register.sqlite')
    plan = os.path.join(source, 'plans', 'muong-cha-2023-ke-hoach-sinh-hoat-cum-truong.xml')
    base = [vanthu, 'issue', plan, '--register', reg, '--date', '2026-11-23']
    wrong = os.path.join(tmp, 'wrong.pw')
    open(wrong, 'w', encoding='utf-8').write('wrong\n')
    for label, extra, pattern in (
            ('wrong password', ['--nick', 'signer', '--password-file', wrong], r'wrong password or PIN'),
            ('expired certificate', ['--nick', 'expired', '--password-file', pw], r'expired'),
            ('unknown nickname', ['--nick', 'nobody', '--password-file', pw], r'no certificate with this nickname')):
        r = run(base + ['--pdf', '--sign', '--nss-dir', db] + extra, env=env, timeout=600)
        listed = run([vanthu, 'register', 'list', '--register', reg]) if os.path.exists(reg) else None
        check(r.returncode == 1 and re.search(pattern, r.stderr) and not archived(d)
              and (listed is None or listed.stdout.strip() == ''),
              'issue --sign, %s: exit 1, /%s/, no number, nothing archived (got %d: %s; %s)'
              % (label, pattern, r.returncode, r.stderr.strip()[-300:], archived(d)))
    r = run(base + ['--sign', '--nss-dir', db, '--nick', 'signer'], env=env, timeout=600,
            stdin=subprocess.DEVNULL, start_new_session=True)
    check(r.returncode == 1 and 'give --password-file' in r.stderr and not archived(d),
          'issue --sign without --password-file and no terminal: exit 1, "give --password-file", '
          'nothing archived (%d: %s)' % (r.returncode, r.stderr.strip()[-200:]))
    for args, what in ((['--sign', '--nss-dir', db], '--sign without --nick'),
                       (['--pdf', '--nick', 'signer'], '--nick without --sign'),
                       (['--sign', '--nss-dir', db, '--nick', 'signer', '--password', PASSWORD], '--password')):
        r = run(base + args, env=env)
        check(r.returncode == 2 and not archived(d), 'issue %s: exit 2, nothing archived' % what)

    # --sign alone implies --pdf; the number is 01: the failures gave none
    r = run(base + ['--sign', '--nss-dir', db, '--nick', 'signer', '--password-file', pw], env=env, timeout=600)
    docx = os.path.join(d, 'archive', '2026', '2026-01-ke-hoach-pgddt.docx')
    pdf = docx[:-5] + '.pdf'
    check(r.returncode == 0 and r.stdout.strip().split('\t') == ['Số: 01/KH-PGDĐT', '2026-11-23', docx, pdf],
          'issue --sign: number 01, the DOCX and the signed PDF archived (%s)' % r.stderr.strip()[-300:])
    if not os.path.exists(pdf):
        return
    r = pdfsig(db, pdf)
    check('Signature is Valid' in r.stdout and 'Certificate is Trusted' in r.stdout
          and 'Total document signed' in r.stdout and SIGNER in r.stdout,
          'pdfsig: the archived PDF is signed, valid, trusted, whole document\n' + r.stdout)
    import sqlite3
    con = sqlite3.connect(reg)
    shas = [row[0] for row in con.execute('SELECT sha256 FROM archive_file')]
    con.close()
    check(hashlib.sha256(open(pdf, 'rb').read()).hexdigest() in shas,
          'the register records the SHA-256 of the signed PDF (%s)' % shas)
    r = run([vanthu, 'register', 'verify', '--register', reg, '--nss-dir', db])
    check(r.returncode == 0 and '1 archived PDF signed and valid (trusted), 0 not signed' in r.stdout,
          'register verify --nss-dir: checksums and the trusted signature pass\n' + r.stdout + r.stderr)
    r = run([vanthu, 'register', 'verify', '--register', reg])
    check(r.returncode == 0 and 'trust not checked' in r.stdout,
          'register verify without --nss-dir: the signature is intact, trust not checked')
    r = run([vanthu, 'register', 'verify', '--register', reg, '--nss-dir', other])
    check(r.returncode == 1 and re.search(re.escape(pdf) + r'.*not trusted.*\(số 01/KH-PGDĐT', r.stdout),
          'register verify against a database not trusting the CA: exit 1, the file and "not trusted"\n'
          + r.stdout + r.stderr)
    # an unsigned PDF (issue --pdf) is counted, not an error
    r = run(base[:-2] + ['--date', '2026-11-24', '--pdf'], env=env, timeout=600)
    r2 = run([vanthu, 'register', 'verify', '--register', reg, '--nss-dir', db])
    check(r.returncode == 0 and r2.returncode == 0 and '1 archived PDF signed and valid (trusted), 1 not signed'
          in r2.stdout, 'an unsigned archived PDF beside a signed one: verify passes, counts it\n' + r2.stdout)
    # one byte of the signed archived PDF changed: verify fails
    data = bytearray(open(pdf, 'rb').read())
    data[len(data) // 3] ^= 0x01
    open(pdf, 'wb').write(data)
    r = run([vanthu, 'register', 'verify', '--register', reg, '--nss-dir', db])
    check(r.returncode == 1 and re.search(re.escape(pdf) + r': changed since it was archived', r.stdout),
          'one byte of the signed archived PDF changed: register verify exit 1 names it\n' + r.stdout)


def invite_sign(vanthu, source, tmp, env, db, pw):
    """invite --register --sign: one number per cluster, each letter's PDF
    signed inside the transaction (pdfsig verifies each, the manifest and
    the register hold the signed files' SHA-256); a wrong password gives
    no number and writes nothing; the terminal prompt comes before the
    register is locked (another clerk issues while it waits)."""
    d = os.path.join(tmp, 'invite-sign')
    os.makedirs(d)
    reg = os.path.join(d, 'register.sqlite')
    plan = os.path.join(source, 'plans', 'kim-thanh-2018-giay-moi-sinh-hoat-cum-truong.xml')
    out = os.path.join(d, 'letters')
    base = [vanthu, 'invite', plan, '--register', reg, '-o', out]
    wrong = os.path.join(tmp, 'wrong-invite.pw')
    open(wrong, 'w', encoding='utf-8').write('wrong\n')
    r = run(base + ['--pdf', '--sign', '--nss-dir', db, '--nick', 'signer', '--password-file', wrong],
            env=env, timeout=600)
    listed = run([vanthu, 'register', 'list', '--register', reg]) if os.path.exists(reg) else None
    check(r.returncode == 1 and 'wrong password or PIN' in r.stderr and not os.path.exists(out)
          and (listed is None or listed.stdout.strip() == '')
          and not [x for x in os.listdir(d) if x.startswith('.letters')],
          'invite --register --sign, wrong password: exit 1, no number issued, no folder, no staging '
          'folder (%d: %s; %s)' % (r.returncode, r.stderr.strip()[-300:], listed and listed.stdout))
    r = run(base + ['--pdf', '--sign', '--nss-dir', db, '--nick', 'signer', '--password-file', pw],
            env=env, timeout=600)
    check(r.returncode == 0, 'invite --register --pdf --sign (%s)' % r.stderr.strip()[-300:])
    pdfs = sorted(glob.glob(os.path.join(out, '*.pdf')))
    docx = sorted(glob.glob(os.path.join(out, '*.docx')))
    check(len(pdfs) == 4 and len(docx) == 4, 'invite --sign: 4 letters and 4 PDFs (%r)' % pdfs)
    bad = []
    for p in pdfs:
        v = pdfsig(db, p)
        if not ('Signature is Valid' in v.stdout and 'Certificate is Trusted' in v.stdout
                and 'Total document signed' in v.stdout and SIGNER in v.stdout):
            bad.append((p, v.stdout[-300:]))
    check(pdfs and not bad, 'pdfsig: every letter\'s PDF is signed, valid, trusted, whole (%r)' % bad[:1])
    rows = read_manifest(out) if os.path.isdir(out) else []
    check(all(hashlib.sha256(open(os.path.join(out, row['file']), 'rb').read()).hexdigest() == row['sha256']
              for row in rows) and len(rows) == 8,
          'invite --sign: the manifest\'s SHA-256 are the signed PDFs\' (and the letters\')')
    r = run([vanthu, 'register', 'verify', '--register', reg, '--nss-dir', db])
    check(r.returncode == 0 and '4 archived PDFs signed and valid (trusted), 0 not signed' in r.stdout,
          'register verify --nss-dir: the 4 signed letters pass\n' + r.stdout + r.stderr)
    # no password file: the prompt comes before the register is locked,
    # so another clerk's issue goes through while it waits
    # (a register of its own: the plan's numbers are taken in the first)
    other_plan = os.path.join(source, 'plans', 'kim-thanh-2018-cong-van-sinh-hoat-cum-truong.xml')
    reg2 = os.path.join(d, 'register-2.sqlite')
    meanwhile = {}

    def other_clerk():
        meanwhile['r'] = run([vanthu, 'issue', other_plan, '--register', reg2, '--wait', '1'],
                             env=env, timeout=120)

    out2 = os.path.join(d, 'letters-2')
    code, shown, _, during, _ = with_terminal(
        WRAP + [vanthu, 'invite', plan, '--register', reg2, '-o', out2, '--sign', '--nss-dir', db,
                '--nick', 'signer'], PASSWORD, env, timeout=600, at_prompt=other_clerk)
    o = meanwhile.get('r')
    check(o is not None and o.returncode == 0 and o.stdout.startswith('Số: '),
          'while invite --sign asks for the password, another clerk issues (the register is not locked) '
          '(%r)' % (((o.returncode, o.stderr.strip()[-200:]) if o else 'not run'),))
    check(code == 0 and during is False and len(glob.glob(os.path.join(out2, '*.pdf'))) == 4,
          'invite --sign with the typed password (echo off): 4 signed PDFs (exit %d: %s)' % (code, shown[-300:]))
    v = pdfsig(db, sorted(glob.glob(os.path.join(out2, '*.pdf')))[0]) if os.path.isdir(out2) else None
    check(v is not None and 'Signature is Valid' in v.stdout, 'pdfsig: a letter signed with the typed password')
    # the same for issue --sign: the other clerk issues the công văn (số 82)
    # while the prompt waits, the signed giấy mời (số 12) then goes through
    os.makedirs(os.path.join(d, 'third'))
    reg3 = os.path.join(d, 'third', 'register.sqlite')  # its own archive folder beside it
    meanwhile.clear()

    def third_clerk():
        meanwhile['r'] = run([vanthu, 'issue', other_plan, '--register', reg3, '--wait', '1'],
                             env=env, timeout=120)

    code, shown, _, during, _ = with_terminal(
        WRAP + [vanthu, 'issue', os.path.join(source, PLAN), '--register', reg3, '--sign', '--nss-dir', db,
                '--nick', 'signer'], PASSWORD, env, timeout=600, at_prompt=third_clerk)
    o = meanwhile.get('r')
    check(o is not None and o.returncode == 0 and 'Số: 82/' in o.stdout and code == 0 and 'Số: 12/' in shown,
          'while issue --sign asks for the password, another clerk issues số 82; the signed issue then số 12 '
          '(%r; exit %d: %s)' % (((o.returncode, o.stderr.strip()[-200:]) if o else 'not run'), code, shown[-200:]))


def main():
    a = parse_args()
    vanthu = a.vanthu
    for tool in ('certutil', 'pdfsig', 'qpdf', 'soffice'):
        if not shutil.which(tool):
            check(False, '%s is installed (./scripts/setup installs it)' % tool)
            print('%d passed, %d failed' % (RESULTS['passed'], RESULTS['failed']))
            return 1
    env = dict(os.environ, VANTHU_TEMPLATES=os.path.join(a.build, 'templates'))
    tmp = tempfile.mkdtemp(prefix='vt-sign-')
    try:
        db, pw = make_nss_db(tmp)
        pdf = make_pdf(vanthu, a.source, tmp, env)
        original = open(pdf, 'rb').read()
        check(original.startswith(b'%PDF-'), 'LibreOffice made a PDF to sign')
        sign_args = ['--nss-dir', db, '--nick', 'signer', '--password-file', pw]

        # sign, then verify with poppler and with vanthu
        signed = os.path.join(tmp, 'signed.pdf')
        r = run([vanthu, 'sign', pdf, '-o', signed] + sign_args)
        check(r.returncode == 0 and os.path.exists(signed), 'sign: exit 0 (%s)' % r.stderr.strip())
        data = open(signed, 'rb').read()
        check(data.startswith(original) and len(data) > len(original),
              'the signature is an incremental update: the original bytes are untouched')
        check(PASSWORD.encode() not in data, 'the password is nowhere in the signed file')
        r = pdfsig(db, signed)
        check('Signature is Valid' in r.stdout and 'Certificate is Trusted' in r.stdout
              and 'Total document signed' in r.stdout and SIGNER in r.stdout
              and 'adbe.pkcs7.detached' in r.stdout and 'SHA-256' in r.stdout,
              'pdfsig: valid, trusted, whole document, the signer, adbe.pkcs7.detached, SHA-256\n' + r.stdout)
        r = run(['qpdf', '--check', signed])
        check(r.returncode == 0, 'qpdf --check finds the signed PDF well-formed (%s)' % r.stderr.strip())
        r = run([vanthu, 'verify-signature', signed, '--nss-dir', db])
        check(r.returncode == 0 and SIGNER in r.stdout and 'intact' in r.stdout
              and 'certificate: trusted' in r.stdout and 'covers the whole file' in r.stdout
              and re.search(r'signing time: \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC', r.stdout),
              'verify-signature: exit 0, signer, time, intact, trusted\n' + r.stdout)
        r = run([vanthu, 'verify-signature', signed])
        check(r.returncode == 0 and 'trust not checked' in r.stdout,
              'verify-signature without a database: intact, trust not checked')
        other = os.path.join(tmp, 'emptydb')
        os.makedirs(other)
        certutil(other, '-N', '--empty-password')
        r = run([vanthu, 'verify-signature', signed, '--nss-dir', other])
        check(r.returncode == 1 and 'NOT TRUSTED' in r.stdout,
              'verify-signature against a database that does not trust our CA: exit 1, NOT TRUSTED')

        # one byte changed in the signed range: both verifiers fail
        for where, label in ((len(original) // 2, 'in the original content'),
                             (data.rindex(b'/M (D:') + 8, 'in the signing time /M')):
            bad = bytearray(data)
            bad[where] ^= 0x01
            path = os.path.join(tmp, 'changed-%d.pdf' % where)
            open(path, 'wb').write(bad)
            r = pdfsig(db, path)
            check('Signature is Valid' not in r.stdout, 'pdfsig: one byte changed %s is not valid' % label)
            r = run([vanthu, 'verify-signature', path, '--nss-dir', db])
            check(r.returncode == 1 and ('BROKEN' in r.stdout or 'NOT VALID' in r.stdout),
                  'verify-signature: one byte changed %s: exit 1 (%s)' % (label, r.stdout.strip()[-200:]))
        path = os.path.join(tmp, 'appended.pdf')
        open(path, 'wb').write(data + b'% a line added later\n')
        r = run([vanthu, 'verify-signature', path, '--nss-dir', db])
        check(r.returncode == 1 and 'CHANGED' in r.stdout,
              'verify-signature: bytes appended after the signature: exit 1, "CHANGED"')

        # a second signature (the agency's), PAdES, in place
        twice = os.path.join(tmp, 'twice.pdf')
        shutil.copy(signed, twice)
        r = run([vanthu, 'sign', twice, '-o', twice, '--etsi'] + sign_args)
        check(r.returncode == 0, 'a signed PDF signed again in place with --etsi')
        r = pdfsig(db, twice)
        check(r.stdout.count('Signature is Valid') == 2 and 'ETSI.CAdES.detached' in r.stdout
              and r.stdout.count('Certificate is Trusted') == 2,
              'pdfsig: both signatures valid and trusted, the second ETSI.CAdES.detached\n' + r.stdout)
        r = run([vanthu, 'verify-signature', twice, '--nss-dir', db])
        check(r.returncode == 0 and r.stdout.count('intact') == 2 and 'a later revision' in r.stdout
              and 'ETSI.CAdES.detached' in r.stdout,
              'verify-signature: two intact signatures, the first covering an earlier revision')
        # the PAdES signature binds the certificate: signing-certificate-v2
        # holds the SHA-256 of the signer's certificate, and (ETSI EN
        # 319 142-1) no signing-time attribute
        cms = last_cms(open(twice, 'rb').read())
        cert = subprocess.run(['certutil', '-d', db, '-L', '-n', 'signer', '-r'], capture_output=True).stdout
        oid = bytes.fromhex('060b2a864886f70d010910022f')
        at = cms.find(oid)
        check(at > 0 and cms[at + len(oid):at + len(oid) + 10] == bytes.fromhex('31283026302430220420')
              and cms[at + len(oid) + 10:at + len(oid) + 42] == hashlib.sha256(cert).digest()
              and bytes.fromhex('06092a864886f70d010905') not in cms,
              '--etsi: signing-certificate-v2 holds the SHA-256 of the certificate; no signing-time attribute')
        cms = last_cms(data)
        check(bytes.fromhex('06092a864886f70d010905') in cms and oid not in cms,
              'adbe.pkcs7.detached: a signing-time attribute')
        for label, blob in (('adbe.pkcs7.detached', cms), ('ETSI.CAdES.detached', last_cms(open(twice, 'rb').read()))):
            try:
                n = der_strict(blob)
                ok = not blob[n:].strip(b'\0')
            except (ValueError, IndexError) as e:
                ok = False
                print('  ', e)
            check(ok, '%s: the CMS is strict DER (definite, minimal lengths), then only zero padding' % label)
        r = run(['qpdf', '--check', twice])
        check(r.returncode == 0, 'qpdf --check: the twice-signed PDF is well-formed')

        # PDF 1.5 compression (object streams, a cross-reference stream, as
        # qpdf and many PDF writers make): signed twice, the updates being
        # cross-reference streams too
        packed = os.path.join(tmp, 'packed.pdf')
        run(['qpdf', '--object-streams=generate', pdf, packed])
        check(b'/ObjStm' in open(packed, 'rb').read(), 'qpdf made a PDF with object streams')
        r1 = run([vanthu, 'sign', packed, '-o', packed] + sign_args)
        r2 = run([vanthu, 'sign', packed, '-o', packed, '--etsi'] + sign_args)
        r = pdfsig(db, packed)
        tail = open(packed, 'rb').read()[-800:]
        check(r1.returncode == 0 and r2.returncode == 0 and r.stdout.count('Signature is Valid') == 2
              and r.stdout.count('Certificate is Trusted') == 2 and b'/Type /XRef' in tail,
              'a PDF with object streams signed twice: pdfsig finds both valid; the update is an xref stream\n'
              + r1.stderr + r2.stderr + r.stdout)
        r = run(['qpdf', '--check', packed])
        check(r.returncode == 0, 'qpdf --check: the signed compressed PDF is well-formed (%s)' % r.stderr.strip())
        r = run([vanthu, 'verify-signature', packed, '--nss-dir', db])
        check(r.returncode == 0 and r.stdout.count('intact') == 2,
              'verify-signature reads the compressed PDF: two intact signatures')

        # bad certificates and passwords: a clear error and no file
        cases = [
            ('wrong password', ['--nick', 'signer'], 'wrong', 1, r'wrong password or PIN'),
            ('expired certificate', ['--nick', 'expired'], PASSWORD, 1, r'expired: the certificate is valid only from'),
            ('not yet valid certificate', ['--nick', 'soon'], PASSWORD, 1, r'valid only from'),
            ('certificate not allowed to sign', ['--nick', 'nosign'], PASSWORD, 1, r'not allowed to sign'),
            ('unknown nickname', ['--nick', 'nobody'], PASSWORD, 1, r'no certificate with this nickname'),
        ]
        for label, nick, password, code, pattern in cases:
            pwf = os.path.join(tmp, 'case.pw')
            open(pwf, 'w', encoding='utf-8').write(password + '\n')
            out = os.path.join(tmp, 'case-out')
            os.makedirs(out, exist_ok=True)
            r = run([vanthu, 'sign', pdf, '-o', os.path.join(out, 'x.pdf'), '--nss-dir', db,
                     '--password-file', pwf] + nick)
            check(r.returncode == code and re.search(pattern, r.stderr) and not os.listdir(out),
                  '%s: exit %d, /%s/, no file (got %d: %s)' % (label, code, pattern, r.returncode,
                                                              r.stderr.strip()))

        # the password is never an argument: no such option, and a prompt
        for opt in ('--password', '--pass', '--password=' + PASSWORD):
            r = run([vanthu, 'sign', pdf, '-o', os.path.join(tmp, 'p.pdf'), '--nss-dir', db, '--nick',
                     'signer', opt] + ([] if '=' in opt else [PASSWORD]))
            check(r.returncode == 2 and not os.path.exists(os.path.join(tmp, 'p.pdf')),
                  'sign has no %s option, not even as a prefix of --password-file (exit 2)' % opt)
        r = run([vanthu, 'sign', '--help'])
        check(not re.search(r'--(password|pin)[ =]', r.stdout.replace('--password-file', '')),
              'sign --help offers no option taking the password itself')
        prompted = os.path.join(tmp, 'prompted.pdf')
        code, shown, cmdline, during, after = with_terminal(
            WRAP + [vanthu, 'sign', pdf, '-o', prompted, '--nss-dir', db, '--nick', 'signer'], PASSWORD, env)
        check(code == 0 and os.path.exists(prompted), 'sign asks for the password on the terminal (exit %d)' % code)
        check(PASSWORD not in shown and during is False,
              'the typed password is not echoed on the terminal (echo off while asking)')
        check(cmdline and PASSWORD.encode() not in cmdline and b'signer' in cmdline,
              'the command line (/proc/PID/cmdline, what ps shows) never holds the password')
        r = pdfsig(db, prompted)
        check('Signature is Valid' in r.stdout, 'pdfsig: the PDF signed with the typed password is valid')
        code, shown, _, _, _ = with_terminal(WRAP + [vanthu, 'sign', pdf, '-o', os.path.join(tmp, 'typo.pdf'),
                                                     '--nss-dir', db, '--nick', 'signer'], 'typo', env)
        check(code == 1 and 'wrong password' in shown and not os.path.exists(os.path.join(tmp, 'typo.pdf')),
              'a mistyped password on the terminal: exit 1, "wrong password", no file')
        # a file that cannot be signed is said before the password is asked
        notpdf = os.path.join(tmp, 'notes.pdf')
        open(notpdf, 'w').write('Kính gửi\n')
        code, shown, _, _, _ = with_terminal(
            WRAP + [vanthu, 'sign', notpdf, '-o', os.path.join(tmp, 'n.pdf'), '--nss-dir', db, '--nick', 'signer'],
            PASSWORD, env)
        check(code == 1 and 'not a PDF' in shown and 'PIN for' not in shown,
              'not a PDF: said at once, no password asked (%r)' % shown.strip())

        # Ctrl-C while asking: the terminal gets its echo back, then the
        # interrupt ends vanthu, and nothing is written
        stopped = os.path.join(tmp, 'stopped.pdf')
        code, shown, _, during, after = with_terminal(
            WRAP + [vanthu, 'sign', pdf, '-o', stopped, '--nss-dir', db, '--nick', 'signer'],
            ['abc', b'\x03', '\n'], env)
        # (under valgrind, and once under ASan on a loaded machine, the
        # interrupt was lost and the run ended as a wrong, empty password,
        # exit 1; echo restored and no file are what must always hold)
        check(code in (-2, 1) and during is False and after is True
              and not os.path.exists(stopped),
              'Ctrl-C at the prompt: echo restored, ended by SIGINT, no file (exit %r, echo %r then %r)'
              % (code, during, after))

        issue_sign(vanthu, a.source, tmp, env, db, pw, other)
        invite_sign(vanthu, a.source, tmp, env, db, pw)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print('%d passed, %d failed' % (RESULTS['passed'], RESULTS['failed']))
    return 1 if RESULTS['failed'] else 0


if __name__ == '__main__':
    sys.exit(main())
