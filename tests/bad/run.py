#!/usr/bin/env python3
"""The bad-input catalogue: every way a plan, a template, a value or the
environment can be broken or hostile, each with the exit code and message
vanthu must give.  Each case is run with the real binary and must end with
that exit code (never a signal, never past the time limit), a message that
names the problem, and no file left in the output folder.

Cases are built from the seed plan plans/kim-thanh-2018-giay-moi-cum-1.xml
and the shipped templates, so the catalogue stays true as they change.
Run by ctest as "bad_input".
"""
import gzip
import os
import re
import subprocess
import sys
import tempfile
import zipfile
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'integration'))
from test_render import RESULTS, WRAP, Office, check, parse_args, run  # noqa: E402

BASE = 'plans/kim-thanh-2018-giay-moi-cum-1.xml'


# ---- plans: (name, how to change the seed's text or bytes, exit, message)

def doctype(decl, use):
    return lambda t: t.replace('<plan type', decl + '\n<plan type', 1).replace(
        '<subject>', '<subject>' + use, 1)


LAUGHS = ('<!DOCTYPE plan [<!ENTITY a "ha"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
          '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">'
          '<!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;"><!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;">'
          '<!ENTITY g "&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;"><!ENTITY h "&g;&g;&g;&g;&g;&g;&g;&g;&g;&g;">'
          '<!ENTITY i "&h;&h;&h;&h;&h;&h;&h;&h;&h;&h;">]>')

PLANS = [
    ('not-well-formed', lambda t: t.replace('</subject>', '', 1), 1, r':\d+:\d+: .*not well-formed|mismatch'),
    ('xxe-file', doctype('<!DOCTYPE plan [<!ENTITY x SYSTEM "file:///etc/passwd">]>', '&x;'),
     1, r'xxe-file\.xml:\d+:\d+: .*DOCTYPE is not allowed'),
    ('xxe-network', doctype('<!DOCTYPE plan [<!ENTITY x SYSTEM "http://127.0.0.1:9/x">]>', '&x;'),
     1, r'DOCTYPE is not allowed'),
    ('xxe-parameter', doctype('<!DOCTYPE plan [<!ENTITY % p SYSTEM "file:///etc/passwd"> %p;]>', ''),
     1, r'DOCTYPE is not allowed'),
    ('billion-laughs', doctype(LAUGHS, '&i;'), 1, r'DOCTYPE is not allowed'),
    ('deep-nesting', lambda t: t.replace('<body>', '<body>' + '<section>' * 100000, 1).replace(
        '</body>', '</section>' * 100000 + '</body>', 1), 1, r'deep-nesting\.xml:\d+:\d+: .*(depth|deep|nested)'),
    ('invalid-utf8', lambda t: t.encode().replace('Dự sinh'.encode(), b'D\xff sinh', 1), 1,
     r'invalid-utf8\.xml:\d+:\d+: .*(UTF-8|encoding|not well-formed)'),
    ('forbidden-char-ref', lambda t: t.replace('Dự sinh', 'D&#1; sinh', 1), 1,
     r'forbidden-char-ref\.xml:\d+:\d+: .*(invalid|not allowed|not well-formed)'),
    ('forbidden-raw-control', lambda t: t.replace('Dự sinh', 'D\x01 sinh', 1), 1,
     r'forbidden-raw-control\.xml:\d+:\d+: .*(invalid|not allowed|not well-formed)'),
    ('fifty-megabytes', lambda t: t.replace('<subject>', '<subject>' + 'x' * (50 << 20), 1), 1,
     r'fifty-megabytes\.xml:1:1: the plan is larger than the limit of 16777216 bytes \(raise it with --max-plan-bytes\)'),
    ('impossible-date', lambda t: t.replace('2018-03-05', '2018-02-30', 1), 1,
     r'impossible-date\.xml:\d+:\d+: <date> "2018-02-30" is not a real date'),
    ('unknown-type', lambda t: t.replace('type="giay-moi"', 'type="giay-khen-xyz"', 1), 1,
     r'unknown-type\.xml:\d+:\d+: <plan type="giay-khen-xyz"> is not a Decree 30 document type'),
    ('gzip-compressed', lambda t: gzip.compress(t.encode(), mtime=0), 1,
     r'gzip-compressed\.xml:1:1: the plan is a gzip-compressed file, not XML'),
    ('empty-file', lambda t: b'', 1, r'empty-file\.xml:1:1: not well-formed XML: Document is empty'),
    ('not-a-plan', lambda t: '<?xml version="1.0"?><html><body/></html>', 1,
     r'not-a-plan\.xml:\d+:\d+: .*<plan>'),
]


