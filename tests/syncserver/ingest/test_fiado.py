"""The master's fiado fold against the throwaway PostgreSQL: every store's entries folded into one balance per
customer (== the sum of its entries == ``shared.fiado.fold``), forwarded to every till; the same RUT created at two
stores merged; over-limit charges from tills that did not know of each other flagged; reversals that cannot be
applied quarantined with the reason; a rebuild gives the same rows (``syncserver.ingest.fiado``)."""

from __future__ import annotations

import uuid
from typing import Any

import psycopg_pool

from shared import fiado as ledger
from shared.events import fiado as ev
from syncserver import tenancy
from syncserver.ingest import rebuild
from tests.syncserver.dte.folio_kit import CODEC, Db, Till, migrated
from tests.syncserver.ingest import fiado_kit as kit


def world(pg_database: str) -> Db:
    """Tenant 1 with stores centro and norte, tenant 2 with its centro."""
    data = migrated(pg_database, {1: "76.235.291-5", 2: "76.086.428-5"})
    data.run(lambda pool: tenancy.create_store(pool, 1, "norte", "Local Norte"))
    return data


def enroll(data: Db, store_id: str, tenant_id: int = 1) -> Till:
    till: Till = data.run(lambda pool: Till.enroll(pool, tenant_id, store_id))
    return till


def push(data: Db, *tills: Till) -> list[Any]:
    async def work(pool: psycopg_pool.AsyncConnectionPool) -> list[Any]:
        return [await t.push(pool) for t in tills]
    acks: list[Any] = data.run(work)
    return acks


def refold(data: Db) -> None:
    data.run(lambda pool: rebuild.rebuild(pool, CODEC, 1))


def test_two_stores_charges_payments_a_reversal_and_a_return_fold_into_one_balance_each_till_receives(
        pg_database: str) -> None:
    data = world(pg_database)
    a1, a2, b = enroll(data, "centro"), enroll(data, "centro"), enroll(data, "norte")
    juana, pedro = str(uuid.uuid4()), str(uuid.uuid4())
    kit.record(a1, kit.profile(juana, "Juana Pérez", kit.RUT_JUANA, "+56 9 1234 5678"))
    kit.record(a1, kit.account(juana, 20000))
    kit.record(a1, kit.profile(pedro, "Pedro Soto"))
    kit.record(a1, kit.account(pedro, 5000))
    sale = kit.fiado_sale(juana, 3000, cash=500, limit=20000)
    kit.record(a1, sale, "2026-11-20T10:00:00-03:00")
    push(data, a1)
    payment = kit.paid(juana, 2000)
    kit.record(a2, kit.fiado_sale(juana, 4000, balance_before=3000, limit=20000), "2026-11-21T10:00:00-03:00")
    kit.record(b, kit.fiado_sale(pedro, 1500, limit=5000), "2026-11-21T11:00:00-03:00")
    kit.record(b, payment, "2026-11-22T09:00:00-03:00")
    push(data, a2, b)
    kit.record(a1, kit.reversed_(payment.payment_id, juana, 2000), "2026-11-22T12:00:00-03:00")
    kit.record(a1, kit.fiado_return(sale), "2026-11-23T10:00:00-03:00")
    push(data, a1)
    assert data.rows("SELECT count(*) FROM quarantine") == [(0,)]

    folded = kit.entries(data)
    assert [(x.kind, x.amount) for x in folded] == [
        ("cargo", 3000), ("cargo", 4000), ("cargo", 1500), ("abono", -2000), ("reverso", 2000), ("devolucion", -3500)]
    # the return credits the whole sale (3,000 on credit and 500 in cash) to the account, as the till chose
    assert kit.balances(data) == {juana: 3500, pedro: 1500}
    fold = ledger.fold(folded)
    assert {c: fold.balance(c) for c in (juana, pedro)} == kit.balances(data)
    assert [tuple(r) for r in data.rows(
        "SELECT customer_id, oldest_unpaid_at::text FROM fiado_balances ORDER BY customer_id")] == sorted(
        (c, fold.oldest_unpaid_at(c).replace("T", " ").replace(".000000", "").replace("+00:00", "+00"))  # type: ignore[union-attr]
        for c in (juana, pedro))
    # every till of the tenant receives each customer and each entry, with the store's name in the document
    for store in ("centro", "norte"):
        changes = kit.feed(data, store)
        entry_changes = [c["data"] for c in changes if c["kind"] == "fiado_entry"]
        assert sorted(c["entry_id"] for c in entry_changes) == sorted(x.entry_id for x in folded)
        received = [CODEC.decode("fiado.entry_received", 1, c) for c in entry_changes]
        assert sum(ledger.SIGN[r.kind] * r.amount for r in received if r.customer_id == juana) == 3500
        assert {c["key"] for c in changes if c["kind"] == "customer"} == {juana, pedro}
    norte_sale = next(c["data"] for c in kit.feed(data, "norte") if c["kind"] == "fiado_entry"
                      and c["data"]["store_id"] == "norte" and c["data"]["kind"] == "cargo")
    assert norte_sale["document"] == "Venta N° " + norte_sale["document"].split("N° ")[1].split(" ")[0] \
        + " · Local Norte"
    last_juana = [c["data"] for c in kit.feed(data) if c["kind"] == "customer" and c["key"] == juana][-1]
    assert (last_juana["fiado_enabled"], last_juana["credit_limit"], last_juana["rut"]) == (True, 20000,
                                                                                            kit.RUT_JUANA)
    before = kit.dump(data)
    refold(data)
    assert kit.dump(data) == before


