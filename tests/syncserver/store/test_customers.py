"""HQ's customers and fiado against the throwaway PostgreSQL (``syncserver.store.customers``): creations, edits,
limits and merges reach every till and survive a rebuild; lists, searches and filters across stores; a statement
over every store's entries; what HQ cannot do is refused in Spanish with nothing saved."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, date, datetime
from typing import Any

import psycopg_pool
import pytest

from shared.events import fiado as ev
from syncserver.store import customers, db
from tests.syncserver.ingest import fiado_kit as kit
from tests.syncserver.ingest.test_fiado import enroll, push, refold, world


def hq(data: Any, work: Any) -> Any:
    async def run(pool: psycopg_pool.AsyncConnectionPool) -> Any:
        async with db.tenant_tx(pool, 1) as conn:
            return await work(conn)
    return data.run(run)


def test_hq_creates_edits_and_sets_limits_the_tills_receive_them_and_a_rebuild_keeps_them(pg_database: str) -> None:
    data = world(pg_database)
    a = enroll(data, "centro")
    created = hq(data, lambda c: customers.save_customer(c, 1, name="  Rosa   Díaz ", rut_text="12.345.678-5",
                                                         phone="+56 9 8765 4321", by="dueno@example.cl"))
    hq(data, lambda c: customers.set_limit(c, 1, created, enabled=True, credit_limit=30000, by="dueno@example.cl"))
    kit.record(a, kit.fiado_sale(created, 12000, limit=30000), "2026-11-02T10:00:00-03:00")
    kit.record(a, kit.paid(created, 2000), "2026-11-10T10:00:00-03:00")
    push(data, a)
    hq(data, lambda c: customers.save_customer(c, 1, customer_id=created, name="Rosa Díaz Soto",
                                               rut_text="12345678-5", phone="+56 9 8765 4321", notes="paga los 5",
                                               by="dueno@example.cl"))
    view = hq(data, lambda c: customers.customer(c, 1, created, today=date(2026, 11, 22)))
    assert view is not None
    r = view.row
    assert (r.name, r.rut, r.store_id, r.enabled, r.credit_limit, r.balance, r.use_pct, r.overdue_days) == (
        "Rosa Díaz Soto", "12345678-5", "hq", True, 30000, 10000, 33, 20)
    assert view.notes == "paga los 5"
    changes = [c for c in kit.feed(data, "norte") if c["kind"] == "customer"]
    assert [(c["data"]["name"], c["data"]["fiado_enabled"], c["data"]["credit_limit"]) for c in changes] == [
        ("Rosa Díaz", False, 0), ("Rosa Díaz", True, 30000), ("Rosa Díaz Soto", True, 30000)]
    before = kit.dump(data)
    refold(data)
    assert kit.dump(data) == before


def test_lists_search_by_name_rut_or_phone_and_filter_by_store_balance_and_overdue(pg_database: str) -> None:
    data = world(pg_database)
    a, b = enroll(data, "centro"), enroll(data, "norte")
    juana, pedro, ana = str(uuid.uuid4()), str(uuid.uuid4()), str(uuid.uuid4())
    kit.record(a, kit.profile(juana, "Juana Pérez", kit.RUT_JUANA, "+56 9 1234 5678"))
    kit.record(a, kit.account(juana, 20000))
    kit.record(a, kit.profile(pedro, "Pedro Núñez"))
    kit.record(a, kit.profile(ana, "Ana Soto"))
    kit.record(a, kit.fiado_sale(juana, 5000, limit=20000), "2026-11-01T10:00:00-03:00")
    push(data, a)
    kit.record(b, kit.fiado_sale(pedro, 1000), "2026-11-21T10:00:00-03:00")
    kit.record(b, kit.paid(pedro, 1000), "2026-11-21T12:00:00-03:00")
    push(data, b)
    today = date(2026, 11, 22)

    def names(**filters: Any) -> list[str]:
        rows = hq(data, lambda c: customers.list_customers(c, 1, today=today, **filters))
        return [row.name for row in rows]

    assert names() == ["Ana Soto", "Juana Pérez", "Pedro Núñez"]
    for text in ("juana", "PEREZ", "12.345.678-5", "12345678", "5678", "9 1234"):
        assert names(search=text) == ["Juana Pérez"], text
    assert names(search="nunez") == ["Pedro Núñez"]
    assert names(store="norte") == ["Pedro Núñez"]  # entries made there
    assert names(only_with_balance=True) == ["Juana Pérez"]
    assert names(overdue_only=True) == ["Juana Pérez"]
    [row] = hq(data, lambda c: customers.list_customers(c, 1, search="juana", today=today))
    assert (row.balance, row.credit_limit, row.use_pct, row.overdue_days) == (5000, 20000, 25, 21)


def test_a_statement_over_every_stores_entries_opens_and_closes_with_the_right_balance(pg_database: str) -> None:
    data = world(pg_database)
    a, b = enroll(data, "centro"), enroll(data, "norte")
    juana = str(uuid.uuid4())
    kit.record(a, kit.profile(juana, "Juana Pérez"))
    kit.record(a, kit.account(juana, 50000))
    kit.record(a, kit.fiado_sale(juana, 7000, limit=50000), "2026-10-30T10:00:00-03:00")
    push(data, a)
    kit.record(b, kit.fiado_sale(juana, 3000, limit=50000), "2026-11-03T20:30:00-03:00")
    kit.record(b, kit.paid(juana, 4000), "2026-11-05T10:00:00-03:00")
    kit.record(b, kit.fiado_sale(juana, 900, limit=50000), "2026-12-01T10:00:00-03:00")
    push(data, b)
    s = hq(data, lambda c: customers.statement(c, 1, juana, date(2026, 11, 1), date(2026, 11, 30)))
    assert (s.opening, s.closing) == (7000, 6000)
    assert [(line.date, line.cargo, line.abono, line.balance) for line in s.lines] == [
        (date(2026, 11, 3), 3000, 0, 10000), (date(2026, 11, 5), 0, 4000, 6000)]
    assert s.lines[0].document.startswith("Venta N° ")
    entries = hq(data, lambda c: customers.entries(c, 1, juana))
    assert [x.store_id for x in entries] == ["centro", "norte", "norte", "norte"]
    with pytest.raises(customers.CustomerError, match="posterior a la final"):
        hq(data, lambda c: customers.statement(c, 1, juana, date(2026, 12, 1), date(2026, 11, 1)))


def test_a_merge_of_two_open_balances_is_refused_one_with_nothing_owed_merges_and_bad_input_is_refused(
        pg_database: str) -> None:
    data = world(pg_database)
    a = enroll(data, "centro")
    juana, juana2, juana3 = str(uuid.uuid4()), str(uuid.uuid4()), str(uuid.uuid4())
    for customer_id, name in ((juana, "Juana Pérez"), (juana2, "Juana Perez"), (juana3, "J. Pérez")):
        kit.record(a, kit.profile(customer_id, name))
        kit.record(a, kit.account(customer_id, 10000))
    kit.record(a, kit.fiado_sale(juana, 2000, limit=10000))
    kit.record(a, kit.fiado_sale(juana2, 1000, limit=10000))
    push(data, a)
    with pytest.raises(customers.CustomerError, match=re.escape("tienen saldo abierto ($2.000 y $1.000)")):
        hq(data, lambda c: customers.merge(c, 1, juana, juana2, by="dueno@example.cl"))
    hq(data, lambda c: customers.merge(c, 1, juana, juana3, by="dueno@example.cl"))
    assert kit.aliases(data) == {juana3: juana}
    view = hq(data, lambda c: customers.customer(c, 1, juana3))
    assert view is not None and view.row.customer_id == juana and view.aliases == (juana3,)
    assert view.flags == ()
    with pytest.raises(customers.CustomerError, match="mismo cliente"):
        hq(data, lambda c: customers.merge(c, 1, juana3, juana, by="dueno@example.cl"))
    with pytest.raises(customers.CustomerError, match=re.escape("límite de crédito de $0")):
        hq(data, lambda c: customers.set_limit(c, 1, juana, enabled=True, credit_limit=0, by="x"))
    with pytest.raises(customers.CustomerError, match=re.escape("RUT 12.345.678-9 no es válido")) as bad:
        hq(data, lambda c: customers.save_customer(c, 1, name="Otro", rut_text="12.345.678-9", by="x"))
    assert bad.value.field == "rut"
    with pytest.raises(customers.CustomerError) as empty:
        hq(data, lambda c: customers.save_customer(c, 1, name="   ", by="x"))
    assert empty.value.field == "name"
    with pytest.raises(customers.CustomerError, match="no existe"):
        hq(data, lambda c: customers.set_limit(c, 1, str(uuid.uuid4()), enabled=True, credit_limit=1, by="x"))
    assert data.rows("SELECT count(*) FROM people") == [(3,)]
    # a till's charge to the merged card counts for the survivor; a rebuild replays HQ's merge in its place
    kit.record(a, kit.fiado_sale(juana3, 500, limit=10000))
    push(data, a)
    assert kit.balances(data) == {juana: 2500, juana2: 1000}
    before = kit.dump(data)
    refold(data)
    assert kit.dump(data) == before


def test_hq_creating_a_rut_a_till_created_merges_into_the_tills_customer_and_flags_list_by_store(
        pg_database: str) -> None:
    data = world(pg_database)
    a1, a2 = enroll(data, "centro"), enroll(data, "centro")
    juana = str(uuid.uuid4())
    kit.record(a1, kit.profile(juana, "Juana Pérez", kit.RUT_JUANA))
    kit.record(a1, kit.account(juana, 1000))
    push(data, a1)
    kept = hq(data, lambda c: customers.save_customer(c, 1, name="Juana P", rut_text="12.345.678-5", by="x",
                                                      at=datetime(2026, 11, 22, tzinfo=UTC)))
    assert kept == juana and len(kit.aliases(data)) == 1
    kit.record(a1, kit.fiado_sale(juana, 800, limit=1000))
    kit.record(a2, kit.fiado_sale(juana, 800, limit=1000))
    push(data, a1, a2)
    [flag] = hq(data, lambda c: customers.flags(c, 1, store="centro"))
    assert (flag.customer_id, flag.customer_name, flag.kind) == (juana, "Juana Pérez", "over_limit")  # first kept
    assert sorted(flag.terminals) == sorted([a1.terminal_id, a2.terminal_id])
    assert hq(data, lambda c: customers.flags(c, 1, store="norte")) == []
    kit.record(a2, ev.FiadoSettingsSet(2000, "refuse", "ana"), "2026-11-22T10:00:00-03:00")
    push(data, a2)
    assert hq(data, lambda c: customers.store_settings(c, 1)) == [
        customers.StoreSettings("centro", 2000, "refuse", "ana", "2026-11-22T10:00:00-03:00")]


def test_a_customers_page_shows_the_flags_of_the_cards_merged_into_it(pg_database: str) -> None:
    data = world(pg_database)
    a, b = enroll(data, "centro"), enroll(data, "norte")
    juana, card = str(uuid.uuid4()), str(uuid.uuid4())
    kit.record(a, kit.profile(juana, "Juana Pérez", kit.RUT_JUANA))
    kit.record(a, kit.account(juana, 10000))
    kit.record(a, kit.fiado_sale(juana, 2000, limit=10000))
    kit.record(b, kit.profile(card, "Juanita"))
    kit.record(b, kit.fiado_sale(card, 500))  # no account at norte: over its limit of $0
    kit.record(b, kit.profile(card, "Juanita", kit.RUT_JUANA))
    push(data, a, b)
    view = hq(data, lambda c: customers.customer(c, 1, card))
    assert view is not None and view.row.customer_id == juana and view.row.balance == 2500
    assert sorted((f.customer_id, f.kind, f.resolved_at is None) for f in view.flags) == sorted(
        [(card, "over_limit", False), (juana, "merge_with_balances", True)])
