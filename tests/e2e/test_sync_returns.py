"""Returns made at a till (a full and a partial one, unit and kg lines, with their notas de crédito) reach the master
through a real sync: its stock per warehouse is still the till's, the returns and their refunds are recorded, a
rebuild gives the same rows, and HQ's day of sales shows the devoluciones and the net sales."""

from __future__ import annotations

import random
import re
from collections import defaultdict
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from desktop.journal import read_models
from shared.events import registry
from shared.sale import Tender, TenderKind
from syncserver.hq.web import fmt_clp as _clp
from syncserver.ingest import rebuild
from tests.e2e import sync_kit

ROWS = sync_kit.catalog_rows(15)  # P007 and P014 are sold by weight
CHILE = ZoneInfo("America/Santiago")
FOLDED_SQL = ("SELECT (SELECT json_agg(s ORDER BY sale_id) FROM sales s),"
              " (SELECT json_agg(l ORDER BY sale_id, line_id) FROM sale_lines l),"
              " (SELECT json_agg(t ORDER BY sale_id, kind) FROM sale_tenders t),"
              " (SELECT json_agg(k ORDER BY warehouse_id, sku) FROM stock k),"
              " (SELECT json_agg(h ORDER BY shift_id) FROM shifts h),"
              " (SELECT json_agg(r ORDER BY return_id) FROM returns r),"
              " (SELECT json_agg(x ORDER BY return_id, line_id) FROM return_lines x),"
              " (SELECT json_agg(f ORDER BY return_id, kind) FROM return_refunds f)")


def _sale(term: Any, items: list[tuple[str, str]], kind: TenderKind) -> Any:
    for plu, quantity in items:
        term.checkout.add_product(read_models.by_plu(term.journal.conn, plu), Decimal(quantity))
    total = term.checkout.sale.totals().total
    event = term.checkout.complete((Tender(kind, total + 10 if kind is TenderKind.CASH else total),)).event
    assert event.document is not None and event.document.tipo == 39
    return event


def _chile_day(occurred_at: str) -> date:
    return datetime.fromisoformat(occurred_at).astimezone(CHILE).date()


def _master_stock(server: Any, tenant: int) -> dict[tuple[str, str], Decimal]:
    rows = sync_kit.master(server, "SELECT warehouse_id, sku, quantity FROM stock", tenant)
    return {(w, s): q for w, s, q in rows if q != 0}


def _hq_sales(server: Any, day: date) -> str:
    with sync_kit.hq_owner(server) as hq:
        page = hq.get(f"/hq/ventas?fecha={day.isoformat()}")
    assert page.status_code == 200, page.text
    return " ".join(re.sub(r"<[^>]+>", " ", page.text).split())


def test_returns_reach_the_master_stock_returns_rebuild_and_hq(server, make_till):
    sync_kit.setup_tenants(server)
    till = make_till(1, "centro", ROWS)
    other = make_till(1, "norte", ROWS)
    sync_kit.lease_sample_folios(server, 1)
    for t in (till, other):
        assert t.sync.sync_once(t.terminal.journal.clock()).online
    term = till.terminal
    assert term.checkout.folios.folios_left(39) == 10 and term.checkout.folios.folios_left(61) == 10
    ana = term.auth.sign_in("ana", "1234")
    term.checkout.start(ana, term.shifts.open(ana, 10_000).shift_id)
    whole = _sale(term, [("4001", "2"), ("4007", "1.250"), ("4004", "1")], TenderKind.CASH)
    partly = _sale(term, [("4002", "3"), ("4014", "0.815"), ("4005", "2")], TenderKind.DEBIT)
    kept = _sale(term, [("4003", "1"), ("4014", "0.420")], TenderKind.CREDIT)
    sync_kit.sell(term, 4, random.Random(5), len(ROWS))
    sync_kit.sell(other.terminal, 6, random.Random(6), len(ROWS))
    conn = term.journal.conn
    p014, p007 = read_models.stock_on_hand(conn, "P014"), read_models.stock_on_hand(conn, "P007")
    full = sync_kit.give_back(term, whole.sale_id, None, "cliente arrepentido")
    partial = sync_kit.give_back(term, partly.sale_id, {1: Decimal(1), 2: Decimal("0.315")}, "producto vencido")
    assert full.full and not partial.full and kept.total > 0
    for t in (till, other):
        status = t.sync.sync_once(t.terminal.journal.clock())
        assert status.online and status.pending == 0, status
    assert sync_kit.master(server, "SELECT count(*) FROM quarantine", 1) == [(0,)]

    # the master's stock per warehouse is each till's, for every SKU (the kg lines by their exact quantity)
    expected = {(t.terminal.journal.identity.store_id, r["sku"]): read_models.stock_on_hand(t.terminal.journal.conn,
                                                                                           r["sku"])
                for t in (till, other) for r in ROWS}
    assert expected[("centro", "P014")] == p014 + Decimal("0.315")
    assert expected[("centro", "P007")] == p007 + Decimal("1.250")
    assert _master_stock(server, 1) == {k: v for k, v in expected.items() if v != 0}

    # the refunds leave the shift's tenders on the master as they do at the till
    shift = term.shifts.current()
    master_received = sync_kit.master(server, "SELECT received FROM shifts WHERE shift_id = %s", 1,
                                      (shift.shift_id,))[0][0]
    assert {k: v for k, v in master_received.items() if v} == {k: v for k, v in shift.received.items() if v}
    assert shift.returns_count == 2

    # the returns are recorded with their lines, refunds and notas de crédito
    returns = sync_kit.master(server, "SELECT return_id, sale_id, store_id, total, full_return, original_tipo,"
                                      " original_folio, tipo, folio FROM returns ORDER BY seq", 1)
    assert returns == [
        (e.return_id, e.sale_id, "centro", e.total, e.full, 39, e.original_folio, 61, e.document.folio)
        for e in (full, partial)]
    lines = sync_kit.master(server, "SELECT return_id, sku, quantity, amount FROM return_lines"
                                    " ORDER BY return_id, line_id", 1)
    assert sorted(lines) == sorted((e.return_id, x.sku, x.quantity, x.amount) for e in (full, partial)
                                   for x in e.lines)
    refunds = sync_kit.master(server, "SELECT return_id, kind, amount FROM return_refunds", 1)
    assert sorted(refunds) == sorted((e.return_id, t.kind, t.amount) for e in (full, partial) for t in e.refunds)
    assert refunds and {k for _r, k, _a in refunds} == {"cash", "debit"}

    # the read models are folds of the stored events: a rebuild gives the very same rows
    before = sync_kit.master(server, FOLDED_SQL, 1)
    assert all(part is not None for part in before[0])
    assert server.run(lambda pool: rebuild.rebuild(pool, registry.build_codec(), 1)) > 0
    assert sync_kit.master(server, FOLDED_SQL, 1) == before
    assert _master_stock(server, 1) == {k: v for k, v in expected.items() if v != 0}

    # HQ's day of sales shows the devoluciones and nets them out of the sales
    day = _chile_day(next(e for e in term.journal.read() if e.type == "sale.returned").occurred_at)
    sold: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    given_back: dict[str, int] = defaultdict(int)
    for t in (till, other):
        store = t.terminal.journal.identity.store_id
        for e in t.terminal.journal.read():
            if _chile_day(e.occurred_at) != day:
                continue
            if e.type == "sale.completed":
                sold[store][0] += 1
                sold[store][1] += e.payload["total"]
            elif e.type == "sale.returned":
                given_back[store] += e.payload["total"]
    assert given_back["centro"] == full.total + partial.total
    page = _hq_sales(server, day)
    assert "Devoluciones" in page and "Venta neta" in page
    count, total = sold["centro"]
    assert f"Centro {count} {_clp(total)} {_clp(given_back['centro'])} {_clp(total - given_back['centro'])}" in page
    count, total = sold["norte"]
    assert f"Norte {count} {_clp(total)} $0 {_clp(total)}" in page


