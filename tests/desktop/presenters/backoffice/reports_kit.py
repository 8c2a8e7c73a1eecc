"""A store's weeks for the Reportes tests: goods bought at a cost, sales every day at several hours by two cashiers
with four tenders, a kg product, a return, mermas and a customer's fiado, on a real till journal and its clock."""

from __future__ import annotations

import hashlib
from datetime import date, datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from shared.events import purchases
from shared.sale import Tender, TenderKind
from tests.desktop.services import fiado_kit

SUPPLIER = purchases.Supplier("76.086.428-5", "Distribuidora El Ñandú Ltda.", "Comercio al por mayor")
CHILE_OFFSET = timedelta(hours=-3)
HOURS = (9, 11, 13, 18, 19)
"""The hours of a day's sales (the store's clock)."""
TENDERS = (TenderKind.CASH, TenderKind.DEBIT, TenderKind.CASH, TenderKind.CREDIT, TenderKind.TRANSFER)


def buy(term: Any, sku: str, barcode: str, name: str, quantity: int, cost: int, folio: int) -> None:
    """``quantity`` of ``sku`` received at ``cost`` neto each (a factura), so its sales carry that cost."""
    value = cost * quantity
    iva = int((Decimal(value) * Decimal("0.19")).quantize(Decimal(1), ROUND_HALF_UP))
    term.journal.append(purchases.PurchaseReceived(
        purchase_id=term.journal.new_id(), supplier=SUPPLIER, tipo=purchases.FACTURA, folio=folio,
        fecha_emision=term.journal.clock().date().isoformat(), warehouse=term.journal.identity.store_id,
        lines=(purchases.PurchaseLine(1, "", barcode, name, Decimal(quantity), "UN", cost, value, value, False, sku,
                                      "ean"),),
        neto=value, exento=0, iva=iva, total=value + iva,
        digest=hashlib.sha256(f"{folio}".encode()).hexdigest(), moves_stock=True, registered_by="rosa"))


def pay(term: Any, kind: TenderKind = TenderKind.CASH) -> Any:
    total = term.checkout.sale.totals().total
    return term.checkout.complete((Tender(kind, total),)).event


def at(clock: Any, day: date, hour: int, minute: int = 0) -> None:
    """Move the till's clock to ``day`` at ``hour``:``minute`` in the store (Chile, UTC−3 in summer)."""
    clock.now = datetime(day.year, day.month, day.day, hour, minute, tzinfo=timezone(CHILE_OFFSET))


def history(term: Any, clock: Any, first: date, last: date, *, basket: tuple[str, ...],
            weighed: str = "", merma_sku: str = "") -> dict[str, int]:
    """Sales every day from ``first`` to ``last``: one a ``HOURS`` hour, more on Fridays and Saturdays and growing
    week by week; Ana in the morning, Pedro in the afternoon; the day's n-th sale scans ``basket``'s first
    ``1 + (n + day) % len(basket)`` codes; ``weighed`` (a SKU sold by kg) added at 0,5 kg at noon; a merma of
    ``merma_sku`` on Mondays. Returns the count of sales per ISO day."""
    at(clock, first, 8)
    ana, pedro = term.auth.sign_in("ana", "1234"), term.auth.sign_in("pedro", "2345")
    rosa = term.auth.sign_in("rosa", "0000")
    shift = term.shifts.open(ana, 20_000).shift_id
    counts: dict[str, int] = {}
    day = first
    while day <= last:
        extra = (1 if day.weekday() in (4, 5) else 0) + (day - first).days // 14
        hours = HOURS + tuple(19 for _ in range(extra))
        for n, hour in enumerate(hours):
            at(clock, day, hour, 5 * n % 60)
            term.checkout.start(ana if hour < 14 else pedro, shift)
            for code in basket[:1 + (n + day.day) % len(basket)]:
                term.checkout.scan(code)
            if weighed and hour == 13:
                term.checkout.add_product(term.catalog.resolve(weighed).product, Decimal("0.500"))
            pay(term, TENDERS[(n + day.day) % len(TENDERS)])
            counts[day.isoformat()] = counts.get(day.isoformat(), 0) + 1
        if merma_sku and day.weekday() == 0:
            at(clock, day, 20)
            term.mermas.record(rosa, merma_sku, "1", "vencimiento" if day.day % 2 else "dano", supervisor_pin="9999")
        day += timedelta(days=1)
    return counts


def fiado_sale(term: Any, clock: Any, day: date, code: str) -> None:
    """Juana Soto takes ``code`` on fiado on ``day`` at 17:00 (the till online)."""
    fiado_kit.customer(term)
    at(clock, day, 17)
    fiado_kit.online(term)
    term.checkout.scan(code)
    term.checkout.attach_customer(fiado_kit.JUANA)
    pay(term, TenderKind.FIADO)
