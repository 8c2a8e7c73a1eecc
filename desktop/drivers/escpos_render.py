"""Pure rendering of receipts and text reports into ESC/POS bytes, code page pinned to CP858."""

from __future__ import annotations

import textwrap
import unicodedata
from typing import Literal

from escpos.image import EscposImage
from escpos.printer import Dummy
from PIL import Image

from desktop.drivers.ports import DrawerConfig
from desktop.drivers.receipt import PaperWidth, Receipt, ReceiptLine, TextReport
from shared import es_cl
from shared.money import format_clp, format_kg

PINNED_CODEPAGES = ("CP858", "CP850")
"""Code pages we pin, in order of preference: CP858 (``ESC t 19`` in most profiles), else CP850."""

RASTER_FRAGMENT_ROWS = 960
"""Tall images are sent as several ``GS v 0`` blocks of at most this many rows (as python-escpos does)."""

REPRINT_MARK = "*** REIMPRESIÓN ***"

Align = Literal["left", "center", "right"]
Size = Literal["normal", "2h", "2x"]


def render_receipt(
    receipt: Receipt,
    width: PaperWidth,
    *,
    profile: str = "default",
    logo: Image.Image | None = None,
    cut: bool = True,
    open_drawer: bool = False,
    drawer_pin: int = 2,
) -> bytes:
    """Render a sale receipt as ESC/POS bytes for a roll of ``width``.

    Args:
        receipt: what to print; amounts in CLP.
        width: paper width; no text line is longer than ``width.columns`` and no image wider than
            ``width.dots`` (wider images are scaled down, nearest neighbour).
        profile: python-escpos printer profile name (escpos-printer-db); it must list CP858 or CP850.
        logo: optional image printed centred at the top (dithered to black and white).
        cut: feed and cut at the end (``ESC d 6``, ``GS V 0``); otherwise only feed.
        open_drawer: add the drawer kick pulse right after the reset (``ESC p 0 50 50`` on pin 2).
        drawer_pin: the drawer connector's pin, 2 or 5 (``ESC p 1 50 50``).

    Returns:
        The job's bytes; the same input always gives the same bytes.

    Raises:
        ValueError: the profile has neither CP858 nor CP850, or a drawer pin other than 2 or 5.
    """
    out = _Writer(width, profile)
    if open_drawer:
        if drawer_pin not in (2, 5):
            raise ValueError("el cajón se conecta al pin 2 o 5")
        out.printer.cashdraw(drawer_pin)
    if receipt.reprint:
        out.block((REPRINT_MARK,), align="center", bold=True)
        out.blank()
    if logo is not None:
        out.image(logo, dither=True)
    out.block((receipt.store_name,), align="center", bold=True, size="2x")
    out.block((f"RUT {receipt.store_rut}", receipt.store_giro, receipt.store_address), align="center")
    out.blank()
    number = receipt.number if receipt.number.startswith("N°") else f"N° {receipt.number}"
    if receipt.boxed:
        out.boxed((f"R.U.T.: {receipt.store_rut}", receipt.title, number))
        if receipt.sii_office:
            out.block((f"S.I.I. - {receipt.sii_office.upper()}",), align="center", bold=True)
    else:
        out.block((receipt.title, number), align="center", bold=True)
    out.row(f"Fecha: {receipt.issued_at:%d-%m-%Y %H:%M}", "")
    cashier, till = f"Cajero: {receipt.cashier}", f"Caja: {short_id(receipt.terminal)}"
    if len(clean_text(cashier)) + len(clean_text(till)) + 1 <= out.columns:
        out.row(cashier, till)
    else:  # never cut the cashier's name to make room
        out.row(cashier, "")
        out.row(till, "")
    if receipt.receptor:
        out.separator()
        out.block(receipt.receptor)
    out.separator()
    for line in receipt.lines:
        _render_line(out, line)
    out.separator()
    if receipt.discount:
        out.row("Subtotal", format_clp(receipt.total + receipt.discount))
        out.row("Descuento", format_clp(-abs(receipt.discount)))
    out.row("TOTAL", format_clp(receipt.total), bold=True, size="2h")
    out.row("Neto", format_clp(receipt.neto))
    out.row("IVA 19%", format_clp(receipt.iva))
    if receipt.exento > 0:
        out.row("Exento", format_clp(receipt.exento))
    if receipt.rounding:
        out.row("Redondeo (Ley 20.956)", format_clp(receipt.rounding))
        out.row("Total a devolver" if receipt.refund else "Total a pagar", format_clp(receipt.total + receipt.rounding),
                bold=True)
    if receipt.tenders:
        out.blank()
        for tender in receipt.tenders:
            out.row(tender.label, format_clp(tender.amount))
        if not receipt.refund:
            out.row("Vuelto", format_clp(receipt.change))
    if receipt.account:
        out.blank()
        for label, value in receipt.account:
            out.row(label, value, bold=bool(value))
    if receipt.timbre is not None:
        out.blank()
        out.image(receipt.timbre, dither=False)
    if receipt.timbre_legends:
        out.block(receipt.timbre_legends, align="center")
    if receipt.footer:
        out.blank()
        out.block(receipt.footer, align="center")
    return out.finish(cut=cut)