# ---- templates: (name, how to build it from mau-1.7.docx, exit, message)

def rezip(src, dst, edit):
    """Copy the template package, letting edit(name, data) change, drop
    (None) or add entries; extra entries come from edit('', None)."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, 'w', zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = edit(info.filename, zin.read(info))
            if data is not None:
                zout.writestr(info.filename, data)
        for name, data in edit('', None) or []:
            zout.writestr(name, data)


def doc_edit(f):
    def edit(name, data):
        if name == 'word/document.xml':
            return f(data.decode()).encode()
        return data if name else None
    return edit


def bomb(src, dst):
    """A few MB that inflate past 1 GiB: document.xml of one repeated byte."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, 'w', zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            if info.filename != 'word/document.xml':
                zout.writestr(info.filename, zin.read(info))
        with zout.open('word/document.xml', 'w', force_zip64=True) as w:
            chunk = b'<' * (1 << 20)
            for _ in range(1100):
                w.write(chunk)


TEXTBOX = ('<w:p><w:r><w:pict><v:shape xmlns:v="urn:schemas-microsoft-com:vml"><v:textbox>'
           '<w:txbxContent><w:p><w:r><w:t>{{>body}}</w:t></w:r></w:p></w:txbxContent>'
           '</v:textbox></v:shape></w:pict></w:r></w:p>')

# A real text box (DrawingML, wps) with a placeholder inside, as Word saves
# it; pasted three times with the id Word copies along (1, 1) and one that
# is not a number.  Word refuses a document whose drawings share an id.
def text_box(docpr_id):
    return ('<w:p><w:r><w:drawing><wp:inline distT="0" distB="0" distL="0" distR="0" '
            'xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing">'
            '<wp:extent cx="2743200" cy="457200"/><wp:effectExtent l="0" t="0" r="0" b="0"/>'
            '<wp:docPr id="%s" name="Text Box %s"/><wp:cNvGraphicFramePr/>'
            '<a:graphic xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main">'
            '<a:graphicData uri="http://schemas.microsoft.com/office/word/2010/wordprocessingShape">'
            '<wps:wsp xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape">'
            '<wps:cNvSpPr txBox="1"/><wps:spPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="2743200" cy="457200"/>'
            '</a:xfrm><a:prstGeom prst="rect"><a:avLst/></a:prstGeom><a:ln w="6350"><a:solidFill>'
            '<a:srgbClr val="000000"/></a:solidFill></a:ln></wps:spPr><wps:txbx><w:txbxContent>'
            '<w:p><w:r><w:t>Hộp chữ số {{number}}</w:t></w:r></w:p></w:txbxContent></wps:txbx>'
            '<wps:bodyPr rot="0" vert="horz" wrap="square" lIns="91440" tIns="45720" rIns="91440" bIns="45720" '
            'anchor="t"/></wps:wsp></a:graphicData></a:graphic></wp:inline></w:drawing></w:r></w:p>'
            % (docpr_id, docpr_id))


BOXES = text_box('1') + text_box('1') + text_box('x')

