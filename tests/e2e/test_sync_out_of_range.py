"""Events that decode but carry values the master's columns cannot hold, against a real server and PostgreSQL.

Each such event is stored and quarantined with a reason that names the field, visible in HQ; the rest of its
batch applies and the cursor advances (``syncserver.ingest.limits``). A value PostgreSQL still refuses makes the
batch a clear 422 ``unstorable`` that applies nothing, and the till shows it (``syncserver.ingest.push``).
"""

from __future__ import annotations

import random
from collections import defaultdict
from decimal import Decimal
from typing import Any

import psycopg
import pytest

from shared.events import catalog, envelope
from shared.sale import TenderKind
from tests.e2e import sync_kit

ROWS = sync_kit.catalog_rows(5)


def _counts(server: Any) -> tuple[Any, ...]:
    return sync_kit.admin(server, "SELECT (SELECT count(*) FROM events), (SELECT count(*) FROM sales),"
                                  " (SELECT count(*) FROM quarantine),"
                                  " (SELECT coalesce(sum(acked_seq), 0) FROM sync_tracking),"
                                  " (SELECT coalesce(sum(quantity), 0) FROM stock), (SELECT count(*) FROM shifts)")[0]


def _expected_stock(entries: list[envelope.Envelope], store: str) -> dict[str, Decimal]:
    stock: dict[str, Decimal] = defaultdict(Decimal)
    for e in entries:
        if e.type == "stock.adjusted":
            stock[e.payload["sku"]] += Decimal(e.payload["delta"])
        elif e.type == "sale.completed":
            for line in e.payload["lines"]:
                stock[line["sku"]] -= Decimal(line["quantity"])
    return {f"{store}/{sku}": q for sku, q in stock.items() if q != 0}


def _hq_pages(server: Any, terminal_id: str) -> tuple[str, str]:
    """The terminals page and the terminal's quarantine page, as the tenant's owner sees them."""
    with sync_kit.hq_owner(server) as hq:
        terminals = hq.get("/hq/")
        quarantine = hq.get(f"/hq/terminales/{terminal_id}/cuarentena")
    assert terminals.status_code == 200 and quarantine.status_code == 200
    return terminals.text, quarantine.text


@pytest.fixture
def till(server: Any, make_till: Any) -> Any:
    sync_kit.setup_tenants(server)
    t = make_till(1, "centro", ROWS)
    sync_kit.sell(t.terminal, 14, random.Random(21), 5, max_lines=2, tenders=(TenderKind.DEBIT,))
    return t


def test_out_of_range_values_are_quarantined_by_field_and_the_rest_of_the_batch_applies(server, till):
    entries = list(till.terminal.journal.read())
    bodies = [e.body() for e in entries]
    sale_at = [i for i, b in enumerate(bodies) if b["type"] == "sale.completed"]
    assert len(sale_at) == 14
    poison: dict[int, str] = {}  # seq -> what the quarantine reason must name

    def spoil(n: int, why: str, payload: dict[str, Any] | None = None, **envelope_fields: Any) -> None:
        i = sale_at[n]
        bodies[i] = {**bodies[i], **envelope_fields, "payload": {**bodies[i]["payload"], **(payload or {})}}
        poison[bodies[i]["seq"]] = why

    def line(n: int, **change: Any) -> dict[str, Any]:
        lines = bodies[sale_at[n]]["payload"]["lines"]
        return {"lines": [{**lines[0], **change}, *lines[1:]]}

    def tender(n: int, **change: Any) -> dict[str, Any]:
        tenders = bodies[sale_at[n]]["payload"]["tenders"]
        return {"tenders": [{**tenders[0], **change}, *tenders[1:]]}

    spoil(1, "el campo number (9223372036854775808)", {"number": 2**63})  # just past bigint
    spoil(2, "el campo number (1000000000000000000000000000000)", {"number": 10**30})  # past 64 bits: JSON reread
    spoil(3, "el campo tenders[0].amount", tender(3, amount=10**16))
    spoil(4, "el campo lines[0].amount", line(4, amount=-(2**70)))
    spoil(5, "el campo lines[0].quantity (1E+12) está fuera del rango", line(5, quantity="1E+12"))
    spoil(6, "el campo lines[0].quantity (0.0005) tiene más de 3 decimales", line(6, quantity="0.0005"))
    spoil(7, "el campo lines[0].quantity (NaN) no es un número finito", line(7, quantity="NaN"))
    spoil(8, "tiene más de 3 decimales", line(8, quantity="1E-20000"))  # psycopg refuses it client-side
    spoil(9, "el campo occurred_at ('2026-02-30T10:00:00-03:00')", occurred_at="2026-02-30T10:00:00-03:00")
    spoil(10, "el campo document.tipo (2147483648)",
          {"document": {"tipo": 2**31, "folio": 1, "ted": "<TED/>", "stamped_at": "2026-11-20T10:00:00"}})
    spoil(11, "se esperaba int, llegó bool", {"number": True})
    chain = sync_kit.chain(bodies)
    good = [e for e in chain if e.seq not in poison]

    response = sync_kit.push(server, till, chain)
    assert response.status_code == 200, response.text
    ack = response.json()
    assert ack == {"epoch": 1, "acked_seq": len(chain), "acked_hash": chain[-1].hash,
                   "applied": len(chain) - len(poison), "quarantined": len(poison)}
    quarantined = sync_kit.admin(server, "SELECT seq, type, reason, payload FROM quarantine ORDER BY seq")
    assert [r[0] for r in quarantined] == sorted(poison)
    for seq, type_, reason, payload in quarantined:
        assert type_ == "sale.completed" and poison[seq] in reason, (seq, reason)
        assert payload == chain[seq - 1].payload  # stored exactly as the till sent it, big numbers too
    # every event stored, the cursor past the poison, and only the good sales folded: rows, stock, shift totals
    assert sync_kit.admin(server, "SELECT count(*), max(seq) FROM events") == [(len(chain), len(chain))]
    assert sync_kit.admin(server, "SELECT acked_seq FROM sync_tracking") == [(len(chain),)]
    good_sales = {e.payload["sale_id"] for e in good if e.type == "sale.completed"}
    assert len(good_sales) == 3
    assert {r[0] for r in sync_kit.admin(server, "SELECT sale_id FROM sales")} == good_sales
    assert sync_kit.admin(server, "SELECT count(DISTINCT sale_id) FROM sale_lines") == [(3,)]
    stock = {f"{w}/{s}": q for w, s, q in sync_kit.admin(server, "SELECT warehouse_id, sku, quantity FROM stock") if q}
    assert stock == _expected_stock(good, "centro")
    assert sync_kit.admin(server, "SELECT sum(sales_count) FROM shifts") == [(3,)]

    # HQ shows the count on the terminals page, and each reason on the terminal's quarantine page
    terminals, quarantine = _hq_pages(server, till.client.terminal_id)
    assert f"/terminales/{till.client.terminal_id}/cuarentena\">{len(poison)} ver" in terminals
    for field in ("number", "tenders[0].amount", "lines[0].quantity", "occurred_at", "document.tipo"):
        assert f"el campo {field}" in quarantine

    # a re-send (big numbers included) is a no-op with the same ack; the next batch continues
    before = _counts(server)
    again = sync_kit.push(server, till, chain[4:])
    assert again.status_code == 200 and again.json() == {**ack, "applied": 0, "quarantined": 0}, again.text
    assert _counts(server) == before
    sync_kit.sell(till.terminal, 1, random.Random(3), 5, tenders=(TenderKind.DEBIT,))
    nxt = next(till.terminal.journal.read(len(chain) + 1, limit=1))
    after = sync_kit.push(server, till, [envelope.seal(**{**nxt.body(), "prev_hash": chain[-1].hash})])
    assert after.json()["applied"] == 1