def test_the_same_rut_created_at_two_stores_is_one_customer_the_first_seen_survives(pg_database: str) -> None:
    data = world(pg_database)
    a, b = enroll(data, "centro"), enroll(data, "norte")
    first, second, third = str(uuid.uuid4()), str(uuid.uuid4()), str(uuid.uuid4())
    kit.record(a, kit.profile(first, "Juana Pérez", kit.RUT_JUANA))
    kit.record(a, kit.account(first, 10000))
    kit.record(a, kit.fiado_sale(first, 2000, limit=10000))
    kit.record(b, kit.profile(second, "Juana P.", kit.RUT_JUANA))  # offline at norte: the same person again
    kit.record(b, kit.account(second, 8000))
    kit.record(b, kit.fiado_sale(second, 1000, limit=8000))
    kit.record(b, kit.profile(third, "Juanita"))  # a third card, without RUT, that charges before its RUT is added
    kit.record(b, kit.fiado_sale(third, 500))
    push(data, a, b)
    assert kit.aliases(data) == {second: first}
    assert kit.balances(data) == {first: 3000, third: 500}
    kit.record(b, kit.profile(third, "Juanita", kit.RUT_JUANA))
    push(data, b)
    assert kit.aliases(data) == {second: first, third: first}
    assert kit.balances(data) == {first: 3500}
    assert ledger.fold(kit.entries(data), kit.aliases(data)).balance(third) == 3500
    # norte's manager set the limit after the merge (in the master's order): the latest limit set counts; the merge
    # of two balances is flagged for the manager and HQ
    assert data.rows("SELECT customer_id, credit_limit, store_id FROM fiado_accounts WHERE customer_id = %s",
                     first) == [(first, 8000, "norte")]
    # the third card's charge without an account was over its limit ($0) until the merge put it within Juana's
    (over, closed), (merged, detail, still_open) = data.rows(
        "SELECT kind, resolved_at IS NOT NULL, NULL FROM fiado_flags WHERE customer_id = %s", third)[0][:2], \
        data.rows("SELECT kind, detail, resolved_at IS NULL FROM fiado_flags WHERE customer_id = %s", first)[0]
    assert (over, closed) == ("over_limit", True)
    assert merged == "merge_with_balances" and still_open
    assert "«Juanita»" in detail and "$500 y $3.000" in detail and "$3.500" in detail
    customer = [c["data"] for c in kit.feed(data, "norte") if c["kind"] == "customer" and c["key"] == first][-1]
    assert sorted(customer["aliases"]) == sorted([second, third])
    assert second not in [c["key"] for c in kit.feed(data) if c["kind"] == "customer"]  # merged on arrival
    before = kit.dump(data)
    refold(data)
    assert kit.dump(data) == before


