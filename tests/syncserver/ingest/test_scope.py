"""The ingest's scope rules at the push, against the throwaway PostgreSQL: the server's own folios (HQ's notas de
crédito) are no till's to issue; a lease counts for its epoch and the later ones; an entry's date against a
store's deactivation (``syncserver.ingest.scope``)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal

import psycopg_pool

from shared.events import envelope
from syncserver.dte import folios
from syncserver.ingest import scope
from syncserver.store import db
from tests.syncserver.dte.folio_kit import SAMPLE_RUT, TODAY, Till, migrated, sample_caf

SIZES = {"folio_lease_size": 5, "folio_low_water": 2}


def _entry(occurred_at: str) -> envelope.Envelope:
    return envelope.seal(event_id=str(uuid.uuid4()), tenant_id=1, store_id="centro", terminal_id="t", epoch=1, seq=1,
                         occurred_at=occurred_at, type="shift.opened", version=1, payload={},
                         prev_hash=envelope.GENESIS_HASH)


def test_an_entry_counts_as_before_a_deactivation_only_with_a_date_and_offset_before_it() -> None:
    since = datetime(2026, 11, 22, 13, 0, tzinfo=UTC)  # 10:00 in Santiago (UTC-3)
    dates = ["2026-11-22T09:59:59.999-03:00", "2026-11-22T12:59:00Z", "2026-11-22T10:00:00-03:00",
             "2026-11-22T09:00:00"]
    assert scope.dated_before([_entry(d) for d in dates], since) == 2  # the third is at the deactivation itself
    assert scope.dated_before([_entry("2026-11-22T09:00:00"), _entry(dates[0])], since) == 0  # no offset: after
    assert scope.dated_before([_entry("ayer"), _entry(dates[0])], since) == 0
    assert scope.dated_before([_entry(dates[0])], since) == 1


def test_the_servers_own_folio_and_an_old_epochs_lease_at_the_push(pg_database: str) -> None:
    data = migrated(pg_database, {1: SAMPLE_RUT})

    async def work(pool: psycopg_pool.AsyncConnectionPool) -> tuple[int, int]:
        till = await Till.enroll(pool, 1)
        await folios.import_caf(pool, 1, sample_caf(39), today=TODAY, lease_size=5, low_water=2)
        async with db.tenant_tx(pool, 1) as conn:  # HQ stamps a document with a folio of its own lease
            taken = await folios.take_server_folio(conn, 1, 39, today=TODAY)
        assert taken is not None
        server_folio = taken[0]
        till.sell(39, 1)
        till.sell(39, server_folio)
        ack = await till.push(pool, **SIZES)
        assert (ack.applied, ack.quarantined) == (1, 1)
        # a new epoch: an entry carried over keeps its folio of the retired lease; the new lease is usable too
        await till.restore(pool, keep=0, **SIZES)
        fresh = (await till.leases(pool))[0]["desde"]
        till.sell(39, 2)
        till.sell(39, fresh)
        ack = await till.push(pool, **SIZES)
        assert (ack.applied, ack.quarantined) == (2, 0)
        return server_folio, fresh

    server_folio, fresh = data.run(work)
    assert data.rows("SELECT seq, reason FROM quarantine") == [
        (2, f"folio no asignado a esta caja: el folio de la boleta N° {server_folio} es del servidor (documentos que"
            " emite HQ); la venta no se registró y su documento no se envía al SII")]
    assert data.rows("SELECT folio, epoch FROM dte_documents ORDER BY folio") == [(1, 1), (2, 2), (fresh, 2)]
    assert data.rows("SELECT folio FROM dte_outbox ORDER BY folio") == [(1,), (2,), (fresh,)]
    assert data.rows("SELECT count(*) FROM sales") == [(3,)]


def test_back_office_events_name_only_their_stores_warehouses_and_a_transfer_or_count_applies_once(
        pg_database: str) -> None:
    """A forged, misdirected or replayed TransferReceived, a doubled count, a merma or a return from another
    store's warehouse, a transfer naming a third store's warehouse: quarantined with the reason, nothing moved."""
    from tests.syncserver.ingest import back_office_kit as kit

    data = kit.world(pg_database)
    centro, norte, sur = kit.enroll(data, "centro"), kit.enroll(data, "norte"), kit.enroll(data, "sur")
    centro.record(kit.purchase("ACE-1", "10", 10000, "centro"))
    centro.record(kit.sent("tr-1", "centro", "norte", "norte-bodega", "ACE-1", "3"))
    centro.record(kit.sent("tr-2", "centro", "norte", "sur-bodega", "ACE-1", "1"))  # sur's bodega, to norte
    centro.record(kit.sent("tr-3", "norte", "centro", "centro", "ACE-1", "1"))  # from norte's sala
    centro.record(kit.sent("tr-4", "centro", "oeste", "oeste", "ACE-1", "1"))  # no such store
    centro.record(kit.sent("tr-1", "centro", "norte", "norte", "ACE-1", "3"))  # the id again
    centro.record(kit.merma("m-1", "norte-bodega", "ACE-1", "1"))
    centro.record(kit.returned("dev-1", "sur", "ACE-1", "1", 1000))
    centro.record(kit.counted("cnt-1", "centro", "ACE-1", "7", "6"))
    centro.record(kit.counted("cnt-1", "centro", "ACE-1", "6", "5"))  # posted twice in one batch
    assert kit.push(data, centro).applied == 3
    centro.record(kit.counted("cnt-1", "centro", "ACE-1", "6", "5"))  # and again later
    centro.record(kit.merma("m-2", "centro", "ACE-1", "1"))
    centro.record(kit.merma("m-2", "centro", "ACE-1", "1"))
    assert kit.push(data, centro).applied == 1
    sur.record(kit.received("tr-1", "centro", "sur", "ACE-1", "3", "3"))  # sent to norte
    sur.record(kit.received("tr-9", "centro", "sur", "ACE-1", "3", "3"))  # forged: never sent
    sur.record(kit.counted("cnt-1", "sur", "ACE-1", "0", "5"))  # centro's count id
    assert kit.push(data, sur).applied == 0
    norte.record(kit.received("tr-1", "sur", "norte-bodega", "ACE-1", "3", "3"))  # wrong sender
    norte.record(kit.received("tr-1", "centro", "centro", "ACE-1", "3", "3"))  # into centro's sala
    norte.record(kit.received("tr-1", "centro", "norte-bodega", "ACE-1", "3", "2"))
    norte.record(kit.received("tr-1", "centro", "norte-bodega", "ACE-1", "3", "2"))  # replayed
    assert kit.push(data, norte).applied == 1
    norte.record(kit.received("tr-1", "centro", "norte", "ACE-1", "3", "3"))  # replayed in a later batch
    assert kit.push(data, norte).applied == 0

    reasons = [(t.split(".")[-1], r) for _seq, t, r in kit.quarantined(data)]
    terminals = sorted([(centro.terminal_id, "c"), (norte.terminal_id, "n"), (sur.terminal_id, "s")])
    order = [name for _id, name in terminals]
    by_till = {name: [] for name in order}  # type: dict[str, list[tuple[str, str]]]
    rows = data.rows("SELECT terminal_id, type, reason FROM quarantine ORDER BY terminal_id, epoch, seq")
    names = dict(terminals)
    for terminal_id, type_, reason in rows:
        by_till[names[terminal_id]].append((type_.split(".")[-1], reason))
    assert len(reasons) == 16
    assert by_till["c"] == [
        ("transfer_sent", "bodega ajena: el traslado tr-2 va a la tienda «norte» pero nombra la bodega «sur-bodega»,"
                          " que es de la tienda «sur»; no se aplicó"),
        ("transfer_sent", "bodega ajena: el traslado tr-3 saca mercadería de la bodega «norte» de la tienda «norte»,"
                          " y esta caja es de la tienda «centro»; no se aplicó"),
        ("transfer_sent", "tienda desconocida: el traslado tr-4 va a la tienda «oeste», que HQ no tiene entre las"
                          " tiendas de la empresa; no se aplicó"),
        ("transfer_sent", "traslado repetido: el traslado tr-1 ya se envió antes; la mercadería sale una vez"),
        ("merma_recorded", "bodega ajena: la merma m-1 saca mercadería de la bodega «norte-bodega» de la tienda"
                           " «norte», y esta caja es de la tienda «centro»; no se aplicó"),
        ("supplier_returned", "bodega ajena: la devolución al proveedor dev-1 saca mercadería de la bodega «sur» de"
                              " la tienda «sur», y esta caja es de la tienda «centro»; no se aplicó"),
        ("count_posted", "toma ya registrada: la toma de inventario cnt-1 se registró antes; sus ajustes se aplican"
                         " una vez"),
        ("count_posted", "toma ya registrada: la toma de inventario cnt-1 se registró antes; sus ajustes se aplican"
                         " una vez"),
        ("merma_recorded", "la merma m-2 ya llegó antes (id repetido); se aplica una vez")]
    assert by_till["s"] == [
        ("transfer_received", "traslado de otra tienda: el traslado tr-1 se envió a la tienda «norte», y esta caja"
                              " es de la tienda «sur»; la mercadería no entró"),
        ("transfer_received", "traslado desconocido: la recepción del traslado tr-9 nombra un traslado que ninguna"
                              " tienda envió; la mercadería no entró"),
        ("count_posted", "toma de otra tienda: la toma de inventario cnt-1 es de la tienda «centro»; no se aplicó")]
    assert by_till["n"] == [
        ("transfer_received", "traslado mal identificado: el traslado tr-1 lo envió la tienda «centro», no «sur»; la"
                              " mercadería no entró"),
        ("transfer_received", "bodega ajena: la recepción del traslado tr-1 pone mercadería en la bodega «centro» de"
                              " la tienda «centro», y esta caja es de la tienda «norte»; no se aplicó"),
        ("transfer_received", "traslado ya recibido: el traslado tr-1 se recibió antes; la mercadería entra una vez"),
        ("transfer_received", "traslado ya recibido: el traslado tr-1 se recibió antes; la mercadería entra una vez")]
    # what was applied: 10 bought, 3 sent, 1 counted away, 1 merma at centro; 2 of the 3 received at norte
    assert kit.stock(data, ("centro", "centro-bodega", "norte", "norte-bodega", "sur", "sur-bodega")) == {
        ("centro", "ACE-1"): Decimal(5), ("norte-bodega", "ACE-1"): Decimal(2)}
    assert data.rows("SELECT transfer_id, state, received_by FROM transfers") == [("tr-1", "received", "beto")]
    assert data.rows("SELECT sku, sent, received FROM transfer_received_lines") == [
        ("ACE-1", Decimal(3), Decimal(2))]
    assert data.rows("SELECT count_id, state FROM counts") == [("cnt-1", "posted")]
    assert data.rows("SELECT count(*) FROM kardex WHERE store_id = 'sur'") == [(0,)]
    audited = data.rows("SELECT count(*) FROM audit_log WHERE kind = 'event_quarantined'")
    assert audited == [(16,)]
