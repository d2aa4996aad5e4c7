#!/usr/bin/env python3
"""Draws Soundcheck's app icons (a ring around a dot, the header's mark) as PNGs into public/icons.

Run once when the mark changes; the PNGs are committed. Pure Python (no imaging library)."""
import math
import os
import struct
import zlib

BG = (0x0F, 0x12, 0x16)
ACCENT = (0x4F, 0xD1, 0xA5)
OUT = os.path.join(os.path.dirname(__file__), "..", "public", "icons")


def coverage(size, x, y, scale):
    """Which colour a point gets: the mark is scaled into `scale` of the icon (maskable icons keep
    it inside the safe circle)."""
    c = size / 2
    r = math.hypot(x - c, y - c) / (size / 2) / scale
    if r <= 0.30:
        return ACCENT
    if 0.52 <= r <= 0.70:
        return ACCENT
    return None


def draw(size, scale, rounded):
    rows = []
    ss = 4
    for py in range(size):
        row = bytearray([0])
        for px in range(size):
            acc = [0, 0, 0, 0]
            for sy in range(ss):
                for sx in range(ss):
                    x = px + (sx + 0.5) / ss
                    y = py + (sy + 0.5) / ss
                    if rounded:
                        # A rounded square: corners outside a radius are transparent.
                        rad = size * 0.18
                        dx = max(rad - x, 0, x - (size - rad))
                        dy = max(rad - y, 0, y - (size - rad))
                        if math.hypot(dx, dy) > rad:
                            continue
                    colour = coverage(size, x, y, scale) or BG
                    acc[0] += colour[0]
                    acc[1] += colour[1]
                    acc[2] += colour[2]
                    acc[3] += 255
            n = ss * ss
            alpha = acc[3] // n
            if alpha == 0:
                row += bytes([0, 0, 0, 0])
            else:
                k = acc[3] // 255
                row += bytes([acc[0] // k, acc[1] // k, acc[2] // k, alpha])
        rows.append(bytes(row))
    raw = b"".join(rows)

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


def main():
    os.makedirs(OUT, exist_ok=True)
    for name, size, scale, rounded in [
        ("icon-192.png", 192, 0.80, True),
        ("icon-512.png", 512, 0.80, True),
        ("icon-maskable-512.png", 512, 0.62, False),
        ("apple-touch-icon.png", 180, 0.75, False),
    ]:
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(draw(size, scale, rounded))
        print("wrote", name)


if __name__ == "__main__":
    main()
