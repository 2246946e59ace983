#!/usr/bin/env python3
"""Bad input for `vanthu sign` and `vanthu verify-signature`: files that
are not PDFs or are damaged or hostile (loops, huge counts, deep nesting,
cross-reference streams, encryption), signatures tampered with, and a
broken environment (certificates, passwords, databases, output paths).
Each case must end with its exit code and a message naming the problem,
never a signal, and nothing left in the output folder.

The PDFs are built here byte by byte (and by qpdf for the compressed and
encrypted ones), so the suite needs no LibreOffice; the NSS database comes
from tests/integration/test_sign.py (certutil).
"""
import os
import shutil
import sys
import tempfile
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, '..', 'integration'))
from run import expect, run_case  # noqa: E402
from test_render import RESULTS, check, parse_args, run  # noqa: E402
from test_sign import PASSWORD, make_nss_db  # noqa: E402


def pdf(objects, trailer=b'', startxref=None, prev=None):
    """A PDF with a classic xref table from a list of object bodies
    (object k+1 is objects[k]); trailer adds to the trailer dictionary."""
    out = bytearray(b'%PDF-1.4\n%\xe2\xe3\xcf\xd3\n')
    offs = []
    for i, body in enumerate(objects):
        offs.append(len(out))
        out += b'%d 0 obj\n%s\nendobj\n' % (i + 1, body)
    xref = len(out)
    out += b'xref\n0 %d\n0000000000 65535 f \n' % (len(objects) + 1)
    for o in offs:
        out += b'%010d 00000 n \n' % o
    extra = trailer + (b' /Prev %d' % prev if prev is not None else b'')
    out += b'trailer\n<< /Size %d /Root 1 0 R%s >>\nstartxref\n%d\n%%%%EOF\n' % (
        len(objects) + 1, extra, xref if startxref is None else startxref)
    return bytes(out)


PAGE = b'<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>'
GOOD = pdf([b'<< /Type /Catalog /Pages 2 0 R >>', b'<< /Type /Pages /Kids [3 0 R] /Count 1 >>', PAGE])


def xs_pdf(edit=None, raw=None, extra=b''):
    """The good PDF with a cross-reference stream (object 4) instead of a
    table: W [1 4 2], FlateDecode, PNG Up predictor.  edit(rows) may change
    the decoded rows, raw replaces the stream's bytes, extra adds to its
    dictionary (after the defaults, so it can override nothing: use raw)."""
    objs = [b'<< /Type /Catalog /Pages 2 0 R >>', b'<< /Type /Pages /Kids [3 0 R] /Count 1 >>', PAGE]
    out = bytearray(b'%PDF-1.5\n')
    offs = []
    for i, body in enumerate(objs):
        offs.append(len(out))
        out += b'%d 0 obj\n%s\nendobj\n' % (i + 1, body)
    xref = len(out)
    rows = [bytes([0]) + (0).to_bytes(4, 'big') + (65535).to_bytes(2, 'big')]
    rows += [bytes([1]) + o.to_bytes(4, 'big') + bytes(2) for o in offs + [xref]]
    if edit:
        rows = edit(rows)
    prev, data = bytes(7), b''
    for r in rows:
        data += b'\x02' + bytes((a - b) & 0xFF for a, b in zip(r, prev))
        prev = r
    data = raw if raw is not None else zlib.compress(data)
    out += (b'4 0 obj\n<< /Type /XRef /Size 5 /W [1 4 2] /Root 1 0 R /Filter /FlateDecode '
            b'/DecodeParms << /Predictor 12 /Columns 7 >> %s/Length %d >>\nstream\n' % (extra, len(data)))
    out += data + b'\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n' % xref
    return bytes(out)


def with_prev_loop():
    xref = GOOD.index(b'\nxref\n') + 1
    return pdf([b'<< /Type /Catalog /Pages 2 0 R >>', b'<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
                PAGE], prev=xref)