def test_a_return_the_master_cannot_hold_is_quarantined_by_field_and_the_rest_applies(server, make_till):
    """A return's amounts, quantities and time reach the master's columns and HQ's date casts: values they cannot
    hold are quarantined with a reason naming the field (``syncserver.ingest.limits``), never folded."""
    sync_kit.setup_tenants(server)
    till = make_till(1, "centro", ROWS)
    sync_kit.lease_sample_folios(server, 1)
    term = till.terminal
    till.sync.sync_once(term.journal.clock())  # pushes the seeding, pulls the leases
    assert till.sync.sync_once(term.journal.clock()).pending == 0
    acked = term.journal.head
    ana = term.auth.sign_in("ana", "1234")
    term.checkout.start(ana, term.shifts.open(ana, 10_000).shift_id)
    sold = [_sale(term, [("4001", "2"), ("4007", "0.500")], TenderKind.DEBIT) for _ in range(4)]
    for sale in sold:
        sync_kit.give_back(term, sale.sale_id, None, "cliente arrepentido")
    entries = list(term.journal.read(acked[0] + 1))
    bodies = [e.body() for e in entries]
    at = [i for i, b in enumerate(bodies) if b["type"] == "sale.returned"]
    poison: dict[int, str] = {}

    def spoil(n: int, why: str, payload: dict[str, Any] | None = None, **fields: Any) -> None:
        i = at[n]
        bodies[i] = {**bodies[i], **fields, "payload": {**bodies[i]["payload"], **(payload or {})}}
        poison[bodies[i]["seq"]] = why

    lines = bodies[at[0]]["payload"]["lines"]
    spoil(0, "el campo lines[1].quantity (0.0005) tiene más de 3 decimales",
          {"lines": [lines[0], {**lines[1], "quantity": "0.0005"}]})
    spoil(1, "el campo total (10000000000000000)", {"total": 10**16})
    spoil(2, "el campo occurred_at ('2026-13-01T10:00:00-03:00')", occurred_at="2026-13-01T10:00:00-03:00")
    chain = sync_kit.chain(bodies, acked[1])

    response = sync_kit.push(server, till, chain)
    assert response.status_code == 200, response.text
    assert response.json()["quarantined"] == len(poison) and response.json()["acked_seq"] == chain[-1].seq
    reasons = dict(sync_kit.master(server, "SELECT seq, reason FROM quarantine", 1))
    assert set(reasons) == set(poison)
    for seq, why in poison.items():
        assert why in reasons[seq], reasons[seq]
    # the sales and the one good return are folded; the stock is the sales' less what that return brought back
    good = chain[at[3]].payload
    assert sync_kit.master(server, "SELECT return_id FROM returns", 1) == [(good["return_id"],)]
    assert len(sync_kit.master(server, "SELECT sale_id FROM sales", 1)) == len(sold)
    stock = _master_stock(server, 1)
    assert stock[("centro", "P001")] == 50 - 2 * len(sold) + 2
    assert stock[("centro", "P007")] == 50 - Decimal("0.500") * len(sold) + Decimal("0.500")
    day = _chile_day(chain[at[3]].occurred_at)
    assert "Devoluciones (1)" in _hq_sales(server, day)  # HQ reads the good return's day; the bad time never got in
