"""The business's «modelo de emisión» for card sales: a boleta for them, or the card voucher as the boleta; which
document each sale's pesos stand on (boleta, factura, voucher) for the Z report and the libro de ventas.

Sources and decisions: docs/card-sales.md.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Final

from shared import money
from shared.events import sales

CARD_TENDERS: Final = frozenset({"debit", "credit"})
"""Tenders paid with a card, whose acquirer issues the «comprobante de pago electrónico» (voucher). A transfer is
not one: the SII asks a boleta for it always (preguntas frecuentes 001.380.7869)."""
VOUCHER_TIPO: Final = 48
"""The Registro de Compras y Ventas' type of the «comprobante de pago electrónico» (the voucher), summarised per day
in the libro de ventas like the boletas."""
BOLETAS: Final = frozenset({39, 41})
FACTURAS: Final = frozenset({33, 34})


class CardModel(enum.Enum):
    """What the business declared to the SII (Servicios online › Boleta de ventas y servicios electrónica ›
    Declaración de modelo de emisión; SII preguntas frecuentes 001.380.7868)."""

    BOLETA = "boleta"
    """A boleta for every sale, card sales too (the vouchers do not count as boletas in the RCV)."""
    VOUCHER = "voucher"
    """The card voucher is the boleta of what was paid by card: no boleta for it (001.380.7859, 001.380.7860)."""

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS: Final = {CardModel.BOLETA: "Boleta electrónica también en ventas con tarjeta",
                  CardModel.VOUCHER: "El comprobante de la tarjeta (voucher) es la boleta"}
DEFAULT: Final = CardModel.BOLETA
"""Until the business says otherwise: a boleta for every sale, the safe choice (never a sale without a document)."""


def parse(value: object) -> CardModel:
    """``"boleta"`` / ``"voucher"`` → the model.

    Raises:
        ValueError: anything else (the message, in Spanish, names the two choices).
    """
    try:
        return CardModel(str(value).strip().lower())
    except ValueError:
        raise ValueError(f"modelo de emisión desconocido: {value!r} (use «boleta» o «voucher»)") from None


def card_amount(tenders: Iterable[sales.TenderTaken]) -> money.Pesos:
    """The pesos of ``tenders`` paid by card (débito, crédito)."""
    return sum(t.amount for t in tenders if t.kind in CARD_TENDERS)


def needs_boleta(model: CardModel, tenders: Iterable[sales.TenderTaken]) -> bool:
    """Whether a sale paid with ``tenders`` (and no factura) takes a boleta: always under the boleta model; under the
    voucher model unless the whole sale was paid by card (a sale with any cash, transfer or fiado part gets its
    boleta: «si recibe pagos en efectivo u otros pagos NO electrónicos, siempre debe emitir una boleta
    electrónica», SII 001.380.7859). What the boleta of a mixed sale covers: docs/card-sales.md."""
    if model is CardModel.BOLETA:
        return True
    return any(t.kind not in CARD_TENDERS for t in tenders)


@dataclass(frozen=True, slots=True)
class Split:
    """Which document a sale's pesos stand on: ``boleta`` (39/41), ``factura`` (33/34), ``voucher`` (the card part
    of a sale without a document: the acquirer's comprobante is its boleta) and ``none`` (the rest of a sale
    without a document: it was sold while no boleta folio was left)."""

    boleta: money.Pesos = 0
    factura: money.Pesos = 0
    voucher: money.Pesos = 0
    none: money.Pesos = 0


def split(sale: sales.SaleCompleted) -> Split:
    """Where ``sale``'s total stands (its document's type; the card tenders when it has none)."""
    document = sale.document
    if document is not None and document.tipo in FACTURAS:
        return Split(factura=sale.total)
    if document is not None:
        return Split(boleta=sale.total)
    voucher = min(card_amount(sale.tenders), sale.total)
    return Split(voucher=voucher, none=sale.total - voucher)


@dataclass(frozen=True, slots=True)
class VoucherFigures:
    """The libro de ventas' figures of a voucher amount: IVA-included ``total`` split into ``exento``, ``neto`` and
    ``iva``."""

    exento: money.Pesos
    neto: money.Pesos
    iva: money.Pesos
    total: money.Pesos


def voucher_figures(voucher: money.Pesos, total: money.Pesos, exento: money.Pesos) -> VoucherFigures:
    """The figures of ``voucher`` pesos of a sale of ``total`` with ``exento`` exempt pesos: all of the sale's when
    the voucher covers it, else the exempt part in proportion (half up) and the IVA split of the rest
    (``money.split_iva``). ``syncserver.store.books`` computes the same in SQL."""
    if voucher <= 0 or total <= 0:
        return VoucherFigures(0, 0, 0, 0)
    part = exento if voucher >= total else money.round_half_up(Decimal(exento) * voucher / total)
    taxed = money.split_iva(min(voucher, total) - part)
    return VoucherFigures(part, taxed.neto, taxed.iva, min(voucher, total))
