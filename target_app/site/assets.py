"""Static assets of realistic size: stylesheets, scripts and PNG images, generated once."""

from __future__ import annotations

import random
import struct
import zlib


def stylesheet(seed: str, target_bytes: int) -> bytes:
    """A CSS file of about ``target_bytes`` with plausible rules."""
    rng = random.Random(seed)
    properties = ("margin", "padding", "color", "background-color", "border", "font-size", "line-height")
    rules = []
    size = 0
    while size < target_bytes:
        component = rng.choice(("nav", "menu", "srch", "cont", "bc", "ftr", "lng", "frm"))
        selector = f".wb-{component}-{rng.randint(1, 999)}"
        body = ";".join(f"{rng.choice(properties)}:{rng.randint(0, 40)}px" for _ in range(rng.randint(2, 6)))
        rule = f"{selector}{{{body}}}\n"
        rules.append(rule)
        size += len(rule)
    return "".join(rules).encode()


def script(seed: str, target_bytes: int) -> bytes:
    """A JavaScript file of about ``target_bytes`` of small functions."""
    rng = random.Random(seed)
    functions = []
    size = 0
    while size < target_bytes:
        name = f"wb{rng.randint(0, 10**6):06d}"
        text = (
            f"function {name}(e){{var t=e.getAttribute('data-{rng.randint(1, 99)}')||'';"
            f"if(t.length>{rng.randint(1, 50)}){{e.className+=' wb-init';}}return t;}}\n"
        )
        functions.append(text)
        size += len(text)
    return "".join(functions).encode()


def png(seed: str, width: int, height: int) -> bytes:
    """A valid RGB PNG of noise (so it does not compress: about width x height x 3 bytes)."""
    rng = random.Random(seed)
    raw = b"".join(b"\x00" + rng.randbytes(width * 3) for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, 1))
        + chunk(b"IEND", b"")
    )
