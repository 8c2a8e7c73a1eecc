"""What a printed receipt or report says, as plain values, and the paper widths it can be printed on."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from PIL import Image

SoldBy = Literal["unit", "kg"]


class PaperWidth(enum.Enum):
    """Roll widths for Font A (12×24 dots): characters per line and printable dots (hardware.md §b2)."""

    MM58 = (32, 384)
    MM80 = (48, 576)
    MM80_42 = (42, 512)

    @property
    def columns(self) -> int:
        """Characters of Font A per line at normal width."""
        return self.value[0]

    @property
    def dots(self) -> int:
        """Printable width in dots (the widest raster image allowed)."""
        return self.value[1]

    @classmethod
    def parse(cls, text: str) -> PaperWidth:
        """Read a setting such as ``"58mm"``, ``"80mm"`` or ``"80mm-42"`` (Epson TM-T88, 42 columns).

        Raises:
            ValueError: an unknown width.
        """
        key = text.strip().lower().replace(" ", "").replace("_", "-")
        names = {"58mm": cls.MM58, "58": cls.MM58, "80mm": cls.MM80, "80": cls.MM80,
                 "80mm-42": cls.MM80_42, "80-42": cls.MM80_42, "mm58": cls.MM58, "mm80": cls.MM80,
                 "mm80-42": cls.MM80_42}
        try:
            return names[key]
        except KeyError:
            raise ValueError(f"ancho de papel desconocido: {text!r} (use 58mm, 80mm u 80mm-42)") from None


@dataclass(frozen=True, slots=True)
class ReceiptLine:
    """One sold item; ``amount`` is the line total in CLP after ``discount`` (a positive reduction)."""

    name: str
    quantity: Decimal
    sold_by: SoldBy
    unit_price: int
    amount: int
    discount: int = 0


@dataclass(frozen=True, slots=True)
class ReceiptTender:
    """One payment: label in Spanish ("Efectivo", "Débito", "Crédito", "Transferencia") and its CLP amount."""

    label: str
    amount: int


@dataclass(frozen=True, slots=True)
class Receipt:
    """A sale receipt (comprobante or boleta), ready to render; every amount is int CLP.

    ``number`` prints as ``"N° <number>"`` (unless it already starts with ``"N°"``). ``discount`` is the
    sale-level discount on top of the lines' own discounts: ``total == sum(line.amount) - discount``.
    ``total`` is the sale total (IVA included) before the cash rounding of Ley 20.956; ``rounding`` is that
    adjustment (negative when rounded down, 0 when none), so the customer pays ``total + rounding``.
    ``timbre`` is a monochrome image printed centred under the totals (the SII PDF417), with
    ``timbre_legends`` under it. ``boxed`` prints the title and number inside the SII's recuadro, under
    ``R.U.T.: <store_rut>`` (tax documents), with ``S.I.I. - <sii_office>`` under it when set (SII Manual de
    Muestras Impresas; sii.md §8); ``receptor`` lines (the buyer of a factura: razón social, RUT, giro,
    dirección, comuna) print under the date.
    """

    store_name: str
    store_rut: str
    store_address: str
    store_giro: str
    title: str
    number: str
    issued_at: datetime
    cashier: str
    terminal: str
    lines: tuple[ReceiptLine, ...]
    discount: int
    total: int
    neto: int
    iva: int
    exento: int
    rounding: int
    tenders: tuple[ReceiptTender, ...]
    change: int
    footer: tuple[str, ...] = ()
    reprint: bool = False
    timbre: Image.Image | None = None
    timbre_legends: tuple[str, ...] = ()
    boxed: bool = False
    receptor: tuple[str, ...] = ()
    sii_office: str = ""
    refund: bool = False
    """A return's receipt (nota de crédito): the money goes back, so "Total a devolver" and no change line."""
    account: tuple[tuple[str, str], ...] = ()
    """Rows (label, value) printed after the payments: the sale's customer and their fiado balance after it."""


@dataclass(frozen=True, slots=True)
class TextReport:
    """A slip of label/value rows (shift Z report, cash count).

    A row whose label starts with ``"--"`` prints a separator; a row whose value is ``""`` prints the label as
    a bold section heading; any other row prints the label left and the value right.
    """

    title: str
    header: tuple[str, ...]
    rows: tuple[tuple[str, str], ...]
    footer: tuple[str, ...] = ()