def test_values_of_other_folded_events_are_checked_too(server, till):
    """Stock adjustments, product prices, shifts and cash movements feed numeric, bigint and integer columns."""
    entries = list(till.terminal.journal.read())
    kinds = {e.type for e in entries}
    assert {"stock.adjusted", "catalog.product_upserted", "shift.opened"} <= kinds, kinds
    bodies = [e.body() for e in entries]
    poison: dict[int, str] = {}

    def spoil(type_: str, why: str, **payload: Any) -> None:
        i = next(i for i, b in enumerate(bodies) if b["type"] == type_ and b["seq"] not in poison)
        bodies[i] = {**bodies[i], "payload": {**bodies[i]["payload"], **payload}}
        poison[bodies[i]["seq"]] = why

    spoil("stock.adjusted", "el campo delta (1E+15) está fuera del rango", delta="1E+15")
    spoil("stock.adjusted", "el campo delta (Infinity) no es un número finito", delta="Infinity")
    spoil("catalog.product_upserted", "el campo price (18446744073709551615)", price=2**64 - 1)
    spoil("shift.opened", "el campo number (2147483648)", number=2**31)
    chain = sync_kit.chain(bodies)
    response = sync_kit.push(server, till, chain)
    assert response.status_code == 200, response.text
    assert response.json()["acked_seq"] == len(chain) and response.json()["quarantined"] == len(poison)
    reasons = dict(sync_kit.admin(server, "SELECT seq, reason FROM quarantine"))
    assert set(reasons) == set(poison)
    for seq, why in poison.items():
        assert why in reasons[seq], reasons[seq]
    good = [e for e in chain if e.seq not in poison]
    stock = {f"{w}/{s}": q for w, s, q in sync_kit.admin(server, "SELECT warehouse_id, sku, quantity FROM stock") if q}
    assert stock == _expected_stock(good, "centro")


def test_a_value_postgresql_still_refuses_is_a_422_that_applies_nothing_and_the_till_shows_it(server, till):
    """A refusal no check foresees (here a constraint added to the master behind the server's back, standing for
    any such gap): the batch is a clear 422 that applies nothing, never a 500. Values that overflow a column, alone
    or summed, and ids that clash are quarantined instead (the tests above, ``test_sync_clashes.py``)."""
    assert till.sync.sync_once(till.terminal.journal.clock()).pending == 0
    with psycopg.connect(server.admin_url) as conn:
        conn.execute("ALTER TABLE stock ADD CONSTRAINT unforeseen CHECK (quantity < 1000000) NOT VALID")
    before = _counts(server)
    with till.terminal.journal.unit_of_work() as uow:
        for _ in range(101):
            uow.append(catalog.StockAdjusted("P001", Decimal("9999"), "conteo"))
    status = till.sync.sync_once(till.terminal.journal.clock())
    assert not status.online and status.pending == 101 and status.offline_since is None
    assert "no se aplicó nada del lote" in status.error and '"unforeseen"' in status.error
    assert status.label.startswith("Sincronización detenida: el servidor no pudo guardar un valor del lote")
    assert _counts(server) == before
    # the raw answer: 422 with the code, the reason and the range refused
    acked = int(before[3])
    response = sync_kit.push(server, till, list(till.terminal.journal.read(acked + 1)))
    assert response.status_code == 422, response.text
    assert response.json()["error"] == "unstorable"
    assert (response.json()["from_seq"], response.json()["to_seq"]) == (acked + 1, acked + 101)
    assert _counts(server) == before

