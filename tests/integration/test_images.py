#!/usr/bin/env python3
"""Signature and seal images (issue 12, item 3; Phụ lục I, ô 7b/7c).

A plan with <image src="ky.png"/> and <seal src="dau.png"/> in its
<signature> renders to a DOCX whose two floating pictures are stored once,
with their relationships, the png content type and drawing ids of their
own; the package passes unzip -t and the OOXML schema validator and is the
same bytes twice.  A batch embeds both pictures in every letter.  Then the
real LibreOffice renders the plan to PDF: pdfimages lists the two pictures,
and on the rasterised page the signature's ink lies between the title
lines and the name and the seal's red covers the signature's left third.
The PDF part is skipped with a note when soffice is absent.
"""
import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_render import RESULTS, check, check_ooxml, parse_args, run  # noqa: E402

SINGLE = 'plans/kim-thanh-2018-giay-moi-cum-1.xml'
BATCH = 'plans/kim-thanh-2018-giay-moi-sinh-hoat-cum-truong.xml'
IMAGES = '<image src="img/ky.png"/><seal src="img/dau.png"/>'


def with_images(src, plan, dst):
    text = open(os.path.join(src, plan), encoding='utf-8').read()
    text = re.sub(r'(<name>[^<]*</name>)(\s*</signature>)', r'\1' + IMAGES + r'\2', text, count=1)
    with open(dst, 'w', encoding='utf-8') as f:
        f.write(text)


def check_package(path, what):
    """The two pictures once each, related, typed, with unique drawing ids."""
    z = zipfile.ZipFile(path)
    names = z.namelist()
    media = [n for n in names if n.startswith('word/media/')]
    check(sorted(media) == ['word/media/vt-seal.png', 'word/media/vt-signature.png'],
          '%s: the signature and seal pictures are stored once each (%r)' % (what, media))
    check(all(z.getinfo(n).compress_type == zipfile.ZIP_STORED for n in media),
          '%s: the PNG parts are stored, not deflated again' % what)
    ct = z.read('[Content_Types].xml').decode()
    check(ct.count('Extension="png"') == 1, '%s: [Content_Types].xml has one png Default' % what)
    rels = z.read('word/_rels/document.xml.rels').decode()
    check('Id="rIdVtSig"' in rels and 'Target="media/vt-seal.png"' in rels,
          '%s: the document relates both pictures' % what)
    doc = z.read('word/document.xml').decode()
    ids = re.findall(r'<wp:docPr id="(\d+)"', doc)
    check(len(ids) >= 2 and len(ids) == len(set(ids)),
          '%s: %d drawings, their docPr ids unique (%r)' % (what, len(ids), ids))
    ext = re.findall(r'<wp:extent cx="(\d+)" cy="(\d+)"/>', doc)
    # ky.png 400x160 without pHYs: the 35 mm default; dau.png 360 px at
    # 10 px/mm in its pHYs: 36 mm (1 mm = 36,000 EMU)
    check(ext == [('1260000', '504000'), ('1296000', '1296000')],
          '%s: signature 35 mm wide by default, seal 36 mm from its pHYs (%r)' % (what, ext))
    check(doc.count('<wp:anchor') == 2 and 'behindDoc="0"' in doc and '<wp:wrapNone/>' in doc,
          '%s: two floating pictures in front of the text, without wrapping' % what)
    check(run(['unzip', '-tq', path]).returncode == 0, '%s: unzip -t passes' % what)


def bbox(ppm_path, want):
    """(x0, y0, x1, y1) of the pixels of a binary PPM that want(r, g, b)."""
    data = open(ppm_path, 'rb').read()
    m = re.match(rb'P6\s+(\d+)\s+(\d+)\s+255\s', data)
    w, h = int(m.group(1)), int(m.group(2))
    px = data[m.end():]
    xs, ys = [], []
    for y in range(h):
        row = px[y * w * 3:(y + 1) * w * 3]
        for x in range(w):
            if want(row[3 * x], row[3 * x + 1], row[3 * x + 2]):
                xs.append(x)
                ys.append(y)
    return (min(xs), min(ys), max(xs), max(ys)) if xs else None


def words_y(pdf, dpi):
    """{word: (yMin, yMax) in pixels at dpi} from pdftotext -bbox, first match."""
    out = subprocess.run(['pdftotext', '-bbox', pdf, '-'], capture_output=True, text=True).stdout
    ys = {}
    for m in re.finditer(r'<word xMin="[\d.]+" yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">([^<]*)</word>', out):
        ys.setdefault(m.group(3), (float(m.group(1)) * dpi / 72, float(m.group(2)) * dpi / 72))
    return ys


