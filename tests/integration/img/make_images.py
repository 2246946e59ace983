#!/usr/bin/env python3
"""Write the two test pictures with zlib and struct only (no PIL on the
build machines): ky.png, a transparent signature scribble in dark blue
ink, and dau.png, a red ring seal with a pHYs chunk of 10 px/mm, so it
prints 36 mm wide without a size in the plan.  Deterministic bytes.

Usage: make_images.py DIR"""
import math
import struct
import sys
import zlib


def chunk(kind, data):
    c = struct.pack(">I", len(data)) + kind + data
    return c + struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff)


def png(w, h, pixel, dpmm=None):
    rows = bytearray()
    for y in range(h):
        rows.append(0)
        for x in range(w):
            rows.extend(pixel(x, y))
    out = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 6, 0, 0, 0))
    if dpmm:
        ppm = int(dpmm * 1000)
        out += chunk(b"pHYs", struct.pack(">IIB", ppm, ppm, 1))
    return out + chunk(b"IDAT", zlib.compress(bytes(rows), 9)) + chunk(b"IEND", b"")


def signature(x, y, w=400, h=160):
    # a loop-and-flourish: two sine strokes, 6 px thick
    for f, a, ph in ((2.0, 45, 0.0), (3.5, 25, 1.3)):
        cy = h / 2 + a * math.sin(f * 2 * math.pi * x / w + ph)
        if abs(y - cy) < 3 and 20 < x < w - 20:
            return (20, 30, 110, 255)
    return (0, 0, 0, 0)


def seal(x, y, n=360):
    r = math.hypot(x - n / 2 + 0.5, y - n / 2 + 0.5)
    if 160 <= r <= 178 or 110 <= r <= 118 or r < 20:
        return (220, 20, 30, 255)
    return (0, 0, 0, 0)


def main():
    d = sys.argv[1] if len(sys.argv) > 1 else "."
    with open(d + "/ky.png", "wb") as f:
        f.write(png(400, 160, signature))
    with open(d + "/dau.png", "wb") as f:
        f.write(png(360, 360, seal, dpmm=10))


if __name__ == "__main__":
    main()