# (name, bytes of the input PDF, exit code, message)
PDFS = [
    ('not-a-pdf', 'Kính gửi: các trường\n'.encode(), 1, r'not a PDF \(it does not start with %PDF-\)'),
    ('empty', b'', 1, r'not a PDF'),
    ('docx-renamed', b'PK\x03\x04' + bytes(200), 1, r'not a PDF'),
    ('truncated', GOOD[:len(GOOD) // 2], 1, r'no valid startxref'),
    ('startxref-past-end', pdf([b'<< /Type /Catalog /Pages 2 0 R >>'], startxref=10 ** 9), 1,
     r'no valid startxref'),
    ('startxref-into-nothing', pdf([b'<< /Type /Catalog /Pages 2 0 R >>'], startxref=12), 1,
     r'no cross-reference table at offset 12'),
    ('prev-loop', with_prev_loop(), 1, r'cross-reference sections loop'),
    ('no-catalog', pdf([b'(just a string)', b'<< /Type /Pages /Kids [3 0 R] /Count 1 >>', PAGE]), 1,
     r'no readable catalog'),
    ('no-pages', pdf([b'<< /Type /Catalog >>']), 1, r'no first page'),
    ('page-tree-loop', pdf([b'<< /Type /Catalog /Pages 2 0 R >>',
                            b'<< /Type /Pages /Kids [2 0 R] /Count 1 >>']), 1, r'no first page'),
    ('deep-nesting', pdf([b'<< /Type /Catalog /Pages 2 0 R /X ' + b'[' * 100000 + b' >>',
                          b'<< /Type /Pages /Kids [3 0 R] /Count 1 >>', PAGE]), 1, r'no readable catalog'),
    ('huge-xref-count', b'%PDF-1.4\nxref\n0 9000000\n0000000000 65535 f \ntrailer\n<< /Size 1 >>\n'
                        b'startxref\n9\n%%EOF\n', 1, r'more entries than the file holds|malformed'),
    ('size-absurd', GOOD.replace(b'/Size 4', b'/Size 999999999'), 1, r'no valid /Size'),
    ('encrypted-flag', pdf([b'<< /Type /Catalog /Pages 2 0 R >>', b'<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
                            PAGE], trailer=b' /Encrypt << /Filter /Standard >>'), 1, r'encrypted'),
    ('annots-not-array', pdf([b'<< /Type /Catalog /Pages 2 0 R >>', b'<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
                              b'<< /Type /Page /Parent 2 0 R /Annots 42 >>']), 1, r"page 1's /Annots is not an array"),
    ('xref-stream-bomb', xs_pdf(raw=zlib.compress(bytes(65 << 20))), 1, r'inflates past 64 MiB'),
    ('xref-stream-damaged', xs_pdf(raw=b'x\x9c not zlib at all'), 1, r'compressed stream is damaged'),
    ('xref-stream-bad-predictor', xs_pdf(raw=zlib.compress(b'\x07' + bytes(7))), 1, r'predictor'),
    ('xref-stream-lzw', xs_pdf().replace(b'/Filter /FlateDecode', b'/Filter /LZWDecode  '), 1,
     r'filter other than FlateDecode'),
    ('xref-stream-short', xs_pdf(edit=lambda rows: rows[:2]), 1, r'claims more entries than it holds'),
    ('xref-stream-bad-w', xs_pdf().replace(b'/W [1 4 2]', b'/W [1 4 9]'), 1, r'cross-reference stream .* unreadable'),
    ('xref-stream-length-past-end', xs_pdf().replace(b'/Length ', b'/Length 9'), 1, r'/Length is missing or runs past'),
    ('acroform-not-dict', pdf([b'<< /Type /Catalog /Pages 2 0 R /AcroForm (x) >>',
                               b'<< /Type /Pages /Kids [3 0 R] /Count 1 >>', PAGE]), 1,
     r"/AcroForm is not a dictionary"),
]


# what verify-signature does not read, so it finds no signature instead
NO_PAGE_NEEDED = ('no-pages', 'page-tree-loop', 'annots-not-array', 'acroform-not-dict')


def invite_cases(vanthu, source, tmp, e, db, pw):
    """invite --sign (with and without --register), the same fake
    converter: a signature that cannot be made writes no letter, no
    folder, no staging folder and issues no number; flags that do not fit
    are usage errors."""
    plan = os.path.join(source, 'plans', 'kim-thanh-2018-giay-moi-sinh-hoat-cum-truong.xml')
    parent = os.path.join(tmp, 'invite')
    os.makedirs(parent)
    reg = os.path.join(tmp, 'invite-register.sqlite')
    wrong = os.path.join(tmp, 'invite-wrong.pw')
    with open(wrong, 'w') as f:
        f.write('wrong\n')
    out = os.path.join(parent, 'letters')
    signer = ['--sign', '--nss-dir', db, '--nick', 'signer']
    for label, args, code, pattern, shell in (
            ('wrong password', ['--register', reg] + signer + ['--password-file', wrong], 1,
             r'wrong password or PIN', None),
            ('wrong password, no register', signer + ['--password-file', wrong], 1, r'wrong password or PIN', None),
            ('expired certificate', ['--register', reg, '--sign', '--nss-dir', db, '--nick', 'expired',
                                     '--password-file', pw], 1, r'expired', None),
            ('no terminal, no password file', ['--register', reg] + signer, 1,
             r'signer: no terminal to ask the password on; give --password-file', 'exec </dev/null; setsid'),
            ('unreadable password file', ['--register', reg] + signer + ['--password-file', os.path.join(tmp, 'nopw')],
             3, r'nopw: cannot read the password file', None),
            ('--password', ['--register', reg] + signer + ['--password', PASSWORD], 2,
             r'no option takes the password itself', None),
            ('--nick without --sign', ['--pdf', '--nick', 'signer'], 2, r'go with --sign', None)):
        r = run_case(vanthu, ['invite', plan, '-o', out] + args, e, shell=shell)
        expect('invite --sign %s' % label, r, code, pattern, parent)
        listed = run([vanthu, 'register', 'list', '--register', reg]) if os.path.exists(reg) else None
        check(listed is None or listed.stdout.strip() == '', 'invite --sign %s: no number issued' % label)
    r = run_case(vanthu, ['invite', plan, '-o', out, '--register', reg] + signer + ['--password-file', pw], e)
    check(r is not None and r.returncode == 0 and len([f for f in os.listdir(out) if f.endswith('.pdf')]) == 4,
          'invite --register --sign with a good certificate: 4 signed PDFs (%s)'
          % (r.stderr.strip()[-200:] if r else 'timeout'))


def issue_cases(vanthu, source, build, tmp, env, db, pw, other, sign):
    """issue --sign and register verify: a converter faked through
    VANTHU_SOFFICE (it copies a small good PDF), so no LibreOffice is
    needed.  A signature that cannot be made gives no number and leaves
    nothing in the archive folder; flags that do not fit are usage errors;
    a signature the given database does not trust fails register verify."""
    fake = os.path.join(tmp, 'soffice-copy')
    with open(fake, 'w') as f:
        f.write('#!/bin/sh\nout=; prev=; for a in "$@"; do [ "$prev" = --outdir ] && out=$a; prev=$a; done\n'
                'for a in "$@"; do case $a in *.docx) cp %s "$out/$(basename "$a" .docx).pdf";; esac; done\n'
                % os.path.join(tmp, 'good.pdf'))
    os.chmod(fake, 0o755)
    e = dict(env, VANTHU_SOFFICE=fake, VANTHU_TEMPLATES=os.path.join(build, 'templates'))
    plan = os.path.join(source, 'plans', 'muong-cha-2023-ke-hoach-sinh-hoat-cum-truong.xml')
    regdir = os.path.join(tmp, 'reg')
    os.makedirs(regdir)
    reg = os.path.join(regdir, 'register.sqlite')
    arch = os.path.join(tmp, 'archive')
    os.makedirs(arch)
    base = ['issue', plan, '--register', reg, '--date', '2026-11-23', '-o', arch]
    expired = ['--sign', '--nss-dir', db, '--nick', 'expired', '--password-file', pw]
    for label, args, code, pattern in (
            ('expired certificate', base + expired, 1, r'expired'),
            ('unknown nickname', base + ['--sign', '--nss-dir', db, '--nick', 'x', '--password-file', pw], 1,
             r'no certificate with this nickname'),
            ('missing database', base + ['--sign', '--nss-dir', os.path.join(tmp, 'nodb'), '--nick', 'signer',
                                         '--password-file', pw], 3, r'nodb'),
            ('--sign without --nick', base + ['--sign', '--nss-dir', db], 2, r'--sign needs --nss-dir DIR and --nick'),
            ('--nick without --sign', base + ['--pdf', '--nick', 'signer'], 2, r'go with --sign'),
            ('--password', base + ['--sign', '--nss-dir', db, '--nick', 'signer', '--password', PASSWORD], 2,
             r'no option takes the password itself'),
            ('--nss-dir without a value', base + ['--sign', '--nick', 'signer', '--nss-dir'], 2, r'needs a value')):
        r = run_case(vanthu, args, e)
        expect('issue %s' % label, r, code, pattern, arch)
        listed = run([vanthu, 'register', 'list', '--register', reg]) if os.path.exists(reg) else None
        check(listed is None or listed.stdout.strip() == '', 'issue %s: no number given' % label)
    invite_cases(vanthu, source, tmp, e, db, pw)
    r = run_case(vanthu, base + ['--sign'] + sign, e)
    check(r is not None and r.returncode == 0 and '01/KH' in r.stdout,
          'issue --sign with a good certificate takes number 01 (%s)' % (r.stderr.strip() if r else 'timeout'))
    r = run_case(vanthu, ['register', 'verify', '--register', reg, '--nss-dir'], e)
    expect('register verify --nss-dir without a folder', r, 2, r'needs a folder', os.path.join(tmp, 'none'))
    r = run_case(vanthu, ['register', 'verify', '--register', reg, '--nss-dir', other], e)
    check(r is not None and r.returncode == 1 and 'is not trusted' in r.stdout and '01/KH' in r.stdout,
          'register verify: a signature the database does not trust: exit 1, file and reason named')
    r = run_case(vanthu, ['register', 'verify', '--register', reg, '--nss-dir', db], e)
    check(r is not None and r.returncode == 0 and 'signed and valid (trusted)' in r.stdout,
          'register verify with the right database: exit 0')


def main():
    a = parse_args()
    vanthu = a.vanthu
    env = dict(os.environ)
    for tool in ('certutil', 'qpdf'):
        if not shutil.which(tool):
            check(False, '%s is installed (./scripts/setup installs it)' % tool)
            print('%d passed, %d failed' % (RESULTS['passed'], RESULTS['failed']))
            return 1
    with tempfile.TemporaryDirectory(prefix='vt-bad-sign-') as tmp:
        db, pw = make_nss_db(tmp)
        good = os.path.join(tmp, 'good.pdf')
        open(good, 'wb').write(GOOD)
        r = run(['qpdf', '--check', good])
        check(r.returncode == 0, 'the hand-made PDF is valid for qpdf (the cases start from a good file)')
        sign = ['--nss-dir', db, '--nick', 'signer', '--password-file', pw]
        out = os.path.join(tmp, 'out')
        os.makedirs(out)
        target = os.path.join(out, 'signed.pdf')

        r = run_case(vanthu, ['sign', good, '-o', target] + sign, env)
        check(r is not None and r.returncode == 0, 'the good PDF signs (%s)' % (r and r.stderr.strip()))
        signed = open(target, 'rb').read() if os.path.exists(target) else b''
        os.unlink(target) if os.path.exists(target) else None

        # the hand-made cross-reference stream is a good file: it signs
        path = os.path.join(tmp, 'xref-stream.pdf')
        open(path, 'wb').write(xs_pdf())
        r = run(['qpdf', '--check', path])
        check(r.returncode == 0, 'the hand-made cross-reference stream is valid for qpdf')
        r = run_case(vanthu, ['sign', path, '-o', target] + sign, env)
        check(r is not None and r.returncode == 0 and os.path.exists(target),
              'a PDF with a cross-reference stream signs (%s)' % (r and r.stderr.strip()))
        os.unlink(target) if os.path.exists(target) else None
        # made by qpdf: real encryption
        path = os.path.join(tmp, 'encrypted.pdf')
        run(['qpdf', '--encrypt', 'u', 'o', '256', '--', good, path])
        PDFS.append(('encrypted', open(path, 'rb').read() if os.path.exists(path) else b'', 1, r'encrypted'))

        for name, data, code, pattern in PDFS:
            path = os.path.join(tmp, name + '.pdf')
            open(path, 'wb').write(data)
            r = run_case(vanthu, ['sign', path, '-o', target] + sign, env)
            expect('sign %s' % name, r, code, pattern, out)
            r = run_case(vanthu, ['verify-signature', path, '--nss-dir', db], env)
            # verify needs no page: a page problem is "no signature" there
            expect('verify-signature %s' % name, r, code,
                   r'has no signature' if name in NO_PAGE_NEEDED else pattern, out)

        # tampered signatures
        def tamper(label, edit, pattern):
            path = os.path.join(tmp, label + '.pdf')
            open(path, 'wb').write(edit(signed))
            r = run_case(vanthu, ['verify-signature', path, '--nss-dir', db], env)
            expect('verify-signature %s' % label, r, 1, pattern, out)

        first = signed.index(b'/Type /Page ')
        tamper('one-byte-changed', lambda s: s[:first] + b'/Type /Pagf ' + s[first + 12:],
               r'signature 1 \(Signature5\) is broken: the document was changed after signing')
        tamper('appended', lambda s: s + b'\n% later\n', r'bytes were added after the last signature')
        hole = signed.index(b'/Contents <') + 11
        tamper('contents-garbage', lambda s: s[:hole] + b'FF' * 8 + s[hole + 16:], r'not a CMS signature')
        # a digit of the RSA signature value, the last thing in the CMS
        sig = hole + len(signed[hole:signed.index(b'>', hole)].rstrip(b'0')) - 40
        tamper('signature-value-changed', lambda s: s[:sig] + (b'0' if s[sig:sig + 1] != b'0' else b'1')
               + s[sig + 1:], r'is broken: the signature does not match')
        br = signed.index(b'/ByteRange [0 ') + 14
        tamper('byterange-shifted', lambda s: s[:br] + (b'1' if s[br:br + 1] != b'1' else b'2') + s[br + 1:],
               r'/ByteRange leaves out more than the /Contents string')
        tamper('byterange-past-end', lambda s: s.replace(b'/ByteRange [0 ', b'/ByteRange [9 ', 1),
               r'/ByteRange does not start at 0')
        r = run_case(vanthu, ['verify-signature', good], env)
        expect('verify-signature of an unsigned PDF', r, 1, r'has no signature', out)
        other = os.path.join(tmp, 'emptydb')
        os.makedirs(other)
        run(['certutil', '-d', other, '-N', '--empty-password'])
        path = os.path.join(tmp, 'signed.pdf')
        open(path, 'wb').write(signed)
        r = run_case(vanthu, ['verify-signature', path, '--nss-dir', other], env)
        expect('verify-signature against a database that does not trust the CA', r, 1,
               r'is not trusted: the certificate.s issuer is not trusted', out)

        # certificates, passwords, databases, paths
        def pwfile(text):
            p = os.path.join(tmp, 'case.pw')
            open(p, 'w', encoding='utf-8').write(text)
            return p

        env_cases = [
            ('wrong password', ['--nss-dir', db, '--nick', 'signer', '--password-file', pwfile('nope\n')], 1,
             r'signer: wrong password or PIN'),
            ('empty password file', ['--nss-dir', db, '--nick', 'signer', '--password-file', pwfile('')], 1,
             r'wrong password or PIN'),
            ('password file missing', ['--nss-dir', db, '--nick', 'signer', '--password-file',
                                       os.path.join(tmp, 'none.pw')], 3, r'cannot read the password file'),
            ('password file is a folder', ['--nss-dir', db, '--nick', 'signer', '--password-file', tmp], 3,
             r'cannot read the password file: Is a directory'),
            ('expired certificate', ['--nss-dir', db, '--nick', 'expired', '--password-file', pw], 1,
             r'expired: the certificate is valid only from .* it cannot sign now'),
            ('certificate not yet valid', ['--nss-dir', db, '--nick', 'soon', '--password-file', pw], 1,
             r'valid only from'),
            ('certificate not allowed to sign', ['--nss-dir', db, '--nick', 'nosign', '--password-file', pw], 1,
             r'not allowed to sign \(its key usage has neither digitalSignature nor nonRepudiation\)'),
            ('unknown nickname', ['--nss-dir', db, '--nick', 'ghost', '--password-file', pw], 1,
             r'ghost: no certificate with this nickname'),
            ('no database folder', ['--nss-dir', os.path.join(tmp, 'nodb'), '--nick', 'signer',
                                    '--password-file', pw], 3, r'no NSS database folder there'),
            ('a folder that is no database', ['--nss-dir', out, '--nick', 'signer', '--password-file', pw], 3,
             r'no NSS database in this folder \(no cert9\.db'),
            ('no terminal and no password file', ['--nss-dir', db, '--nick', 'signer'], 1,
             r'no terminal to ask the password on; give --password-file'),
        ]
        for label, args, code, pattern in env_cases:
            r = run_case(vanthu, ['sign', good, '-o', target] + args, env, shell='exec </dev/null; setsid')
            expect('sign: %s' % label, r, code, pattern, out)
        r = run_case(vanthu, ['sign', os.path.join(tmp, 'missing.pdf'), '-o', target] + sign, env)
        expect('sign: input missing', r, 3, r'missing\.pdf: cannot read', out)
        r = run_case(vanthu, ['sign', good, '-o', out] + sign, env)
        expect('sign: output is a folder', r, 3, r'the output path is a folder', os.path.join(out, 'none'))
        fifo = os.path.join(tmp, 'fifo.pdf')
        os.mkfifo(fifo)
        r = run_case(vanthu, ['sign', good, '-o', fifo] + sign, env)
        check(r is not None and r.returncode == 3 and 'not a regular file' in r.stderr
              and os.path.exists(fifo) and not os.path.isfile(fifo),
              'sign: output is a FIFO: exit 3, "not a regular file", left alone')

        usage = [
            ('no -o', ['sign', good] + sign, r'give one PDF, -o OUT\.pdf'),
            ('no --nick', ['sign', good, '-o', target, '--nss-dir', db], r'--nick'),
            ('two inputs', ['sign', good, good, '-o', target] + sign, r'give one PDF'),
            ('--password', ['sign', good, '-o', target, '--nss-dir', db, '--nick', 'signer', '--password',
                            PASSWORD], r'no option takes the password itself'),
            ('--pin', ['sign', good, '-o', target, '--nss-dir', db, '--nick', 'signer', '--pin', '1234'],
             r'unknown option'),
            ('verify: no file', ['verify-signature'], r'give one PDF'),
            ('verify: unknown option', ['verify-signature', good, '--trust-all'], r'unknown option'),
        ]
        for label, args, pattern in usage:
            r = run_case(vanthu, args, env)
            expect('usage: %s' % label, r, 2, pattern, out)
            check(r is None or PASSWORD not in r.stderr, 'usage: %s: the password is not echoed back' % label)
        issue_cases(vanthu, a.source, a.build, tmp, env, db, pw, other, sign)
    print('%d passed, %d failed' % (RESULTS['passed'], RESULTS['failed']))
    return 1 if RESULTS['failed'] else 0


if __name__ == '__main__':
    sys.exit(main())