def render_report(
    report: TextReport,
    width: PaperWidth,
    *,
    profile: str = "default",
    cut: bool = True,
    open_drawer: bool = False,
) -> bytes:
    """Render a Z report or cash-count slip as ESC/POS bytes (same rules and errors as ``render_receipt``)."""
    out = _Writer(width, profile)
    if open_drawer:
        out.printer.cashdraw(2)
    out.block((report.title,), align="center", bold=True, size="2x")
    out.block(report.header, align="center")
    out.separator()
    for label, value in report.rows:
        if label.startswith("--"):
            out.separator()
        elif value == "":
            out.block((label,), bold=True)
        else:
            out.row(label, value)
    out.separator()
    if report.footer:
        out.block(report.footer, align="center")
    return out.finish(cut=cut)


def drawer_pulse(pin: int = 2) -> bytes:
    """The ``ESC p`` kick for ``pin`` as python-escpos ``cashdraw`` sends it (hardware.md §b).

    Raises:
        ValueError: a pin other than 2 or 5.
    """
    DrawerConfig(pin).validate()
    kick = Dummy()
    kick.cashdraw(pin)
    return bytes(kick.output)


class EscposRenderer:
    """The ``ReceiptRenderer`` of ESC/POS printers (the functions above, with the default profile)."""

    def receipt(self, receipt: Receipt, width: PaperWidth, *, logo: Image.Image | None = None,
                open_drawer: bool = False, drawer_pin: int = 2) -> bytes:
        return render_receipt(receipt, width, logo=logo, open_drawer=open_drawer, drawer_pin=drawer_pin)

    def report(self, report: TextReport, width: PaperWidth) -> bytes:
        return render_report(report, width)

    def drawer_pulse(self, pin: int) -> bytes:
        return drawer_pulse(pin)


def clean_text(text: str) -> str:
    """Normalise text for the printer: NFC, and control characters (tabs, newlines, ESC…) made harmless."""
    chars = []
    for char in unicodedata.normalize("NFC", text):
        if unicodedata.category(char) == "Cc":
            chars.append(" " if char.isspace() else "?")
        else:
            chars.append(char)
    return "".join(chars)


def short_id(terminal: str) -> str:
    """A terminal id as printed: an enrolled till's UUID by its first 8 hex digits, else as is."""
    parts = terminal.split("-")
    if len(terminal) == 36 and [len(x) for x in parts] == [8, 4, 4, 4, 12]:
        return parts[0]
    return terminal


def justify(left: str, right: str, columns: int) -> str:
    """``left`` and ``right`` on one line of exactly ``columns`` characters; ``left`` is cut to make room."""
    left, right = clean_text(left).rstrip(), clean_text(right).strip()
    right = right[:columns]
    room = columns - len(right) - (1 if right else 0)
    left = left[: max(room, 0)]
    gap = columns - len(left) - len(right)
    return left + " " * gap + right


def wrap(text: str, columns: int, max_lines: int | None = None) -> list[str]:
    """Word-wrap ``text`` to ``columns`` (long words are split); an empty text gives no lines."""
    lines = textwrap.wrap(clean_text(text), columns, break_long_words=True, break_on_hyphens=False)
    return lines if max_lines is None else lines[:max_lines]


def quantity_text(line: ReceiptLine) -> str:
    """``"2 x $1.150"`` for units, ``"0,512 kg x $1.990/kg"`` for weighed goods."""
    if line.sold_by == "kg":
        return f"{format_kg(line.quantity)} x {format_clp(line.unit_price)}/kg"
    quantity = line.quantity
    if quantity == quantity.to_integral_value():
        shown = f"{int(quantity)}"
    else:
        shown = es_cl.number(quantity, group=False)
    return f"{shown} x {format_clp(line.unit_price)}"


def _render_line(out: _Writer, line: ReceiptLine) -> None:
    for part in wrap(line.name, out.columns, max_lines=2):
        out.text(part)
    out.row("  " + quantity_text(line), format_clp(line.amount + line.discount))
    if line.discount:
        out.row("  Descuento", format_clp(-abs(line.discount)))


