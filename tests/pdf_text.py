"""Reading back what a PDF from fpdf2 shows, without a PDF library: its objects are plain text, its streams
zlib, and each embedded font carries a ToUnicode map from the glyph codes the pages draw to characters."""

from __future__ import annotations

import re
import zlib

OBJECT = re.compile(rb"(\d+) 0 obj(.*?)endobj", re.S)
ESCAPES = {ord("n"): b"\n", ord("r"): b"\r", ord("t"): b"\t", ord("b"): b"\b", ord("f"): b"\f"}


def objects(pdf: bytes) -> dict[int, bytes]:
    return {int(number): body for number, body in OBJECT.findall(pdf)}


def stream(body: bytes) -> bytes:
    """The data of a stream object, inflated when it is compressed."""
    head, _, rest = body.partition(b"stream")
    length = re.search(rb"/Length (\d+)", head)
    assert length is not None, "a stream without its length"
    data = rest[1 if rest.startswith(b"\n") else 2 :][: int(length.group(1))]
    return zlib.decompress(data) if b"/FlateDecode" in head else data


def images(pdf: bytes) -> int:
    """How many image XObjects the file embeds."""
    return sum(b"/Subtype /Image" in body for body in objects(pdf).values())


def page_texts(pdf: bytes) -> list[str]:
    """Each page's text in drawing order, one line per text object."""
    found = objects(pdf)
    fonts = {name.decode(): _unicode_map(found, int(ref)) for name, ref in re.findall(rb"/(F\d+) (\d+) 0 R", pdf)}
    tree = next(body for body in found.values() if re.search(rb"/Type /Pages\b", body))
    kids = re.search(rb"/Kids \[(.*?)\]", tree, re.S)
    assert kids is not None, "no page tree"
    pages = [int(ref) for ref in re.findall(rb"(\d+) 0 R", kids.group(1))]
    texts = []
    for page in pages:
        contents = re.search(rb"/Contents (\d+) 0 R", found[page])
        assert contents is not None
        texts.append(_text(stream(found[int(contents.group(1))]), fonts))
    return texts


def _unicode_map(found: dict[int, bytes], font: int) -> dict[bytes, str]:
    to_unicode = re.search(rb"/ToUnicode (\d+) 0 R", found[font])
    if to_unicode is None:
        return {}
    cmap = stream(found[int(to_unicode.group(1))])
    chars = b"\n".join(re.findall(rb"beginbfchar(.*?)endbfchar", cmap, re.S))
    pairs = re.findall(rb"<([0-9A-Fa-f]+)> <([0-9A-Fa-f]+)>\s", chars)
    return {bytes.fromhex(code.decode()): bytes.fromhex(text.decode()).decode("utf-16-be") for code, text in pairs}


def _text(content: bytes, fonts: dict[str, dict[bytes, str]]) -> str:
    lines, font, at = [], {}, 0
    while at < len(content):
        if content.startswith(b"Tf", at):
            name = re.findall(rb"/(F\d+) [\d.]+ $", content[max(0, at - 30) : at])
            font = fonts[name[-1].decode()] if name else {}
        if content[at : at + 1] == b"(":
            raw, at = _literal(content, at)
            lines.append("".join(font.get(raw[i : i + 2], "?") for i in range(0, len(raw), 2)))
            continue
        at += 1
    return "\n".join(lines)


def _literal(content: bytes, at: int) -> tuple[bytes, int]:
    """A (string) with PDF escapes and nested parentheses, and the index after it."""
    out, depth, at = bytearray(), 0, at + 1
    while True:
        char = content[at]
        if char == ord("\\"):
            following = content[at + 1]
            if following in b"01234567":
                digits = re.match(rb"[0-7]{1,3}", content[at + 1 : at + 4])
                assert digits is not None
                out.append(int(digits.group(), 8) & 0xFF)
                at += 1 + len(digits.group())
                continue
            out += ESCAPES.get(following, bytes([following]))
            at += 2
            continue
        if char == ord(")") and depth == 0:
            return bytes(out), at + 1
        depth += (char == ord("(")) - (char == ord(")"))
        out.append(char)
        at += 1
