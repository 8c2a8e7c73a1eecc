"""Events that fit their columns but clash with the master, against a real server and PostgreSQL: a ``sale_id`` or
``return_id`` received before, a repeated ``line_id`` or means of payment, a running total (stock, a shift's sums)
pushed past its column. Each such event is stored and quarantined with a reason that names what clashed; the rest of
its batch applies, the cursor advances, a re-send is a no-op with the same ack, the till's next batch applies, and a
rebuild of the read models gives the rows the ingest wrote (``syncserver.ingest.conflicts``).
"""

from __future__ import annotations

import random
import uuid
from collections import defaultdict
from decimal import Decimal
from typing import Any

import pytest

from shared import money
from shared.events import catalog, codec, envelope, registry, returns, sales
from shared.sale import TenderKind
from syncserver.ingest import rebuild
from tests.e2e import sync_kit

ROWS = sync_kit.catalog_rows(5)
SNAPSHOT_SQL = ("SELECT (SELECT json_agg(s ORDER BY sale_id) FROM sales s), (SELECT json_agg(l ORDER BY sale_id,"
                " line_id) FROM sale_lines l), (SELECT json_agg(k ORDER BY warehouse_id, sku) FROM stock k),"
                " (SELECT json_agg(h ORDER BY shift_id) FROM shifts h), (SELECT json_agg(t ORDER BY sale_id, kind)"
                " FROM sale_tenders t), (SELECT json_agg(r ORDER BY return_id) FROM returns r),"
                " (SELECT json_agg(x ORDER BY return_id, line_id) FROM return_lines x),"
                " (SELECT json_agg(f ORDER BY return_id, kind) FROM return_refunds f)")


def _counts(server: Any) -> tuple[Any, ...]:
    return sync_kit.admin(server, "SELECT (SELECT count(*) FROM events), (SELECT count(*) FROM sales),"
                                  " (SELECT count(*) FROM returns), (SELECT count(*) FROM quarantine),"
                                  " (SELECT coalesce(sum(acked_seq), 0) FROM sync_tracking),"
                                  " (SELECT coalesce(sum(quantity), 0) FROM stock),"
                                  " (SELECT coalesce(sum(sales_total), 0) FROM shifts)")[0]


def _new(bodies: list[dict[str, Any]], event: Any) -> dict[str, Any]:
    """The body of ``event`` as the till's next journal entry after ``bodies``."""
    return {**bodies[-1], "event_id": str(uuid.uuid4()), "seq": bodies[-1]["seq"] + 1, "type": event.TYPE,
            "version": event.VERSION, "payload": codec.to_payload(event)}


def _sale(body: dict[str, Any], **change: Any) -> dict[str, Any]:
    return {**body, "payload": {**body["payload"], **change}}


def _returned(sale: dict[str, Any], return_id: str, *, lines: int = 1) -> returns.ReturnCompleted:
    """A return of the first line of ``sale`` (a sale body), refunded by debit; ``lines`` repeats that line."""
    p = sale["payload"]
    line = p["lines"][0]
    given = returns.LineReturned(line["line_id"], line["sku"], line["name"], line["unit_price"],
                                 Decimal(line["quantity"]), line["sold_by"], line["iva_exempt"], line["amount"])
    total = line["amount"] * lines
    split = money.split_iva(0, total) if line["iva_exempt"] else money.split_iva(total)
    return returns.ReturnCompleted(return_id, p["sale_id"], p["shift_id"], p["cashier_id"], "sup", "vencido",
                                   (given,) * lines, total, split.neto, split.iva, split.exento,
                                   (sales.TenderTaken("debit", total, total),), 39, 1, False)


def _folded_stock(chain: list[envelope.Envelope], skip: set[int]) -> dict[str, Decimal]:
    """``{sku: quantity}`` of the store's warehouse from the events not in ``skip``, as the master folds them."""
    stock: dict[str, Decimal] = defaultdict(Decimal)
    for e in chain:
        if e.seq in skip:
            continue
        if e.type == "stock.adjusted":
            stock[e.payload["sku"]] += Decimal(e.payload["delta"])
        for line in e.payload.get("lines", ()) if e.type in ("sale.completed", "sale.returned") else ():
            stock[line["sku"]] += Decimal(line["quantity"]) * (-1 if e.type == "sale.completed" else 1)
    return {sku: q for sku, q in stock.items() if q}


def _master_stock(server: Any) -> dict[str, Decimal]:
    rows = sync_kit.admin(server, "SELECT sku, quantity FROM stock WHERE warehouse_id = 'centro'")
    return {s: q for s, q in rows if q}