class _Writer:
    """A python-escpos ``Dummy`` printer with our layout rules on top."""

    def __init__(self, width: PaperWidth, profile: str) -> None:
        self.width = width
        self.columns = width.columns
        self.printer = Dummy(profile=profile)
        codepages = self.printer.profile.get_code_pages()
        names = [name for name in PINNED_CODEPAGES if name in codepages]
        if not names:
            raise ValueError(f"el perfil {profile!r} no tiene CP858 ni CP850")
        self.codepage = names[0]
        self.reset()

    def reset(self) -> None:
        """``ESC @`` then ``ESC t n`` again: the reset clears the code page but python-escpos 3.1 forgets."""
        self.printer.hw("INIT")
        self.printer.magic.encoding = None
        self.printer.magic.force_encoding(self.codepage)

    def style(self, *, align: Align = "left", bold: bool = False, size: Size = "normal") -> None:
        self.printer.set(
            align=align,
            bold=bold,
            normal_textsize=size == "normal",
            double_height=size != "normal",
            double_width=size == "2x",
        )

    def text(self, line: str) -> None:
        """One line of normal text, cut to the paper."""
        self.printer.text(clean_text(line)[: self.columns] + "\n")

    def blank(self) -> None:
        self.printer.text("\n")

    def block(self, texts: tuple[str, ...], *, align: Align = "left", bold: bool = False,
              size: Size = "normal") -> None:
        """Paragraphs wrapped to the paper (half as many columns in double width), then back to normal."""
        columns = self.columns // 2 if size == "2x" else self.columns
        lines = [part for text in texts for part in wrap(text, columns)]
        if not lines:
            return
        self.style(align=align, bold=bold, size=size)
        for part in lines:
            self.printer.text(part + "\n")
        self.style()

    def row(self, left: str, right: str, *, bold: bool = False, size: Size = "normal") -> None:
        """``left`` and ``right`` justified on one line."""
        columns = self.columns // 2 if size == "2x" else self.columns
        if bold or size != "normal":
            self.style(bold=bold, size=size)
        line = justify(left, right, columns) if right else clean_text(left).rstrip()[:columns]
        self.printer.text(line + "\n")
        if bold or size != "normal":
            self.style()

    def separator(self) -> None:
        self.printer.text("-" * self.columns + "\n")

    def boxed(self, texts: tuple[str, ...]) -> None:
        """Bold lines centred inside a box drawn with CP858's box characters (the SII's recuadro)."""
        lines = [part for text in texts for part in wrap(text, self.columns - 4)]
        width = min(self.columns, max((len(x) for x in lines), default=0) + 6)
        inner = width - 4
        self.style(align="center", bold=True)
        self.printer.text("┌" + "─" * (width - 2) + "┐\n")
        for part in lines:
            self.printer.text("│ " + part.center(inner) + " │\n")
        self.printer.text("└" + "─" * (width - 2) + "┘\n")
        self.style()

    def image(self, image: Image.Image, *, dither: bool) -> None:
        """A raster image (``GS v 0``), scaled down to the paper if needed, centred on a full-width strip."""
        strip = fit_image(image, self.width.dots, dither=dither)
        self.style()
        for top in range(0, strip.height, RASTER_FRAGMENT_ROWS):
            fragment = strip.crop((0, top, strip.width, min(top + RASTER_FRAGMENT_ROWS, strip.height)))
            raster = EscposImage(fragment)
            header = (b"\x1dv0\x00" + raster.width_bytes.to_bytes(2, "little")
                      + raster.height.to_bytes(2, "little"))
            self.printer._raw(header + raster.to_raster_format())

    def finish(self, *, cut: bool) -> bytes:
        if cut:
            self.printer.cut()
        else:
            self.printer.print_and_feed(6)
        return bytes(self.printer.output)


def fit_image(image: Image.Image, dots: int, *, dither: bool) -> Image.Image:
    """Black-and-white copy of ``image`` centred on a white strip exactly ``dots`` wide.

    Images wider than ``dots`` are scaled down with nearest neighbour (keeping the aspect ratio); narrower
    ones are not enlarged. ``dither=False`` thresholds at 50 % grey, right for barcodes.
    """
    flat = Image.new("RGBA", image.size, (255, 255, 255, 255))
    flat.alpha_composite(image.convert("RGBA"))
    grey = flat.convert("L")
    mono = grey.convert("1") if dither else grey.point(lambda v: 255 if v >= 128 else 0).convert("1")
    if mono.width > dots:
        height = max(1, round(mono.height * dots / mono.width))
        mono = mono.resize((dots, height), Image.Resampling.NEAREST)
    strip = Image.new("1", (dots, mono.height), 255)
    strip.paste(mono, ((dots - mono.width) // 2, 0))
    return strip