def test_charges_from_two_tills_that_did_not_know_of_each_other_past_the_limit_are_flagged_not_refused(
        pg_database: str) -> None:
    data = world(pg_database)
    a1, a2 = enroll(data, "centro"), enroll(data, "centro")
    juana = str(uuid.uuid4())
    kit.record(a1, kit.profile(juana, "Juana Pérez"))
    kit.record(a1, kit.account(juana, 10000))
    push(data, a1)
    kit.record(a1, kit.fiado_sale(juana, 6000, limit=10000), "2026-11-22T10:00:00-03:00")
    kit.record(a2, kit.fiado_sale(juana, 6000, limit=10000), "2026-11-22T10:05:00-03:00")  # offline: saw 0
    push(data, a1, a2)
    assert kit.balances(data) == {juana: 12000}  # no charge is refused
    [(kind, terminals, resolved, detail)] = data.rows("SELECT kind, terminals, resolved_at, detail FROM fiado_flags")
    assert (kind, sorted(terminals), resolved) == ("over_limit", sorted([a1.terminal_id, a2.terminal_id]), None)
    assert detail.startswith("Saldo de $12.000 sobre el límite de $10.000: cargos desde 2 cajas")
    # a charge approved by a supervisor with the balance the till knew is not flagged again; a payment that brings
    # the balance back within the limit closes the flag
    kit.record(a1, kit.fiado_sale(juana, 1000, balance_before=12000, limit=10000, approved_by="pepe"))
    kit.record(a1, kit.paid(juana, 5000))
    push(data, a1)
    assert data.rows("SELECT count(*), count(resolved_at) FROM fiado_flags") == [(1, 1)]
    kit.record(a2, kit.fiado_sale(juana, 9000, balance_before=6000, limit=10000, approved_by="pepe"))
    push(data, a2)  # approved, but the till knew 6,000 and it was 8,000: flagged
    assert data.rows("SELECT count(*), count(resolved_at) FROM fiado_flags") == [(2, 1)]
    before = kit.dump(data)
    refold(data)
    assert kit.dump(data) == before


def test_reversals_that_cannot_apply_and_payments_for_unknown_or_foreign_customers_are_quarantined(
        pg_database: str) -> None:
    data = world(pg_database)
    a, b, other = enroll(data, "centro"), enroll(data, "norte"), enroll(data, "centro", tenant_id=2)
    juana, foreign = str(uuid.uuid4()), str(uuid.uuid4())
    kit.record(other, kit.profile(foreign, "Cliente de otra empresa"))
    push(data, other)
    kit.record(a, kit.profile(juana, "Juana Pérez"))
    kit.record(a, kit.account(juana, 10000))
    kit.record(a, kit.fiado_sale(juana, 5000, limit=10000))
    payment = kit.paid(juana, 2000)
    kit.record(a, payment)
    reversal = kit.reversed_(payment.payment_id, juana, 2000)
    kit.record(a, reversal)
    push(data, a)
    kit.record(b, kit.reversed_(payment.payment_id, juana, 2000))  # norte reverses it again, not knowing
    kit.record(b, kit.reversed_(reversal.reversal_id, juana, 2000))  # a reversal of a reversal
    kit.record(b, kit.reversed_(str(uuid.uuid4()), juana, 2000))  # a payment nobody registered
    kit.record(b, kit.paid(str(uuid.uuid4()), 1000))  # a customer nobody created
    kit.record(b, kit.paid(foreign, 1000))  # another tenant's customer
    kit.record(b, kit.fiado_sale(foreign, 1000))
    ack = push(data, b)[0]
    assert (ack.applied, ack.quarantined) == (0, 6)
    reasons = [reason for _type, reason in kit.quarantined(data)]
    assert reasons[0].startswith(f"abono ya reversado: el abono {payment.payment_id} se reversó antes (reversa"
                                 f" {reversal.reversal_id})")
    assert reasons[1].startswith("reversa de una reversa: ")
    assert reasons[2].startswith("abono desconocido: ")
    assert reasons[3].startswith("cliente desconocido: el abono es para el cliente ")
    assert reasons[4].startswith("cliente de otra empresa: el abono nombra al cliente ")
    assert reasons[5].endswith("que no es de esta empresa; la venta no se registró y su documento no se envía al SII")
    assert kit.balances(data) == {juana: 5000}
    assert data.rows("SELECT count(*) FROM audit_log WHERE kind = 'event_quarantined'") == [(6,)]