def _rebuild_gives_the_same_rows(server: Any) -> None:
    live = sync_kit.master(server, SNAPSHOT_SQL, 1)
    folded = server.run(lambda pool: rebuild.rebuild(pool, registry.build_codec(), 1))
    assert folded > 0
    assert sync_kit.master(server, SNAPSHOT_SQL, 1) == live


def _resend_and_continue(server: Any, till: Any, chain: list[envelope.Envelope], ack: dict[str, Any],
                         resend_from: int) -> None:
    """A re-send of ``chain[resend_from:]`` is a no-op with the same ack, and the till's next sale applies."""
    before = _counts(server)
    again = sync_kit.push(server, till, chain[resend_from:])
    assert again.status_code == 200, again.text
    assert again.json() == {**ack, "applied": 0, "quarantined": 0}
    assert _counts(server) == before
    sync_kit.sell(till.terminal, 1, random.Random(3), 5, tenders=(TenderKind.DEBIT,))
    nxt = list(till.terminal.journal.read())[-1]
    body = {**nxt.body(), "seq": chain[-1].seq + 1, "prev_hash": chain[-1].hash}
    after = sync_kit.push(server, till, [envelope.seal(**body)])
    assert after.status_code == 200 and after.json()["applied"] == 1, after.text
    assert _counts(server)[1] == before[1] + 1


@pytest.fixture
def till(server: Any, make_till: Any) -> Any:
    sync_kit.setup_tenants(server)
    t = make_till(1, "centro", ROWS)
    sync_kit.sell(t.terminal, 12, random.Random(21), 5, max_lines=2, tenders=(TenderKind.DEBIT,))
    return t


def test_a_sale_id_received_before_is_quarantined_naming_the_event_that_holds_it(server, till, make_till):
    bodies = [e.body() for e in till.terminal.journal.read()]
    at = [i for i, b in enumerate(bodies) if b["type"] == "sale.completed"]
    first_batch = at[5] + 1  # sales 0..5 go first
    held, twice = bodies[at[2]], bodies[at[8]]
    bodies[at[7]] = _sale(bodies[at[7]], sale_id=held["payload"]["sale_id"])  # received in the first batch
    bodies[at[9]] = _sale(bodies[at[9]], sale_id=twice["payload"]["sale_id"])  # earlier in the same batch
    chain = sync_kit.chain(bodies)
    poison = {chain[at[7]].seq: f"sale_id repetido: la venta {held['payload']['sale_id']} ya llegó en el evento"
                                f" seq {held['seq']} (época 1) de esta caja",
              chain[at[9]].seq: f"sale_id repetido: la venta {twice['payload']['sale_id']} ya llegó en el evento"
                                f" seq {twice['seq']} (época 1) de esta caja"}
    assert sync_kit.push(server, till, chain[:first_batch]).status_code == 200

    response = sync_kit.push(server, till, chain[first_batch:])
    assert response.status_code == 200, response.text
    ack = response.json()
    rest = len(chain) - first_batch
    assert ack == {"epoch": 1, "acked_seq": len(chain), "acked_hash": chain[-1].hash, "applied": rest - 2,
                   "quarantined": 2}
    assert dict(sync_kit.admin(server, "SELECT seq, reason FROM quarantine")) == poison
    # the stored event is the till's, byte for byte; the sale keeps the row of the event received first
    assert sync_kit.admin(server, "SELECT payload FROM events WHERE seq = %s", (chain[at[7]].seq,)) == [
        (chain[at[7]].payload,)]
    assert sync_kit.admin(server, "SELECT seq, total FROM sales WHERE sale_id = %s", (held["payload"]["sale_id"],)) == [
        (held["seq"], held["payload"]["total"])]
    assert sync_kit.admin(server, "SELECT count(*) FROM sales") == [(len(at) - 2,)]
    assert sync_kit.admin(server, "SELECT sum(sales_count) FROM shifts") == [(len(at) - 2,)]
    assert _master_stock(server) == _folded_stock(chain, set(poison))
    assert sync_kit.admin(server, "SELECT acked_seq FROM sync_tracking") == [(len(chain),)]
    _rebuild_gives_the_same_rows(server)
    _resend_and_continue(server, till, chain, ack, first_batch)

    # another till of the tenant that sends one of these sale ids: quarantined, naming the till that holds it
    other = make_till(1, "norte", ROWS)
    sync_kit.sell(other.terminal, 2, random.Random(5), 5, tenders=(TenderKind.DEBIT,))
    theirs = [e.body() for e in other.terminal.journal.read()]
    last_sale = max(i for i, b in enumerate(theirs) if b["type"] == "sale.completed")
    theirs[last_sale] = _sale(theirs[last_sale], sale_id=held["payload"]["sale_id"])
    their_chain = sync_kit.chain(theirs)
    response = sync_kit.push(server, other, their_chain)
    assert response.status_code == 200, response.text
    assert (response.json()["acked_seq"], response.json()["quarantined"]) == (len(their_chain), 1)
    reason = sync_kit.admin(server, "SELECT reason FROM quarantine WHERE terminal_id = %s", (other.client.terminal_id,))
    assert reason == [(f"sale_id repetido: la venta {held['payload']['sale_id']} ya llegó en el evento seq"
                       f" {held['seq']} (época 1) de la caja {till.client.terminal_id}",)]
    assert other.sync.sync_once(other.terminal.journal.clock()).online  # its journal is in step: nothing blocked
    _rebuild_gives_the_same_rows(server)


