#!/usr/bin/env python3
"""Bad input for "vanthu check": files that are not a DOCX, a DOCX with no
text, a DOCTYPE in document.xml or styles.xml, XML that is not well-formed,
a missing file, bad usage.  Each case runs the real binary and must end with
the exit code and message given, nothing on stdout, no signal, and nothing
written (check only reads).  Run by ctest as "bad_suite_check".
"""
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from run import check, expect, parse_args, run_case, RESULTS  # noqa: E402
import zipfile  # noqa: E402

W_NS = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
BODY = ('<w:document %s><w:body><w:p><w:r><w:t>Nội dung</w:t></w:r></w:p>'
        '</w:body></w:document>' % W_NS)


CONTENT_TYPES = ('<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
                 'content-types"><Default Extension="rels" ContentType="application/'
                 'vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" '
                 'ContentType="application/xml"/><Override PartName="/word/document.xml" '
                 'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.'
                 'document.main+xml"/></Types>')
RELS = ('<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
        'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
        'officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>'
        '</Relationships>')


def docx(path, document=None, extra=()):
    """A minimal DOCX as Word would have it: content types and the package
    relationship naming word/document.xml (None: that part left out)."""
    with zipfile.ZipFile(path, 'w', zipfile.ZIP_DEFLATED) as z:
        z.writestr('[Content_Types].xml', CONTENT_TYPES)
        z.writestr('_rels/.rels', RELS)
        if document is not None:
            z.writestr('word/document.xml', document)
        for name, data in extra:
            z.writestr(name, data)


def raw(data):
    def make(path):
        with open(path, 'wb') as f:
            f.write(data)
    return make


CASES = [
    # (name, maker, exit, message)
    ('not-a-zip', raw('Số: 12/TB-PGDĐT\nTHÔNG BÁO\n'.encode()), 1,
     r'not-a-zip\.docx: not a DOCX \(a Word document is a zip package\)'),
    ('empty-file', raw(b''), 1, r'empty-file\.docx: not a DOCX'),
    ('broken-zip', raw(b'PK\x03\x04' + b'\x00' * 40), 1,
     r'broken-zip\.docx: not a DOCX file \(it is not a readable zip package'),
    ('no-text', lambda p: docx(p, '<w:document %s><w:body><w:p/><w:p><w:r><w:t> </w:t></w:r>'
                                  '</w:p></w:body></w:document>' % W_NS), 1,
     r'no-text\.docx: the document has no text; there is nothing to check'),
    ('no-document-part', lambda p: docx(p, None, [('word/other.xml', '<x/>')]), 1,
     r'no-document-part\.docx: not a Word document: _rels/\.rels names the main document '
     r'\"word/document\.xml\", which the package does not have'),
    ('doctype', lambda p: docx(p, '<!DOCTYPE w:document [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
                                  '<w:document %s><w:body><w:p><w:r><w:t>&x;</w:t></w:r></w:p>'
                                  '</w:body></w:document>' % W_NS), 1,
     r'doctype\.docx: word/document\.xml has a DOCTYPE'),
    ('styles-doctype', lambda p: docx(p, BODY, [('word/styles.xml',
                                                 '<!DOCTYPE x [<!ENTITY a "a">]><x/>')]), 1,
     r'styles-doctype\.docx: word/styles\.xml has a DOCTYPE'),
    ('not-xml', lambda p: docx(p, '<w:document %s><w:body><w:p>' % W_NS), 1,
     r'not-xml\.docx: word/document\.xml:\d+: not well-formed XML'),
    ('not-word', lambda p: docx(p, '<html><body/></html>'), 1,
     r'not-word\.docx: word/document\.xml has no <w:body>'),
]


def main():
    a = parse_args()
    env = dict(os.environ)
    with tempfile.TemporaryDirectory(prefix='vt-bad-check-') as tmp:
        for name, make, code, pattern in CASES:
            d = os.path.join(tmp, name)
            os.makedirs(d)
            path = os.path.join(d, name + '.docx')
            make(path)
            before = sorted(os.listdir(d))
            r = run_case(a.vanthu, ['check', path], env)
            expect('check %s' % name, r, code, pattern, os.path.join(tmp, 'none'))
            if r is not None:
                check(r.stdout == '' and r.returncode >= 0 and sorted(os.listdir(d)) == before,
                      'check %s: nothing on stdout, no signal, nothing written' % name)
            r = run_case(a.vanthu, ['check', '--json', path], env)
            expect('check --json %s' % name, r, code, pattern, os.path.join(tmp, 'none'))
        # missing file: an I/O error, exit 3
        r = run_case(a.vanthu, ['check', os.path.join(tmp, 'nope.docx')], env)
        expect('check missing file', r, 3, r'nope\.docx: cannot read the file: No such file',
               os.path.join(tmp, 'none'))
        # a folder is not a file
        r = run_case(a.vanthu, ['check', tmp], env)
        check(r is not None and r.returncode in (1, 3) and 'vt-bad-check-' in r.stderr,
              'check a folder: refused with its name (exit %s)' % (r.returncode if r else 'timeout'))
        # a bad file among good ones: every file is still checked, worst exit wins
        r = run_case(a.vanthu, ['check', os.path.join(tmp, 'nope.docx'),
                                os.path.join(tmp, 'no-text', 'no-text.docx')], env)
        check(r is not None and r.returncode == 3 and 'nope.docx' in r.stderr
              and 'no-text.docx' in r.stderr, 'check two bad files: both reported, exit 3')
        # the package limits the messages name are flags of check too
        path = os.path.join(tmp, 'limits.docx')
        docx(path, BODY)
        r = run_case(a.vanthu, ['check', '--max-parts=2', path], env)
        expect('check --max-parts=2', r, 1, r'more than the limit of 2 \(raise it with --max-parts\)',
               os.path.join(tmp, 'none'))
        r = run_case(a.vanthu, ['check', path, '--max-elements', '5'], env)
        expect('check --max-elements 5', r, 1, r'\(raise it with --max-elements\)', os.path.join(tmp, 'none'))
        r = run_case(a.vanthu, ['check', path, '--max-parts'], env)
        check(r is not None and r.returncode == 2 and '--max-parts needs a positive whole number' in r.stderr,
              'check --max-parts without a value: exit 2')
        # usage
        r = run_case(a.vanthu, ['check'], env)
        check(r is not None and r.returncode == 2 and 'name at least one DOCX' in r.stderr,
              'check with no file: exit 2 and usage')
        r = run_case(a.vanthu, ['check', '--frobnicate', 'x.docx'], env)
        check(r is not None and r.returncode == 2 and 'unknown option "--frobnicate"' in r.stderr,
              'check with an unknown option: exit 2')
    print('%d passed, %d failed' % (RESULTS['passed'], RESULTS['failed']))
    return 1 if RESULTS['failed'] else 0


if __name__ == '__main__':
    sys.exit(main())
