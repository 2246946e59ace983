#!/usr/bin/env python3
"""Bad signature and seal images (issue 12, item 3): a text or a JPEG
renamed .png, a PNG header claiming 20,000 x 20,000 pixels (refused from
its header, never inflated), a truncated PNG, a wrong CRC, a file over
2 MiB, a missing image, a folder, a FIFO and a symlink to a device named
as the image, a size out of range, images on a signed copy, and a batch
with a missing image.  Each gives file:line:col, exit 1 and writes
nothing (the images are checked while the plan is read).
"""
import os
import struct
import sys
import tempfile
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from run import expect, run_case  # noqa: E402
from test_render import RESULTS, parse_args  # noqa: E402

SINGLE = 'plans/kim-thanh-2018-giay-moi-cum-1.xml'
BATCH = 'plans/kim-thanh-2018-giay-moi-sinh-hoat-cum-truong.xml'


def chunk(kind, data, crc=None):
    c = zlib.crc32(kind + data) & 0xffffffff if crc is None else crc
    return struct.pack('>I', len(data)) + kind + data + struct.pack('>I', c)


def png_header(w, h, crc=None):
    return (b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', w, h, 8, 6, 0, 0, 0), crc)
            + chunk(b'IDAT', zlib.compress(b'\0' * 64)) + chunk(b'IEND', b''))


def plan_with(src, plan, sig, extra='', signed=False):
    text = open(os.path.join(src, plan), encoding='utf-8').read()
    head, sep, tail = text.partition('</signature>')
    if signed:
        head = head.replace('<signature', '<signature signed="yes"', 1)
    return head + sig + extra + sep + tail


def main():
    a = parse_args()
    env = dict(os.environ, VANTHU_TEMPLATES=os.path.join(a.build, 'templates'))
    good = open(os.path.join(a.source, 'tests/integration/img/ky.png'), 'rb').read()
    with tempfile.TemporaryDirectory(prefix='vt-badimg-') as tmp:
        out = os.path.join(tmp, 'out')
        os.makedirs(out)
        files = {
            'text.png': b'this is a letter, not a picture\n',
            'photo.png': b'\xff\xd8\xff\xe0\x00\x10JFIF\x00' + b'\0' * 200,
            'huge.png': png_header(20000, 20000),
            'wide.png': png_header(4001, 10),
            'crc.png': png_header(10, 10, crc=0x12345678),
            'cut.png': good[:len(good) // 2],
            'big.png': good[:8] + b'\0' * (3 << 20),
            'ok.png': good,
        }
        for n, data in files.items():
            with open(os.path.join(tmp, n), 'wb') as f:
                f.write(data)
        os.mkdir(os.path.join(tmp, 'folder.png'))
        os.mkfifo(os.path.join(tmp, 'fifo.png'))
        os.symlink('/dev/zero', os.path.join(tmp, 'dev.png'))
        cases = [
            ('text renamed .png', '<image src="text.png"/>', '', r'<image src="text.png">: not a PNG image'),
            ('JPEG renamed .png', '<image src="photo.png"/>', '', r'not a PNG image'),
            ('20,000 x 20,000 header', '<seal src="huge.png"/>', '', r'<seal src="huge.png">: the image is 20000 x 20000 pixels; at most 4000 x 4000'),
            ('4001 px wide', '<image src="wide.png"/>', '', r'4001 x 10 pixels'),
            ('wrong CRC', '<image src="crc.png"/>', '', r'chunk "IHDR" at byte 8 has a wrong CRC'),
            ('truncated PNG', '<image src="cut.png"/>', '', r'the PNG is truncated'),
            ('over 2 MiB', '<image src="big.png"/>', '', r'big\.png is \d+ bytes; at most 2 MiB'),
            ('missing image', '<image src="nowhere.png"/>', '', r'<image src="nowhere.png">: cannot read .*nowhere\.png: No such file'),
            ('a folder', '<image src="folder.png"/>', '', r'not a regular file \(a folder\)'),
            ('a FIFO', '<seal src="fifo.png"/>', '', r'fifo\.png: not a regular file'),
            ('a symlink to /dev/zero', '<image src="dev.png"/>', '', r'dev\.png: not a regular file'),
            ('no src', '<image/>', '', r'<image> needs src='),
            ('seal size out of range', '<seal src="ok.png" size-mm="500"/>', '', r'size-mm="500"\>: a size in millimetres from 5 to 100'),
            ('two images', '<image src="ok.png"/><image src="ok.png"/>', '', r'<image> appears twice'),
        ]
        for label, sig, extra, pattern in cases:
            plan = os.path.join(tmp, 'p.xml')
            with open(plan, 'w', encoding='utf-8') as f:
                f.write(plan_with(a.source, SINGLE, sig, extra))
            r = run_case(a.vanthu, ['render', plan, '-o', os.path.join(out, 'x.docx')], env, timeout=30)
            expect(label, r, 1, r'p\.xml:\d+:\d+: .*' + pattern, out)
        plan = os.path.join(tmp, 'copy.xml')
        with open(plan, 'w', encoding='utf-8') as f:
            f.write(plan_with(a.source, SINGLE, '<image src="ok.png"/>', signed=True))
        r = run_case(a.vanthu, ['render', plan, '-o', os.path.join(out, 'x.docx')], env, timeout=30)
        expect('images on a signed copy', r, 1, r'copy\.xml:\d+:\d+: .*a copy carries no signature', out)
        plan = os.path.join(tmp, 'batch.xml')
        with open(plan, 'w', encoding='utf-8') as f:
            f.write(plan_with(a.source, BATCH, '<seal src="gone.png"/>'))
        r = run_case(a.vanthu, ['invite', plan, '-o', os.path.join(out, 'letters')], env, timeout=60)
        expect('batch with a missing seal', r, 1, r'batch\.xml:\d+:\d+: <seal src="gone.png">: cannot read', out)
    print('%d passed, %d failed' % (RESULTS['passed'], RESULTS['failed']))
    return 1 if RESULTS['failed'] else 0


if __name__ == '__main__':
    sys.exit(main())