def test_repeated_line_ids_means_of_payment_and_return_ids_are_quarantined(server, till):
    bodies = [e.body() for e in till.terminal.journal.read()]
    at = [i for i, b in enumerate(bodies) if b["type"] == "sale.completed"]
    lines = bodies[at[3]]["payload"]["lines"]
    other_sku = next(r["sku"] for r in ROWS if r["sku"] != lines[0]["sku"] and r["sold_by"] == "unit")
    # forged so that they keep every other rule (shared.events.rules): a $0 line, a debit paid in two halves
    free = {**lines[0], "sku": other_sku, "unit_price": 0, "discount": 0, "amount": 0}
    bodies[at[3]] = _sale(bodies[at[3]], lines=[lines[0], free, *lines[1:]])
    tenders = bodies[at[5]]["payload"]["tenders"]
    half = tenders[0]["amount"] // 2
    bodies[at[5]] = _sale(bodies[at[5]], tenders=[{**tenders[0], "amount": half, "received": half},
                                                  {**tenders[0], "amount": tenders[0]["amount"] - half,
                                                   "received": tenders[0]["amount"] - half}])
    returned = bodies[at[1]]
    bodies.append(_new(bodies, _returned(returned, "dev-1")))
    bodies.append(_new(bodies, _returned(bodies[at[2]], "dev-2", lines=2)))
    bodies.append(_new(bodies, _returned(bodies[at[4]], "dev-1")))
    chain = sync_kit.chain(bodies)
    sale_ids = {i: bodies[i]["payload"]["sale_id"] for i in at}
    line_id = lines[0]["line_id"]
    repeated_line = bodies[at[2]]["payload"]["lines"][0]["line_id"]
    poison = {
        chain[at[3]].seq: f"line_id repetido: la línea {line_id} aparece más de una vez en la venta {sale_ids[at[3]]}"
                          " (lines[1])",
        chain[at[5]].seq: f"medio de pago repetido: debit aparece más de una vez en la venta {sale_ids[at[5]]}"
                          " (tenders[1])",
        len(chain) - 1: f"line_id repetido: la línea {repeated_line} aparece más de una vez en la devolución dev-2"
                        " (lines[1])",
        len(chain): f"return_id repetido: la devolución dev-1 ya llegó en el evento seq {len(chain) - 2} (época 1)"
                    " de esta caja"}

    response = sync_kit.push(server, till, chain)
    assert response.status_code == 200, response.text
    ack = response.json()
    assert ack == {"epoch": 1, "acked_seq": len(chain), "acked_hash": chain[-1].hash,
                   "applied": len(chain) - len(poison), "quarantined": len(poison)}
    assert dict(sync_kit.admin(server, "SELECT seq, reason FROM quarantine")) == poison
    assert {r[0] for r in sync_kit.admin(server, "SELECT sale_id FROM sales")} == set(sale_ids.values()) - {
        sale_ids[at[3]], sale_ids[at[5]]}
    assert sync_kit.admin(server, "SELECT return_id, sale_id, seq FROM returns") == [
        ("dev-1", returned["payload"]["sale_id"], len(chain) - 2)]
    assert sync_kit.admin(server, "SELECT count(*) FROM return_lines") == [(1,)]
    assert _master_stock(server) == _folded_stock(chain, set(poison))
    _rebuild_gives_the_same_rows(server)
    _resend_and_continue(server, till, chain, ack, 0)


