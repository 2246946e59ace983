#!/usr/bin/env python3
"""Bad input for "vanthu import": text files that are not text, not in any
encoding vanthu knows, empty, or too big; and bad usage.  Each case runs
the real binary with -o into its own folder and must end with the exit
code and message given, nothing written (no plan, no temporary file), no
signal, and nothing on stdout.  Run by ctest as "bad_suite_import".
"""
import gzip
import os
import sys
import tempfile
import zipfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from run import check, expect, parse_args, run_case, RESULTS  # noqa: E402

SEED = 'Số: 12/TB-PGDĐT\nTHÔNG BÁO\nLịch họp\n\nNội dung.\n'

CASES = [
    # (name, bytes of the file, extra args, exit, message)
    ('empty', b'', [], 1, r'empty\.txt: the file is empty; there is no text to import'),
    ('blank-lines', b'\n \n\t\r\n\n', [], 1, r'blank-lines\.txt: the file has no text'),
    ('bom-only', b'\xef\xbb\xbf', [], 1, r'bom-only\.txt: the file has no text'),
    ('unknown-encoding', b'Ph\x81\x8d\x8f\x90 ng\n\x9d\n', [], 1,
     r'unknown-encoding\.txt:1:3: the text is in an unknown encoding \(byte 0x81'),
    ('latin1-no-vietnamese', 'Stra\u00dfe M\u00fcller\ncaf\u00e9\n'.encode('latin-1'), [], 1,
     r'latin1-no-vietnamese\.txt:1:5: the text is in an unknown encoding'),
    ('binary', bytes(range(256)) * 4, [], 1,
     r'binary\.txt:1:1: the file is binary \(it holds NUL bytes\), not text'),
    ('nul-in-text', SEED.encode() + b'\x00more\n', [], 1,
     r'nul-in-text\.txt:6:1: the file is binary'),
    ('gzip', gzip.compress(SEED.encode(), mtime=0), [], 1,
     r'gzip\.txt:\d+:\d+: the (file is binary|text is in an unknown encoding)'),
    ('broken-zip', b'PK\x03\x04' + b'\x00' * 40, [], 1,
     r'broken-zip\.txt: not a DOCX file \(it is not a readable zip package'),
    ('pdf', b'%PDF-1.7\n%\xe2\xe3\xcf\xd3\n', [], 1, r'pdf\.txt: this is a PDF, not text'),
    ('utf16-odd', b'\xff\xfeK\x00\xed', [], 1, r'utf16-odd\.txt: the file is marked UTF-16 but has an odd'),
    ('utf16-lone-surrogate', b'\xff\xfeA\x00\n\x00\x00\xd8B\x00', [], 1,
     r'utf16-lone-surrogate\.txt:2: not valid UTF-16 \(an unpaired surrogate'),
    ('huge', None, ['--max-bytes', '1000'], 1,
     r'huge\.txt: the file is larger than the limit of 1000 bytes \(raise it with --max-bytes\)'),
    ('huge-default', None, [], 1,
     r'huge-default\.txt: the file is larger than the limit of 16777216 bytes'),
    ('bad-max-bytes', SEED.encode(), ['--max-bytes', '-5'], 2,
     r'--max-bytes needs a positive whole number'),
    ('unknown-option', SEED.encode(), ['--frobnicate'], 2, r'unknown option "--frobnicate"'),
    ('two-files', SEED.encode(), ['other.txt'], 2, r'give one file to import'),
]


# the package parts of a minimal Word package, shared with the check suite
from suite_check import CONTENT_TYPES, RELS, docx  # noqa: E402

RELS_NS = RELS[:RELS.index('<Relationship ')]
# the main document's relationships, naming its numbering part as Word does
DOC_RELS = ('word/_rels/document.xml.rels',
            RELS_NS + '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
            'officeDocument/2006/relationships/numbering" Target="numbering.xml"/></Relationships>')


W_NS = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
DOCX_CASES = [
    ('no-text', lambda p: docx(p, '<w:document %s><w:body><w:p/><w:p><w:r><w:t> </w:t></w:r></w:p>'
                                  '</w:body></w:document>' % W_NS), 1,
     r'no-text\.docx: the (document|file) has no text'),
    ('no-document-part', lambda p: docx(p, None, [('word/other.xml', '<x/>')]), 1,
     r'no-document-part\.docx: not a Word document: _rels/\.rels names the main document '
     r'"word/document\.xml", which the package does not have'),
    ('no-rels', lambda p: bare(p), 1,
     r'no-rels\.docx: not a Word document: the package has no _rels/\.rels naming its main document'),
    ('doctype', lambda p: docx(p, '<!DOCTYPE w:document [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
                                  '<w:document %s><w:body><w:p><w:r><w:t>&x;</w:t></w:r></w:p>'
                                  '</w:body></w:document>' % W_NS), 1,
     r'doctype\.docx: word/document\.xml has a DOCTYPE'),
    ('numbering-doctype', lambda p: docx(p, '<w:document %s><w:body><w:p><w:r><w:t>x</w:t></w:r></w:p>'
                                            '</w:body></w:document>' % W_NS,
                                            [DOC_RELS, ('word/numbering.xml',
                                                         '<!DOCTYPE x [<!ENTITY a "a">]><x/>')]), 1,
     r'numbering-doctype\.docx: word/numbering\.xml has a DOCTYPE'),
    ('not-xml', lambda p: docx(p, '<w:document %s><w:body><w:p>' % W_NS), 1,
     r'not-xml\.docx: word/document\.xml:\d+: not well-formed XML'),
    ('not-word', lambda p: docx(p, '<html><body/></html>'), 1,
     r'not-word\.docx: word/document\.xml has no <w:body>'),
    ('bomb', lambda p: bomb(p), 1, r'bomb\.docx: word/document\.xml inflates to more than the limit of 67108864 bytes'),
]