def pdf_position(vanthu, plan, tmp, env, docs_img):
    if not shutil.which('soffice') or not shutil.which('pdftoppm'):
        print('skip  PDF position: no soffice or pdftoppm on this machine')
        return
    pdf = os.path.join(tmp, 'signed.pdf')
    r = run([vanthu, 'render', plan, '-o', pdf], env=env, timeout=600)
    if not check(r.returncode == 0 and os.path.isfile(pdf), 'the plan with images renders to PDF (%s)'
                 % r.stderr.strip()[:200]):
        return
    lst = run(['pdfimages', '-list', pdf]).stdout.splitlines()[2:]
    kinds = [l.split()[2] for l in lst if l.split()]
    sizes = sorted((l.split()[3], l.split()[4]) for l in lst if l.split() and l.split()[2] == 'image')
    check(kinds.count('image') == 2 and sizes == [('360', '360'), ('400', '160')],
          'pdfimages lists the two pictures at their pixel sizes (%r)' % sizes)
    dpi = 50
    run(['pdftoppm', '-r', str(dpi), '-f', '1', '-l', '1', pdf, os.path.join(tmp, 'page')])
    ppm = glob.glob(os.path.join(tmp, 'page*.ppm'))[0]
    red = bbox(ppm, lambda r, g, b: r > 150 and g < 90 and b < 90)
    ink = bbox(ppm, lambda r, g, b: b > 70 and r < 90 and g < 100 and b - r > 40)
    ys = words_y(pdf, dpi)
    title, name = ys.get('PHÒNG'), ys.get('Hùng')
    if not check(red and ink and title and name, 'the page shows red seal pixels, signature ink, '
                 'the titles and the name (%r %r %r %r)' % (red, ink, title, name)):
        return
    # "about a third": the seal's right edge between a quarter and a half
    # of the way into the signature's ink, its left edge outside it
    wid = ink[2] - ink[0]
    check(red[0] < ink[0] and ink[0] + wid / 4.0 <= red[2] <= ink[0] + wid / 2.0,
          'the seal covers the left third of the signature (seal x %d-%d, signature x %d-%d)'
          % (red[0], red[2], ink[0], ink[2]))
    check(title[1] - 2 <= ink[1] and ink[3] <= name[0] + 2,
          'the signature lies between the titles (bottom y %.0f) and the name (top y %.0f): y %d-%d'
          % (title[1], name[0], ink[1], ink[3]))
    if docs_img:  # refresh the README picture: scripts call this with --shot
        run(['pdftoppm', '-r', '80', '-f', '1', '-l', '1', '-png', '-singlefile', '-x', '40', '-y', '415',
             '-W', '600', '-H', '200', pdf, os.path.join(docs_img, 'signed-letter')])


def main():
    shot = '--shot' in sys.argv
    if shot:
        sys.argv.remove('--shot')
    a = parse_args()
    env = dict(os.environ, VANTHU_TEMPLATES=os.path.join(a.build, 'templates'))
    with tempfile.TemporaryDirectory(prefix='vt-img-') as tmp:
        os.makedirs(os.path.join(tmp, 'img'))
        subprocess.run([sys.executable, os.path.join(a.source, 'tests/integration/img/make_images.py'),
                        os.path.join(tmp, 'img')], check=True)
        for n in ('ky.png', 'dau.png'):
            check(open(os.path.join(tmp, 'img', n), 'rb').read() ==
                  open(os.path.join(a.source, 'tests/integration/img', n), 'rb').read(),
                  'make_images.py gives the shipped %s byte for byte' % n)
        plan = os.path.join(tmp, 'signed.xml')
        with_images(a.source, SINGLE, plan)
        out1, out2 = os.path.join(tmp, 'a.docx'), os.path.join(tmp, 'b.docx')
        r1 = run([a.vanthu, 'render', plan, '-o', out1], env=env)
        r2 = run([a.vanthu, 'render', plan, '-o', out2], env=env)
        if check(r1.returncode == 0 and r2.returncode == 0, 'the plan with images renders (%s)'
                 % r1.stderr.strip()[:200]):
            check_package(out1, 'single letter')
            check(open(out1, 'rb').read() == open(out2, 'rb').read(), 'two renders are the same bytes')
            check_ooxml(a.source, out1, 'single letter with images')
        batch = os.path.join(tmp, 'batch.xml')
        with_images(a.source, BATCH, batch)
        d = os.path.join(tmp, 'letters')
        r = run([a.vanthu, 'invite', batch, '-o', d], env=env)
        files = sorted(glob.glob(os.path.join(d, '*.docx')))
        if check(r.returncode == 0 and len(files) > 1, 'the batch with images writes %d letters (%s)'
                 % (len(files), r.stderr.strip()[:200])):
            for f in files:
                check_package(f, 'letter ' + os.path.basename(f))
            check_ooxml(a.source, d, 'batch letters with images')
        pdf_position(a.vanthu, plan, tmp, env, os.path.join(a.source, 'docs', 'img') if shot else None)
    print('%d passed, %d failed' % (RESULTS['passed'], RESULTS['failed']))
    return 1 if RESULTS['failed'] else 0


if __name__ == '__main__':
    sys.exit(main())
