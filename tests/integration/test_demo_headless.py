"""The one-command proof: the headless demo store sells, prints and closes its shift, and the figures agree."""

from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

from desktop.demo import headless
from desktop.drivers.escpos_decode import decode
from desktop.journal import fiado_queries
from desktop.journal.sqlite_store import SqliteJournal
from shared import fiado, inventory, money
from shared.events import registry

ROOT = Path(__file__).resolve().parents[2]


def test_headless_demo_summary_matches_receipts_and_journal(tmp_path, fast_hasher):
    out = tmp_path / "demo"
    summary = headless.run(out, sales=40, hasher=fast_hasher)
    assert summary == {**json.loads((out / "summary.json").read_text("utf-8")), "seconds": summary["seconds"]}
    assert summary["sales"] == 40 and summary["journal_verified"]
    assert summary["products"] >= 2000
    assert sum(summary["totals_by_tender"].values()) == summary["total"] + summary["rounding"]
    assert summary["neto"] + summary["iva"] + summary["exento"] == summary["total"]
    assert {"cash", "debit"} <= set(summary["totals_by_tender"])
    cash = summary["shift"]["result"]["cash"]
    fiado_done = summary["fiado"]  # abonos in cash are in the drawer; what was sold on credit never is
    assert cash["expected"] == (summary["shift"]["opening_float"] + summary["totals_by_tender"]["cash"]
                                + summary["shift"]["cash_in"] - summary["shift"]["cash_out"] + fiado_done["paid_cash"])
    assert "fiado" not in summary["shift"]["result"]
    assert fiado_done["sales_on_credit"] == 10 and fiado_done["accounts"] == 3
    assert fiado_done["charged"] == fiado_done["sold_on_credit_in_shift"] == summary["totals_by_tender"]["fiado"]
    assert fiado_done["payments"] == 3 and fiado_done["reversed"] == 1
    assert fiado_done["payments_in_shift"] == fiado_done["paid"] - fiado_done["reversed_amount"] > 0
    receipts = sorted((out / "receipts").glob("*.bin"))
    decoded = [decode(p.read_bytes()) for p in receipts]
    sale_receipts = [d for d in decoded if any("COMPROBANTE DE VENTA" in x for x in d.lines)]
    assert len(sale_receipts) == 40
    printed_total = 0
    for d in sale_receipts:
        total_line = next(x for x in d.lines if x.startswith("TOTAL"))
        printed_total += money.parse_clp(total_line.split()[-1])
    assert printed_total == summary["total"]
    assert any("REPORTE Z" in x for x in decoded[-1].lines)

    # the manager's back office: its figures are the fold of the journal (shared.inventory), not the till's tables
    office = summary["back_office"]
    assert (office["purchases"], office["transfers"], office["counts_posted"], office["mermas"]) == (2, 2, 1, 1)
    assert office["purchase_lines"] == 14 and office["count_lines"] == 8 and office["merma_value"] > 0
    journal = SqliteJournal.open(out / "terminal" / "journal.sqlite3", codec=registry.build_codec(),
                                 clock=lambda: None, new_id=lambda: "")
    try:
        book = inventory.fold(journal.identity.store_id, ((e, journal.codec.decode(e.type, e.version, e.payload))
                                                          for e in journal.read()), "ppp")
    finally:
        journal.close()
    assert summary["stock_value_at_cost"] == sum(book.value(sku) for sku in book.totals) > 0
    per_warehouse: dict[str, Decimal] = {}
    for (warehouse, _sku), quantity in book.stock.items():
        per_warehouse[warehouse] = per_warehouse.get(warehouse, Decimal(0)) + quantity
    assert {w: Decimal(q) for w, q in summary["units_per_warehouse"].items()} == per_warehouse
    assert summary["kardex_rows"] == len(book.kardex)

    # the fiado: the till's balances are the fold of the journal's ledger entries
    journal = SqliteJournal.open(out / "terminal" / "journal.sqlite3", codec=registry.build_codec(),
                                 clock=lambda: None, new_id=lambda: "")
    try:
        made = [x for e in journal.read() for x in fiado.entries(e, journal.codec.decode(e.type, e.version, e.payload))]
        rows = fiado_queries.balances(journal.conn, only_with_balance=True)
    finally:
        journal.close()
    ledger = fiado.fold(made)
    assert {r.customer_id: r.balance for r in rows} == {c: a.balance for c, a in ledger.accounts.items() if a.balance}
    assert summary["customers_with_balance"] == len(rows) >= 1
    assert sum(x.amount for x in made if x.kind == "cargo") == fiado_done["charged"]


def test_demo_refuses_to_overwrite_an_existing_store(tmp_path, fast_hasher):
    out = tmp_path / "demo"
    headless.run(out, sales=1, hasher=fast_hasher)
    before = (out / "terminal" / "journal.sqlite3").read_bytes()
    result = subprocess.run([sys.executable, "-m", "desktop", "pos", "demo", "--headless", "--sales", "1",
                             "--out", str(out)], cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 1 and result.stderr.startswith("ERROR:") and "ya existe" in result.stderr
    assert (out / "terminal" / "journal.sqlite3").read_bytes() == before