def bare(path):
    """A zip with word/document.xml but no package relationships: not what
    Word writes, so not taken for a DOCX."""
    with zipfile.ZipFile(path, 'w', zipfile.ZIP_DEFLATED) as z:
        z.writestr('[Content_Types].xml', CONTENT_TYPES)
        z.writestr('word/document.xml', '<w:document %s><w:body><w:p><w:r><w:t>x</w:t>'
                   '</w:r></w:p></w:body></w:document>' % W_NS)


def bomb(path):
    with zipfile.ZipFile(path, 'w', zipfile.ZIP_DEFLATED) as z:
        z.writestr('[Content_Types].xml', CONTENT_TYPES)
        z.writestr('_rels/.rels', RELS)
        with z.open('word/document.xml', 'w', force_zip64=True) as w:
            chunk = b' ' * (1 << 20)
            for _ in range(70):
                w.write(chunk)


def main():
    a = parse_args()
    env = dict(os.environ)
    with tempfile.TemporaryDirectory(prefix='vt-bad-import-') as tmp:
        for name, data, extra, code, pattern in CASES:
            path = os.path.join(tmp, name + '.txt')
            with open(path, 'wb') as f:
                if data is None:
                    limit = 1000 if name == 'huge' else 16 << 20
                    line = SEED.encode()
                    while f.tell() <= limit:
                        f.write(line * 4096)
                else:
                    f.write(data)
            out = os.path.join(tmp, 'out-' + name)
            os.makedirs(out)
            r = run_case(a.vanthu, ['import', path, '-o', os.path.join(out, 'plan.xml')] + extra, env)
            expect('import %s' % name, r, code, pattern, out)
            if r is not None:
                check(r.stdout == '' and r.returncode >= 0, 'import %s: nothing on stdout, no signal' % name)
        for name, make, code, pattern in DOCX_CASES:
            path = os.path.join(tmp, name + '.docx')
            make(path)
            out = os.path.join(tmp, 'out-docx-' + name)
            os.makedirs(out)
            r = run_case(a.vanthu, ['import', path, '-o', os.path.join(out, 'plan.xml')], env)
            expect('import DOCX %s' % name, r, code, pattern, out)
        # the package limits the messages name are flags of import too
        good = os.path.join(tmp, 'not-word.docx')
        out = os.path.join(tmp, 'out-limits')
        os.makedirs(out)
        r = run_case(a.vanthu, ['import', good, '--max-parts', '2', '-o', os.path.join(out, 'plan.xml')], env)
        expect('import --max-parts 2', r, 1, r'more than the limit of 2 \(raise it with --max-parts\)', out)
        r = run_case(a.vanthu, ['import', os.path.join(tmp, 'bomb.docx'), '--max-part-bytes=100000',
                                '-o', os.path.join(out, 'plan.xml')], env)
        expect('import --max-part-bytes=100000', r, 1,
               r'inflates to more than the limit of 100000 bytes \(raise it with --max-part-bytes\)', out)
        r = run_case(a.vanthu, ['import', good, '--max-elements', '0'], env)
        check(r is not None and r.returncode == 2 and '--max-elements needs a positive whole number' in r.stderr,
              'import --max-elements 0: exit 2 and why')
        # missing file: an I/O error, exit 3
        out = os.path.join(tmp, 'out-missing')
        os.makedirs(out)
        r = run_case(a.vanthu, ['import', os.path.join(tmp, 'nope.txt'), '-o',
                                os.path.join(out, 'plan.xml')], env)
        expect('import missing file', r, 3, r'nope\.txt: cannot read the file: No such file', out)
        # no file at all: usage
        r = run_case(a.vanthu, ['import'], env)
        check(r is not None and r.returncode == 2 and 'give the text file to import' in r.stderr,
              'import with no file: exit 2 and usage')
        # the output may not replace a folder
        path = os.path.join(tmp, 'ok.txt')
        with open(path, 'w', encoding='utf-8') as f:
            f.write(SEED)
        target = os.path.join(tmp, 'a-folder')
        os.makedirs(target)
        r = run_case(a.vanthu, ['import', path, '-o', target], env)
        check(r is not None and r.returncode != 0 and os.path.isdir(target) and not os.listdir(target),
              'import -o onto a folder: refused, the folder untouched (exit %s)'
              % (r.returncode if r else 'timeout'))
    print('%d passed, %d failed' % (RESULTS['passed'], RESULTS['failed']))
    return 1 if RESULTS['failed'] else 0


if __name__ == '__main__':
    sys.exit(main())
