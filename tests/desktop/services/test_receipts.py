"""desktop.services.receipts: the Z report's fiado block (sales on credit and payments, never in the count)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from desktop.services.receipts import StoreHeader, z_report_text
from shared import shift as shift_mod
from shared.events import fiado, sales, shifts

HEADER = StoreHeader("Almacén Doña Rosa", "76086428-5", "Almacén", "Av. Matta 123", "Caja 1")
SHIFT = "SH-1"


def _closed(*events: object) -> shift_mod.Shift:
    shift = shift_mod.Shift.open(shifts.ShiftOpened(SHIFT, 3, "u-ana", 10_000))
    for event in events:
        shift = shift.apply(event)
    return shift.apply(shift.close({}, "u-ana"))


def _rows(shift: shift_mod.Shift) -> dict[str, str]:
    report = z_report_text(shift_mod.z_report(shift), HEADER, lambda user: user, datetime(2026, 12, 7, tzinfo=UTC))
    return dict(report.rows)


def test_the_z_lists_sales_on_credit_and_payments_apart_from_the_count() -> None:
    line = sales.LineSold(1, "P-1", "Pan", 5000, Decimal(1), "unit", False, 0, 5000)
    sale = sales.SaleCompleted("V-1", 1, SHIFT, "u-ana", (line,), 0, 5000, 5000, 0, 4202, 798,
                               (sales.TenderTaken("fiado", 5000, 5000),), 0, 0, customer_id="C-1",
                               fiado=fiado.FiadoCharge(5000, 0, 20_000))
    payment = fiado.FiadoPaid("P-1", "C-1", SHIFT, "u-ana", "cash", 2000, 2000, 5000)
    rows = _rows(_closed(sale, payment))
    assert (rows["Ventas al fiado"], rows["Abonos de fiado"], rows["N° de abonos de fiado"]) == ("$5.000", "$2.000",
                                                                                               "1")
    assert rows["Efectivo esperado"] == "$12.000"  # the float and the payment; nothing of the sale on credit
    assert "Fiado esperado" not in rows


def test_a_shift_without_fiado_prints_no_fiado_block() -> None:
    assert "Ventas al fiado" not in _rows(_closed())