TEMPLATES = [
    ('not-a-zip', lambda s, d: open(d, 'wb').write(b'PK\x03\x04 this is not a zip at all'), 1,
     r'not-a-zip\.docx: .*not a DOCX'),
    ('zip-bomb', bomb, 1, r'zip-bomb\.docx: .*(limit|larger|max-part-bytes)'),
    ('dotdot-entry', lambda s, d: rezip(s, d, lambda n, x: x if n else [('../x', b'evil')]), 1,
     r'dotdot-entry\.docx: .*\.\./x'),
    ('absolute-entry', lambda s, d: rezip(s, d, lambda n, x: x if n else [('/abs', b'evil')]), 1,
     r'absolute-entry\.docx: .*/abs'),
    ('no-document', lambda s, d: rezip(s, d, lambda n, x: None if n in ('word/document.xml', '') else x), 1,
     r'no-document\.docx: .*word/document\.xml'),
    ('unbalanced-placeholder', lambda s, d: rezip(s, d, doc_edit(lambda x: x.replace('{{>body}}', '{{>body', 1))), 1,
     r'unbalanced-placeholder\.docx: word/document\.xml:\d+: .*(unclosed|\{\{)'),
    ('unknown-placeholder', lambda s, d: rezip(s, d, doc_edit(lambda x: x.replace('{{>body}}', '{{so_van_ban}}', 1))),
     1, r'unknown-placeholder\.docx: word/document\.xml:\d+: unknown placeholder \{\{so_van_ban\}\}'),
    ('placeholder-in-textbox', lambda s, d: rezip(s, d, doc_edit(
        lambda x: x.replace('<w:p><w:r><w:t>{{>body}}</w:t></w:r></w:p>', TEXTBOX, 1))), 1,
     r'placeholder-in-textbox\.docx: word/document\.xml:\d+: .*(text box|alone)'),
    ('document-not-xml', lambda s, d: rezip(s, d, doc_edit(lambda x: x[:len(x) // 2])), 1,
     r'document-not-xml\.docx: word/document\.xml:\d+: not well-formed XML'),
]


# ---- limits: each refused past its limit, with a message naming the flag,
# and accepted once the flag gives room.  (name, plan edit or None, template
# maker or None, args that refuse, args that accept)

def many_parts(src, dst):
    rezip(src, dst, lambda n, x: x if n else [('customXml/item%d.xml' % i, b'<a/>') for i in range(1001)])


TABLE = ('<table>' + '<col width="50">A</col><col width="50">B</col>'
         + '<row><cell>x</cell><cell>y</cell></row>' * 10 + '</table>')

LIMITS = [
    ('plan-bytes', None, None, ['--max-plan-bytes', '1000'], [], r'larger than the limit of 1000 bytes \(raise it with --max-plan-bytes\)'),
    ('depth', lambda t: t.replace('<body>', '<body>' + '<item>Mục' * 40 + '</item>' * 40, 1), None,
     [], ['--max-depth', '64'], r'nested 33 deep, more than the limit of 32 \(raise it with --max-depth\)'),
    ('table-cells', lambda t: t.replace('<body>', '<body>' + TABLE, 1), None,
     ['--max-table-cells', '19'], ['--max-table-cells', '20'], r'has 20 cells, more than the limit of 19 \(raise it with --max-table-cells\)'),
    ('part-bytes', None, lambda s, d: rezip(s, d, lambda n, x: x if n else None),
     ['--max-part-bytes', '1000'], [], r'more than the limit of 1000 bytes \(raise it with --max-part-bytes\)'),
    ('parts', None, many_parts, [], ['--max-parts', '2000'], r'has 10\d\d parts, more than the limit of 1000 \(raise it with --max-parts\)'),
]


# ---- values that must come out escaped or cleaned, never as markup

HOSTILE = 'A & B < C > D ]]> {{>body}} {{cluster}} "q" \'a\' \u202eRTL\u200b \u202cX'


def run_case(vanthu, args, env, timeout=120, shell=None):
    cmd = WRAP + [vanthu] + args
    if shell:
        cmd = ['sh', '-c', shell + ' "$@"', 'sh'] + cmd
    try:
        return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=timeout)
    except subprocess.TimeoutExpired:
        return None


def rendered_document(r, path):
    """word/document.xml of the DOCX a successful run r wrote to path, or ''."""
    if r is None or r.returncode != 0:
        return ''
    return zipfile.ZipFile(path).read('word/document.xml').decode()


def expect(label, r, code, pattern, outdir):
    left = sorted(os.listdir(outdir)) if os.path.isdir(outdir) else []
    if r is None:
        check(False, '%s: timed out' % label)
        return
    msg = ' | '.join(r.stderr.strip().splitlines())[:300]
    check(r.returncode == code and re.search(pattern, r.stderr) is not None and not left,
          '%s: exit %d, message /%s/, nothing left (got %d: %s; left %r)'
          % (label, code, pattern, r.returncode, msg, left))


def main():
    a = parse_args()
    vanthu = a.vanthu
    tpl_dir = os.path.join(a.build, 'templates')
    env = dict(os.environ, VANTHU_TEMPLATES=tpl_dir)
    base = open(os.path.join(a.source, BASE), encoding='utf-8').read()
    with tempfile.TemporaryDirectory(prefix='vt-bad-') as tmp:
        os.chmod(tmp, 0o755)
        good = os.path.join(tmp, 'good.xml')
        open(good, 'w', encoding='utf-8').write(base)
        for name, make, code, pattern in PLANS:
            path = os.path.join(tmp, name + '.xml')
            data = make(base)
            open(path, 'wb').write(data if isinstance(data, bytes) else data.encode())
            out = os.path.join(tmp, 'out-' + name)
            os.makedirs(out)
            for cmd in ('render', 'validate'):
                args = [cmd, path] + (['-o', os.path.join(out, 'x.docx')] if cmd == 'render' else [])
                expect('plan %s (%s)' % (name, cmd), run_case(vanthu, args, env), code, pattern, out)
        for name, make, code, pattern in TEMPLATES:
            path = os.path.join(tmp, name + '.docx')
            make(os.path.join(tpl_dir, 'mau-1.7.docx'), path)
            out = os.path.join(tmp, 'out-' + name)
            os.makedirs(out)
            r = run_case(vanthu, ['render', good, '-t', path, '-o', os.path.join(out, 'x.docx')], env)
            expect('template %s (%d bytes)' % (name, os.path.getsize(path)), r, code, pattern, out)

        for name, edit, make_tpl, refuse, accept, pattern in LIMITS:
            plan = good
            if edit:
                plan = os.path.join(tmp, 'limit-%s.xml' % name)
                open(plan, 'w', encoding='utf-8').write(edit(base))
            tpl = []
            if make_tpl:
                tpl = ['-t', os.path.join(tmp, 'limit-%s.docx' % name)]
                make_tpl(os.path.join(tpl_dir, 'mau-1.7.docx'), tpl[1])
            out = os.path.join(tmp, 'out-limit-' + name)
            os.makedirs(out)
            doc = os.path.join(out, 'x.docx')
            r = run_case(vanthu, ['render', plan, '-o', doc] + tpl + refuse, env)
            expect('limit %s %s' % (name, ' '.join(refuse) or '(default)'), r, 1, pattern, out)
            r = run_case(vanthu, ['render', plan, '-o', doc] + tpl + accept, env)
            check(r is not None and r.returncode == 0 and os.path.exists(doc)
                  and run(['unzip', '-tq', doc]).returncode == 0,
                  'limit %s %s: accepted, a sound DOCX' % (name, ' '.join(accept) or '(default)'))

        # text boxes copied in Word, with their drawing ids: renumbered, and
        # the placeholder inside each box filled; LibreOffice shows all three
        path = os.path.join(tmp, 'repeated-text-boxes.docx')
        rezip(os.path.join(tpl_dir, 'mau-1.7.docx'), path, doc_edit(
            lambda x: x.replace('<w:p><w:r><w:t>{{>body}}</w:t></w:r></w:p>',
                                BOXES + '<w:p><w:r><w:t>{{>body}}</w:t></w:r></w:p>', 1)))
        out = os.path.join(tmp, 'boxes.docx')
        r = run_case(vanthu, ['render', good, '-t', path, '-o', out], env)
        doc = rendered_document(r, out)
        ids = re.findall(r'<wp:docPr id="([^"]*)"', doc)
        pdf_text = ''
        if doc:
            Office(tmp).convert(out, 'pdf', os.path.join(tmp, 'boxes-pdf'))
            pdf = os.path.join(tmp, 'boxes-pdf', 'boxes.pdf')
            if os.path.exists(pdf):
                pdf_text = run(['pdftotext', '-layout', pdf, '-']).stdout
        check(len(ids) == 3 and len(set(ids)) == 3 and ids[0] == '1' and all(i.isdigit() for i in ids)
              and doc.count('Hộp chữ số Số: 12/GM-PGDĐT') == 3 and pdf_text.count('Hộp chữ số Số: 12/GM-PGDĐT') == 3,
              'text boxes copied with their ids: ids %r made unique, the three boxes filled and '
              'shown by LibreOffice (%d in the PDF)' % (ids, pdf_text.count('Hộp chữ số Số: 12/GM-PGDĐT')))

        # hostile values: escaped text, no markup, invisible controls gone
        val = os.path.join(tmp, 'values.xml')
        open(val, 'w', encoding='utf-8').write(base.replace(
            '<subject>Dự sinh', '<subject>' + HOSTILE.replace('&', '&amp;').replace('<', '&lt;')
            .replace('>', '&gt;') + ' Dự sinh', 1))
        out = os.path.join(tmp, 'values.docx')
        r = run_case(vanthu, ['render', val, '-o', out], env)
        doc = rendered_document(r, out)
        try:
            ET.fromstring(doc)
            well_formed = True
        except ET.ParseError:
            well_formed = False
        check(r is not None and r.returncode == 0 and well_formed
              and 'A &amp; B &lt; C &gt; D ]]&gt; {{&gt;body}}' in doc.replace('{{>body}}', '{{&gt;body}}')
              and '{{cluster}}' in doc and '\u202e' not in doc and '\u200b' not in doc
              and 'Dự sinh hoạt chuyên môn' in doc.replace('\u202c', ''),
              'hostile values (& < ]]> placeholders quotes RTL zero-width) come out as text')

        # the environment
        out = os.path.join(tmp, 'env')
        os.makedirs(out)
        r = run_case(vanthu, ['render', good, '-o', out], env)
        expect('output path is a folder', r, 3, r'is a folder', os.path.join(out, 'none'))
        r = run_case(vanthu, ['render', good, '-o', os.path.join(out, 'full.docx')], env, shell='ulimit -f 8;')
        expect('full disk (ulimit -f 8 KiB)', r, 3, r'full\.docx: cannot write the file: File too large', out)
        r = run_case(vanthu, ['invite', os.path.join(a.source, 'plans',
                                                     'kim-thanh-2018-giay-moi-sinh-hoat-cum-truong.xml'),
                              '-o', os.path.join(out, 'batch')], env, shell='ulimit -f 4;')
        expect('full disk during a batch (ulimit -f 4 KiB)', r, 3, r'File too large', out)
        ro = os.path.join(tmp, 'readonly')
        os.makedirs(ro)
        os.chmod(ro, 0o555)
        # root writes anywhere: the case runs as nobody then
        drop = ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'] if os.geteuid() == 0 else []
        r = subprocess.run(drop + WRAP + [vanthu, 'render', good, '-o', os.path.join(ro, 'x.docx')],
                           capture_output=True, text=True, env=env, timeout=120)
        expect('unwritable output folder', r, 3, r'x\.docx: cannot write the file: Permission denied', ro)
    print('%d passed, %d failed' % (RESULTS['passed'], RESULTS['failed']))
    return 1 if RESULTS['failed'] else 0


if __name__ == '__main__':
    sys.exit(main())
