"""A small ESC/POS decoder for our own output: text lines, raster images, cuts, drawer kicks, code pages."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

ESC, GS, DLE, FS, LF, CR = 0x1B, 0x1D, 0x10, 0x1C, 0x0A, 0x0D

FONT_PATH = Path("/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf")
FONT_BOLD_PATH = Path("/usr/share/fonts/truetype/dejavu/DejaVuSansMono-Bold.ttf")
CELL_WIDTH = {0: 12, 1: 9}  # dots per character: Font A 12×24, Font B 9×17
LINE_HEIGHT = 24

# ESC x and GS x commands that take a fixed number of parameter bytes and only change state we ignore.
_ESC_FIXED = {
    ord("2"): 0, ord("3"): 1, ord("J"): 1, ord("e"): 1, ord("G"): 1, ord("{"): 1, ord("V"): 1,
    ord("r"): 1, ord("R"): 1, ord("="): 1, ord(" "): 1, ord("c"): 2, ord("B"): 2, ord("U"): 1,
    ord("$"): 2, ord("\\"): 2, ord("%"): 1,
}
_GS_FIXED = {
    ord("L"): 2, ord("W"): 2, ord("B"): 1, ord("b"): 1, ord("h"): 1, ord("w"): 1, ord("H"): 1,
    ord("f"): 1, ord("P"): 2, ord("a"): 1, ord("r"): 1, ord("I"): 1, ord("E"): 1, ord("$"): 2, ord("\\"): 2,
}


@dataclass(frozen=True, slots=True)
class TextLine:
    """One printed line of text and the style it was printed with (style of its first character)."""

    text: str
    dots: int  # horizontal dots the characters take (12 per Font A cell, times the width multiplier)
    width_mult: int = 1
    height_mult: int = 1
    bold: bool = False
    align: int = 0  # 0 left, 1 centre, 2 right

    @property
    def columns(self) -> int:
        """Font A columns the line takes on paper (a double-width character takes two)."""
        return math.ceil(self.dots / CELL_WIDTH[0])


@dataclass(slots=True)
class Decoded:
    """What a job prints: text lines, images in order (``flow``), and the machine commands seen.

    Images are mode ``"1"``, black where the printer puts ink; ``image.info["align"]`` is the justification
    (0 left, 1 centre, 2 right) in force when it came.
    """

    lines: list[str] = field(default_factory=list)
    text_lines: list[TextLine] = field(default_factory=list)
    images: list[Image.Image] = field(default_factory=list)
    flow: list[TextLine | Image.Image] = field(default_factory=list)
    cut: bool = False
    drawer_kicks: int = 0
    codepages: list[int] = field(default_factory=list)


@dataclass(slots=True)
class _State:
    font: int = 0
    bold: bool = False
    width_mult: int = 1
    height_mult: int = 1
    align: int = 0


class _Decoder:
    def __init__(self, data: bytes, codepage: str) -> None:
        self.data = data
        self.table = bytes(range(256)).decode(codepage, errors="replace")
        self.out = Decoded()
        self.state = _State()
        self.chars: list[str] = []
        self.dots = 0
        self.line_style: _State | None = None
        self.pos = 0

    def need(self, count: int, start: int) -> bytes:
        if self.pos + count > len(self.data):
            raise ValueError(f"secuencia ESC/POS incompleta en el offset {start}")
        chunk = self.data[self.pos : self.pos + count]
        self.pos += count
        return chunk

    def newline(self) -> None:
        style = self.line_style or self.state
        line = TextLine("".join(self.chars), self.dots, style.width_mult, style.height_mult, style.bold,
                        style.align)
        self.out.lines.append(line.text)
        self.out.text_lines.append(line)
        self.out.flow.append(line)
        self.chars, self.dots, self.line_style = [], 0, None

    def run(self) -> Decoded:
        handlers: dict[int, Callable[[int], None]] = {ESC: self.esc, GS: self.gs, DLE: self.dle, FS: self.fs}
        while self.pos < len(self.data):
            start = self.pos
            byte = self.data[self.pos]
            self.pos += 1
            if byte in handlers:
                handlers[byte](start)
            elif byte == LF:
                self.newline()
            elif byte == CR:
                continue
            elif byte < 0x20:
                raise ValueError(f"byte de control desconocido 0x{byte:02x} en el offset {start}")
            else:
                if not self.chars:
                    self.line_style = dataclasses.replace(self.state)
                self.chars.append(self.table[byte])
                self.dots += CELL_WIDTH.get(self.state.font, 12) * self.state.width_mult
        if self.chars:
            self.newline()
        return self.out

    def esc(self, start: int) -> None:
        cmd = self.need(1, start)[0]
        state = self.state
        if cmd == ord("@"):
            self.state = _State()
        elif cmd == ord("t"):
            self.out.codepages.append(self.need(1, start)[0])
        elif cmd == ord("!"):
            mode = self.need(1, start)[0]
            state.font, state.bold = mode & 0x01, bool(mode & 0x08)
            state.height_mult, state.width_mult = (2 if mode & 0x10 else 1), (2 if mode & 0x20 else 1)
        elif cmd == ord("E"):
            state.bold = bool(self.need(1, start)[0] & 1)
        elif cmd == ord("-"):
            self.need(1, start)
        elif cmd == ord("M"):
            state.font = self.need(1, start)[0] & 1
        elif cmd == ord("a"):
            state.align = self.need(1, start)[0] % 48
        elif cmd == ord("d"):
            for _ in range(self.need(1, start)[0]):
                self.newline()
        elif cmd == ord("p"):
            self.need(3, start)
            self.out.drawer_kicks += 1
        elif cmd in (ord("i"), ord("m")):
            self.out.cut = True
        elif cmd == ord("*"):
            mode, low, high = self.need(3, start)
            self.need((low + high * 256) * (3 if mode >= 32 else 1), start)
        elif cmd in _ESC_FIXED:
            self.need(_ESC_FIXED[cmd], start)
        else:
            raise ValueError(f"secuencia ESC/POS desconocida 1b {cmd:02x} en el offset {start}")

    def gs(self, start: int) -> None:
        cmd = self.need(1, start)[0]
        if cmd == ord("!"):
            size = self.need(1, start)[0]
            self.state.width_mult, self.state.height_mult = (size >> 4) + 1, (size & 0x0F) + 1
        elif cmd == ord("V"):
            mode = self.need(1, start)[0]
            if mode in (65, 66, 97, 98, 103, 104):
                self.need(1, start)
            elif mode not in (0, 1, 48, 49):
                raise ValueError(f"corte GS V {mode} desconocido en el offset {start}")
            self.out.cut = True
        elif cmd == ord("v"):
            self.raster(start)
        elif cmd == ord("("):
            function = self.need(1, start)[0]
            low, high = self.need(2, start)
            payload = self.need(low + high * 256, start)
            if function == ord("L") and payload[:2] == b"0p" and len(payload) >= 10:
                self.graphics(payload)
        elif cmd == ord("k"):
            kind = self.need(1, start)[0]
            if kind <= 6:
                end = self.data.find(b"\x00", self.pos)
                if end < 0:
                    raise ValueError(f"código de barras sin NUL final en el offset {start}")
                self.pos = end + 1
            else:
                self.need(self.need(1, start)[0], start)
        elif cmd in _GS_FIXED:
            self.need(_GS_FIXED[cmd], start)
        else:
            raise ValueError(f"secuencia ESC/POS desconocida 1d {cmd:02x} en el offset {start}")

    def raster(self, start: int) -> None:
        if self.need(1, start) != b"0":
            raise ValueError(f"GS v desconocido en el offset {start}")
        mode, xl, xh, yl, yh = self.need(5, start)
        width_bytes, height = xl + xh * 256, yl + yh * 256
        data = self.need(width_bytes * height, start)
        image = Image.frombytes("1", (width_bytes * 8, height), data, "raw", "1;I")
        if mode & 0x03:
            scale_x, scale_y = (2 if mode & 1 else 1), (2 if mode & 2 else 1)
            image = image.resize((image.width * scale_x, image.height * scale_y), Image.Resampling.NEAREST)
        self.add_image(image)

    def graphics(self, payload: bytes) -> None:
        """``GS ( L`` function 112: a monochrome image stored for printing (python-escpos "graphics")."""
        width, height = int.from_bytes(payload[6:8], "little"), int.from_bytes(payload[8:10], "little")
        data = payload[10 : 10 + (width + 7) // 8 * height]
        self.add_image(Image.frombytes("1", ((width + 7) // 8 * 8, height), data, "raw", "1;I"))

    def add_image(self, image: Image.Image) -> None:
        if self.chars:
            self.newline()
        image.info["align"] = self.state.align
        self.out.images.append(image)
        self.out.flow.append(image)

    def dle(self, start: int) -> None:
        cmd = self.need(1, start)[0]
        if cmd in (0x04, 0x05):
            self.need(1, start)
        elif cmd == 0x14:
            function, _pin, _time = self.need(3, start)
            self.out.drawer_kicks += function == 1
        else:
            raise ValueError(f"secuencia ESC/POS desconocida 10 {cmd:02x} en el offset {start}")

    def fs(self, start: int) -> None:
        cmd = self.need(1, start)[0]
        if cmd not in (ord("."), ord("&")):
            raise ValueError(f"secuencia ESC/POS desconocida 1c {cmd:02x} en el offset {start}")


def decode(data: bytes, codepage: str = "cp858") -> Decoded:
    """Decode an ESC/POS job into its printed text lines and images (``GS v 0`` and ``GS ( L`` rasters).

    Args:
        data: the job's bytes (our renderer's output, or anything using the commands listed in this module).
        codepage: Python codec for bytes 0x80–0xFF (the code page the job pins with ``ESC t``).

    Returns:
        ``Decoded``; every ``LF`` ends a line, ``ESC d n`` adds ``n`` line ends.

    Raises:
        ValueError: an unknown or truncated command; the message names its byte offset.
    """
    return _Decoder(data, codepage).run()


def _font(bold: bool) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    path = FONT_BOLD_PATH if bold and FONT_BOLD_PATH.exists() else FONT_PATH
    if path.exists():
        return ImageFont.truetype(str(path), 20)
    return ImageFont.load_default()


def _draw_line(line: TextLine) -> Image.Image:
    font = _font(line.bold)
    cell = max(1, round(line.dots / max(len(line.text), 1) / line.width_mult)) if line.text else 12
    strip = Image.new("L", (max(cell * len(line.text), 1), LINE_HEIGHT), 255)
    draw = ImageDraw.Draw(strip)
    for index, char in enumerate(line.text):
        draw.text((index * cell, 0), char, font=font, fill=0)
    if line.width_mult > 1 or line.height_mult > 1:
        strip = strip.resize((strip.width * line.width_mult, strip.height * line.height_mult),
                             Image.Resampling.NEAREST)
    return strip


def to_image(data: bytes, width_dots: int, codepage: str = "cp858") -> Image.Image:
    """Draw a job as a person would see the paper: a white strip ``width_dots`` wide (1 dot = 1 pixel).

    Text uses DejaVu Sans Mono when installed (else Pillow's default font), 12×24 dots per character, with
    double width/height, bold and alignment applied; rasters are pasted where they come.

    Raises:
        ValueError: as ``decode``.
    """
    decoded = decode(data, codepage)
    pieces: list[tuple[Image.Image, int]] = []
    for item in decoded.flow:
        if isinstance(item, TextLine):
            pieces.append((_draw_line(item), item.align))
        else:
            pieces.append((item.convert("L"), int(item.info.get("align", 0))))
    margin = LINE_HEIGHT // 2
    paper = Image.new("L", (width_dots, sum(p.height for p, _ in pieces) + 2 * margin), 255)
    top = margin
    for piece, align in pieces:
        left = {1: (width_dots - piece.width) // 2, 2: width_dots - piece.width}.get(align, 0)
        paper.paste(piece, (max(left, 0), top))
        top += piece.height
    return paper
