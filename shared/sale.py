"""The sale aggregate: lines by quantity or weight, discounts, totals with IVA, tenders and change.

A ``Sale`` is immutable; every intent returns a new ``Sale``. Completing a sale produces the
``SaleCompleted`` event (``shared.events.sales``) that the terminal journals before printing.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, replace
from decimal import ROUND_CEILING, Decimal

from shared import catalog, errors, money


class TenderKind(enum.Enum):
    """Means of payment accepted at the till."""

    CASH = "cash"
    DEBIT = "debit"
    CREDIT = "credit"
    TRANSFER = "transfer"
    FIADO = "fiado"
    """Put on the sale's customer's account (store credit, docs/fiado.md): exact, never gives change, never in the
    drawer nor counted at the close."""

    @property
    def label(self) -> str:
        return _TENDER_LABELS[self]

    @property
    def counted(self) -> bool:
        """Whether the close counts this tender (drawer or vouchers): every kind but fiado."""
        return self is not TenderKind.FIADO


_TENDER_LABELS = {
    TenderKind.CASH: "Efectivo",
    TenderKind.DEBIT: "Débito",
    TenderKind.CREDIT: "Crédito",
    TenderKind.TRANSFER: "Transferencia",
    TenderKind.FIADO: "Fiado",
}

COUNTED_TENDERS: tuple[TenderKind, ...] = tuple(k for k in TenderKind if k.counted)
"""The tenders a shift expects and counts at its close, in display order (fiado is the customer's debt, not money
of the shift)."""


@dataclass(frozen=True, slots=True)
class SaleLine:
    """One line of the cart. ``quantity`` is kg (3 places) for weighed goods, whole units otherwise."""

    line_id: int
    sku: str
    name: str
    unit_price: money.Pesos
    quantity: Decimal
    sold_by: catalog.SoldBy
    iva_exempt: bool = False
    discount: money.Pesos = 0
    code: str = ""

    @property
    def gross(self) -> money.Pesos:
        """Quantity times unit price, rounded to pesos (SII MontoItem)."""
        return money.line_amount(self.unit_price, self.quantity)

    @property
    def amount(self) -> money.Pesos:
        """What the line costs after its own discount."""
        return self.gross - self.discount


@dataclass(frozen=True, slots=True)
class Tender:
    """A payment: for cash, ``amount`` is what the customer handed over (change comes back)."""

    kind: TenderKind
    amount: money.Pesos


@dataclass(frozen=True, slots=True)
class Totals:
    """The sums of a sale in CLP. ``total == affected + exento``; ``neto + iva == affected``."""

    subtotal: money.Pesos
    line_discounts: money.Pesos
    discount: money.Pesos
    total: money.Pesos
    affected: money.Pesos
    exento: money.Pesos
    neto: money.Pesos
    iva: money.Pesos
    items: int


@dataclass(frozen=True, slots=True)
class Settlement:
    """How a set of tenders pays a total (Ley 20.956 rounding on the cash part only).

    ``rounding`` is ``cash_due`` minus the unrounded cash part (negative when the customer pays less);
    ``paid`` is what the store keeps: ``total + rounding``.
    """

    total: money.Pesos
    tenders: tuple[Tender, ...]
    noncash: money.Pesos
    cash_due: money.Pesos
    cash_tendered: money.Pesos
    rounding: money.Pesos
    change: money.Pesos

    @property
    def paid(self) -> money.Pesos:
        return self.total + self.rounding

    def received(self, kind: TenderKind) -> money.Pesos:
        """Money kept per tender kind: cash net of change."""
        if kind is TenderKind.CASH:
            return self.cash_due
        return sum(t.amount for t in self.tenders if t.kind is kind)


def settle(total: money.Pesos, tenders: tuple[Tender, ...]) -> Settlement:
    """Check that ``tenders`` pay ``total`` and compute rounding and change.

    Non-cash tenders (debit, credit, transfer, fiado) are exact and may not exceed what is due, alone or mixed.
    When any cash tender is present, the remaining amount is rounded to $10 (``money.round_cash``, Ley 20.956) and
    cash must cover it.

    Raises:
        InvalidAmount: a negative tender.
        TenderExceedsDue: non-cash tenders above the total, or cash when nothing is left to pay.
        PaymentShort: the tenders do not cover the total (``due`` and ``tendered`` in CLP).
    """
    for tender in tenders:
        if tender.amount < 0:
            raise errors.InvalidAmount(tender.amount, "un pago no puede ser negativo")
    noncash = sum(t.amount for t in tenders if t.kind is not TenderKind.CASH)
    cash = sum(t.amount for t in tenders if t.kind is TenderKind.CASH)
    has_cash = any(t.kind is TenderKind.CASH for t in tenders)
    if noncash > total:
        fiado = any(t.kind is TenderKind.FIADO for t in tenders)
        raise errors.TenderExceedsDue("tarjeta/transferencia/fiado" if fiado else "tarjeta/transferencia", noncash,
                                      total)
    remaining = total - noncash
    if not has_cash:
        if remaining > 0:
            raise errors.PaymentShort(due=total, tendered=noncash)
        return Settlement(total, tenders, noncash, 0, 0, 0, 0)
    cash_due = money.round_cash(remaining)
    if remaining == 0 and cash > 0:
        raise errors.TenderExceedsDue("efectivo", cash, 0)
    if cash < cash_due:
        raise errors.PaymentShort(due=noncash + cash_due, tendered=noncash + cash)
    return Settlement(total, tenders, noncash, cash_due, cash, cash_due - remaining, cash - cash_due)


@dataclass(frozen=True, slots=True)
class Sale:
    """An in-progress sale (the cart). Immutable: each method returns a new ``Sale``."""

    sale_id: str
    lines: tuple[SaleLine, ...] = ()
    discount: money.Pesos = 0
    next_line_id: int = 1

    def line(self, line_id: int) -> SaleLine:
        """Raises: LineNotFound."""
        for line in self.lines:
            if line.line_id == line_id:
                return line
        raise errors.LineNotFound(str(line_id))

    def add(self, product: catalog.Product, quantity: Decimal, *, code: str = "",
            price: money.Pesos | None = None) -> Sale:
        """Add ``quantity`` of ``product``; scanning the same unit product again adds to the last line.

        ``price`` overrides the catalog price (a price-embedded label carries the line total instead: see
        :meth:`add_priced`).

        Raises:
            InvalidQuantity: a quantity the product cannot take.
        """
        quantity = product.parse_quantity(quantity)
        unit_price = product.price if price is None else price
        last = self.lines[-1] if self.lines else None
        if (last is not None and not product.weighed and last.sku == product.sku and last.discount == 0
                and last.unit_price == unit_price):
            merged = product.parse_quantity(last.quantity + quantity)
            return replace(self, lines=(*self.lines[:-1], replace(last, quantity=merged)))
        line = SaleLine(self.next_line_id, product.sku, product.name, unit_price, quantity, product.sold_by,
                        product.iva_exempt, 0, code)
        return replace(self, lines=(*self.lines, line), next_line_id=self.next_line_id + 1)

    def add_priced(self, product: catalog.Product, amount: money.Pesos, *, code: str = "") -> Sale:
        """Add a line whose total comes printed on a price-embedded label (weight derived from the kg price).

        The derived weight is rounded up to the gram, so the line's gross is never below the label and the
        difference is carried as a (non-negative) line discount: the line's amount is exactly ``amount``.

        Raises:
            InvalidAmount: a zero amount or a product without a price.
            InvalidQuantity: the derived weight is out of range.
        """
        if amount <= 0 or product.price <= 0:
            raise errors.InvalidAmount(amount, "etiqueta sin precio")
        if product.weighed:
            weight = (Decimal(amount) / Decimal(product.price)).quantize(money.KG_STEP, ROUND_CEILING)
            weight = money.parse_kg(weight)
            line = SaleLine(self.next_line_id, product.sku, product.name, product.price, weight, product.sold_by,
                            product.iva_exempt, money.line_amount(product.price, weight) - amount, code)
        else:
            line = SaleLine(self.next_line_id, product.sku, product.name, amount, Decimal(1), product.sold_by,
                            product.iva_exempt, 0, code)
        return replace(self, lines=(*self.lines, line), next_line_id=self.next_line_id + 1)

    def set_quantity(self, line_id: int, quantity: Decimal | str) -> Sale:
        """Raises: LineNotFound, InvalidQuantity."""
        line = self.line(line_id)
        weighed = line.sold_by is catalog.SoldBy.KG
        new_qty = money.parse_kg(quantity) if weighed else money.parse_units(quantity)
        updated = replace(line, quantity=new_qty)
        if updated.discount > updated.gross:
            updated = replace(updated, discount=updated.gross)
        return self._replace_line(updated)

    def void(self, line_id: int) -> Sale:
        """Remove a line (the caller records who authorised it). Raises: LineNotFound."""
        self.line(line_id)
        return self._with_lines(tuple(x for x in self.lines if x.line_id != line_id))

    def discount_line(self, line_id: int, amount: money.Pesos) -> Sale:
        """Set a discount in CLP on one line. Raises: LineNotFound, InvalidAmount (negative or above the line)."""
        line = self.line(line_id)
        if amount < 0 or amount > line.gross:
            raise errors.InvalidAmount(amount, "el descuento debe estar entre $0 y el valor de la línea")
        return self._replace_line(replace(line, discount=amount))

    def discount_sale(self, amount: money.Pesos) -> Sale:
        """Set a discount in CLP on the whole sale. Raises: InvalidAmount (negative or above the subtotal)."""
        subtotal = sum(x.amount for x in self.lines)
        if amount < 0 or amount > subtotal:
            raise errors.InvalidAmount(amount, "el descuento debe estar entre $0 y el total")
        return replace(self, discount=amount)

    def _replace_line(self, updated: SaleLine) -> Sale:
        return self._with_lines(tuple(updated if x.line_id == updated.line_id else x for x in self.lines))

    def _with_lines(self, lines: tuple[SaleLine, ...]) -> Sale:
        """The sale with ``lines``; a sale discount above the new subtotal is lowered to it (never a negative
        total after a void, a smaller quantity or a line discount)."""
        subtotal = sum(x.amount for x in lines)
        return replace(self, lines=lines, discount=min(self.discount, subtotal))

    def totals(self) -> Totals:
        """Sums of the sale; the sale discount is shared among lines in proportion to their amounts."""
        amounts = [x.amount for x in self.lines]
        subtotal = sum(amounts)
        shares = allocate(self.discount, amounts)
        affected = sum(a - s for a, s, x in zip(amounts, shares, self.lines, strict=True) if not x.iva_exempt)
        exento = sum(a - s for a, s, x in zip(amounts, shares, self.lines, strict=True) if x.iva_exempt)
        split = money.split_iva(affected, exento)
        items = sum(1 if x.sold_by is catalog.SoldBy.KG else int(x.quantity) for x in self.lines)
        return Totals(subtotal=subtotal, line_discounts=sum(x.discount for x in self.lines),
                      discount=self.discount, total=subtotal - self.discount, affected=affected, exento=exento,
                      neto=split.neto, iva=split.iva, items=items)

    def settle(self, tenders: tuple[Tender, ...]) -> Settlement:
        """Raises: EmptySale, and as :func:`settle`."""
        if not self.lines:
            raise errors.EmptySale()
        return settle(self.totals().total, tenders)


def allocate(amount: money.Pesos, weights: list[money.Pesos]) -> list[money.Pesos]:
    """Split ``amount`` in proportion to ``weights`` (largest remainder, so the parts add up exactly)."""
    total = sum(weights)
    if amount == 0 or total == 0:
        return [0] * len(weights)
    raw = [amount * w for w in weights]
    parts = [r // total for r in raw]
    leftover = amount - sum(parts)
    order = sorted(range(len(weights)), key=lambda i: (-(raw[i] % total), i))
    for i in order[:leftover]:
        parts[i] += 1
    return parts