def test_stock_past_its_column_quarantines_the_adjustment_that_overflows_and_the_till_goes_on(server, till):
    """Adjustments that each fit ``numeric(12,3)`` but together would overflow ``stock.quantity`` ``numeric(14,3)``,
    sent by the till itself: the two that would overflow are quarantined, the later ones apply from the total
    without them."""
    assert till.sync.sync_once(till.terminal.journal.clock()).pending == 0
    (base,) = sync_kit.admin(server, "SELECT quantity FROM stock WHERE sku = 'P001'")[0]
    head = len(list(till.terminal.journal.read()))
    big = Decimal("999999999")
    with till.terminal.journal.unit_of_work() as uow:
        for delta in [big] * 102 + [-big, big]:
            uow.append(catalog.StockAdjusted("P001", delta, "conteo"))
    status = till.sync.sync_once(till.terminal.journal.clock())
    assert status.online and status.pending == 0 and status.error == "", status
    rows = sync_kit.admin(server, "SELECT seq, reason FROM quarantine ORDER BY seq")
    assert [r[0] for r in rows] == [head + 101, head + 102]
    assert all(r[1] == f"el stock de P001 en la bodega centro quedaría en {base + 101 * big}: fuera del rango que el"
                       " servidor puede guardar (menos de 100.000.000.000)" for r in rows), rows
    assert _master_stock(server)["P001"] == base + 100 * big  # 100 in, then 1 out and 1 in: the refused 2 left out
    chain = list(till.terminal.journal.read())
    assert sync_kit.admin(server, "SELECT acked_seq, acked_hash FROM sync_tracking") == [(len(chain), chain[-1].hash)]
    _rebuild_gives_the_same_rows(server)
    ack = {"epoch": 1, "acked_seq": len(chain), "acked_hash": chain[-1].hash}
    _resend_and_continue(server, till, chain, ack, head)
    assert till.sync.sync_once(till.terminal.journal.clock()).online


def test_a_shift_total_past_bigint_quarantines_the_sales_that_overflow_it(server, till):
    """9,230 sales of 10¹⁵ pesos each (the largest amount a sale may carry) in one shift: ``shifts.sales_total``
    and what it received by debit are ``bigint``, which holds 9,223 of them."""
    bodies = [e.body() for e in till.terminal.journal.read()]
    template = bodies[max(i for i, b in enumerate(bodies) if b["type"] == "sale.completed")]
    line = {**template["payload"]["lines"][0], "quantity": "1", "unit_price": 10**15, "discount": 0,
            "amount": 10**15}
    for n in range(9230):
        bodies.append({**template, "event_id": str(uuid.uuid4()), "seq": bodies[-1]["seq"] + 1, "payload": {
            **template["payload"], "sale_id": f"grande-{n}", "number": 1000 + n, "lines": [line], "total": 10**15,
            "affected": 10**15, "neto": 840336134453782, "iva": 159663865546218, "exento": 0, "discount": 0,
            "rounding": 0, "change": 0, "tenders": [{"kind": "debit", "amount": 10**15, "received": 10**15}]}})
    chain = sync_kit.chain(bodies)
    small = sum(b["payload"]["total"] for b in bodies if b["type"] == "sale.completed" and b["seq"] <= template["seq"])
    first = sync_kit.push(server, till, chain[:5000])
    assert first.status_code == 200 and first.json()["quarantined"] == 0, first.text
    response = sync_kit.push(server, till, chain[5000:])
    assert response.status_code == 200, response.text
    ack = response.json()
    assert ack == {"epoch": 1, "acked_seq": len(chain), "acked_hash": chain[-1].hash,
                   "applied": len(chain) - 5000 - 7, "quarantined": 7}
    shift_id = template["payload"]["shift_id"]
    reasons = sync_kit.admin(server, "SELECT seq, reason FROM quarantine ORDER BY seq")
    assert [r[0] for r in reasons] == [c.seq for c in chain[-7:]]
    would_be = f"{9224 * 10**15 + small:,}".replace(",", ".")
    assert reasons[0][1] == (f"el total de ventas del turno {shift_id} quedaría en {would_be}: fuera del rango que el"
                             " servidor puede guardar (de -9.223.372.036.854.775.808 a 9.223.372.036.854.775.807)")
    assert sync_kit.admin(server, "SELECT sales_total, (received->>'debit')::bigint FROM shifts") == [
        (9223 * 10**15 + small, 9223 * 10**15 + small)]
    assert sync_kit.admin(server, "SELECT count(*) FROM sales WHERE sale_id LIKE 'grande-%%'") == [(9223,)]
    _rebuild_gives_the_same_rows(server)
    _resend_and_continue(server, till, chain, ack, len(chain) - 10)