def test_two_tills_reversing_one_payment_at_the_same_time_reverse_it_once(pg_database: str) -> None:
    """The tenant's fiado lock: two pushes that both reverse one payment fold one after the other."""
    import asyncio

    data = world(pg_database)
    a, b = enroll(data, "centro"), enroll(data, "norte")
    juana = str(uuid.uuid4())
    kit.record(a, kit.profile(juana, "Juana Pérez"))
    kit.record(a, kit.account(juana, 10000))
    kit.record(a, kit.fiado_sale(juana, 5000, limit=10000))
    payment = kit.paid(juana, 3000)
    kit.record(a, payment)
    push(data, a)
    kit.record(a, kit.reversed_(payment.payment_id, juana, 3000))
    kit.record(b, kit.reversed_(payment.payment_id, juana, 3000))

    async def both(pool: psycopg_pool.AsyncConnectionPool) -> list[Any]:
        return list(await asyncio.gather(a.push(pool), b.push(pool)))

    acks = data.run(both)
    assert sorted((ack.applied, ack.quarantined) for ack in acks) == [(0, 1), (1, 0)]
    assert kit.balances(data) == {juana: 5000}
    assert [reason.split(":")[0] for _t, reason in kit.quarantined(data)] == ["abono ya reversado"]


def test_a_flag_opening_or_closing_forwards_the_customer_with_its_open_flags_to_every_till(pg_database: str) -> None:
    data = world(pg_database)
    a1, a2 = enroll(data, "centro"), enroll(data, "centro")
    juana = str(uuid.uuid4())
    kit.record(a1, kit.profile(juana, "Juana Pérez"))
    kit.record(a1, kit.account(juana, 10000))
    push(data, a1)
    kit.record(a1, kit.fiado_sale(juana, 6000, limit=10000), "2026-11-22T10:00:00-03:00")
    kit.record(a2, kit.fiado_sale(juana, 6000, limit=10000), "2026-11-22T10:05:00-03:00")
    push(data, a1, a2)
    [(detail,)] = data.rows("SELECT detail FROM fiado_flags WHERE resolved_at IS NULL")
    for store in ("centro", "norte"):  # the manager of every store sees it at the till
        views = [c["data"] for c in kit.feed(data, store) if c["kind"] == "customer" and c["key"] == juana]
        assert [v.get("flags", []) for v in views] == [[], [detail]]
    kit.record(a1, kit.paid(juana, 5000))  # back within the limit: the flag closes, the tills drop it
    push(data, a1)
    views = [c["data"] for c in kit.feed(data, "norte") if c["kind"] == "customer" and c["key"] == juana]
    assert [v["flags"] for v in views] == [[], [detail], []]
    decoded = CODEC.decode("customer.received", 2, views[1])
    assert decoded.flags == (detail,) and decoded.credit_limit == 10000


def test_a_stores_fiado_settings_reach_that_stores_tills_only(pg_database: str) -> None:
    data = world(pg_database)
    a1, b = enroll(data, "centro"), enroll(data, "norte")
    kit.record(a1, ev.FiadoSettingsSet(15000, "credit", "marta"), "2026-11-22T10:00:00-03:00")
    kit.record(b, ev.FiadoSettingsSet(0, "refuse", "nico"), "2026-11-22T10:01:00-03:00")
    push(data, a1, b)
    centro = kit.feed(data, "centro", kinds=("fiado_settings",))
    norte = kit.feed(data, "norte", kinds=("fiado_settings",))
    assert [(c["key"], c["data"]["offline_allowance"], c["data"]["overpayment"], c["data"]["set_by"]) for c in centro] \
        == [("centro", 15000, "credit", "marta")]
    assert [(c["key"], c["data"]["offline_allowance"], c["data"]["overpayment"]) for c in norte] == [
        ("norte", 0, "refuse")]
    received = CODEC.decode("fiado.settings_received", 1, centro[0]["data"])
    assert received == ev.FiadoSettingsReceived(15000, "credit", "marta", received.set_at) and received.set_at
    # pushed back by the till that journaled it, the master ignores it: nothing quarantined, nothing forwarded again
    kit.record(a1, received)
    push(data, a1)
    assert data.rows("SELECT count(*) FROM quarantine") == [(0,)]
    assert len(kit.feed(data, "centro", kinds=("fiado_settings",))) == 1
    assert data.rows("SELECT store_id, offline_allowance FROM fiado_settings ORDER BY store_id") == [
        ("centro", 15000), ("norte", 0)]
