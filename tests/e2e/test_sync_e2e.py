"""Terminals of two tenants sell offline, then sync into a real server and PostgreSQL: the master equals the
fold of their journals, nothing is doubled by re-sending, and no batch crosses tenants."""

from __future__ import annotations

import dataclasses
import random
import uuid
from collections import defaultdict
from decimal import Decimal

import httpx
import psycopg
import pytest

from desktop.journal import read_models
from shared import signing, sync
from shared.events import envelope, registry
from syncserver import catalog, tenancy
from syncserver.ingest import rebuild
from tests.e2e import sync_kit

ROWS = sync_kit.catalog_rows(40)
_setup_tenants = sync_kit.setup_tenants
_master = sync_kit.master


def _sell(till, sales: int, rng: random.Random, products: int = 40) -> None:
    sync_kit.sell(till.terminal, sales, rng, products)


def _journal_fold(tills, skip: frozenset[str] = frozenset()) -> tuple[dict, dict, dict]:
    """The journals' sales, stock and returns, without the sales of ``skip`` (sale ids the master quarantined)."""
    sales: dict[str, int] = {}
    returned: dict[str, int] = {}
    stock: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for till in tills:
        store = till.terminal.journal.identity.store_id
        for e in till.terminal.journal.read():
            if e.type == "sale.completed" and e.payload["sale_id"] in skip:
                continue
            if e.type == "sale.completed":
                sales[e.payload["sale_id"]] = e.payload["total"]
                for line in e.payload["lines"]:
                    stock[(store, line["sku"])] -= Decimal(line["quantity"])
            elif e.type == "stock.adjusted":
                stock[(store, e.payload["sku"])] += Decimal(e.payload["delta"])
            elif e.type == "sale.returned":
                returned[e.payload["return_id"]] = e.payload["total"]
                for line in e.payload["lines"]:
                    stock[(store, line["sku"])] += Decimal(line["quantity"])
    return sales, stock, returned


def _sale_with_stray_folio(till) -> str:
    """Journal a copy of the till's last boleta as a new sale stamped with folio 999, which no CAF covers (a till
    gone wrong); returns its sale_id."""
    last = next(e for e in reversed(list(till.terminal.journal.read()))
                if e.type == "sale.completed" and e.payload.get("document"))
    event = registry.build_codec().decode(last.type, last.version, last.payload)
    stray = dataclasses.replace(event, sale_id=str(uuid.uuid4()),
                                number=read_models.last_sale_number(till.terminal.journal.conn) + 1,
                                document=dataclasses.replace(event.document, folio=999))
    with till.terminal.journal.unit_of_work() as uow:
        uow.append(stray)
    return stray.sale_id


@pytest.mark.slow
def test_offline_terminals_of_two_tenants_converge_exactly(server, make_till):
    _setup_tenants(server)
    rng = random.Random(7)
    t1 = make_till(1, "centro", ROWS)
    t2 = make_till(1, "norte", ROWS)
    t3 = make_till(2, "esquina", ROWS)
    sync_kit.lease_sample_folios(server, 2)  # tenant 2's till issues boletas and notas de crédito
    assert t3.sync.sync_once(t3.terminal.journal.clock()).online
    tills = [t1, t2, t3]
    for till in tills:
        _sell(till, 500, rng)
        assert till.sync.pending() > 500
    # tenant 2's till takes goods back: a whole sale, and one line of another (its stock, units or kg, comes back)
    boletas = [r.sale_id for r in t3.terminal.returns.recent(500) if r.tipo == 39]
    sync_kit.give_back(t3.terminal, boletas[0], None, "cliente arrepentido")
    sale = next(f.sale for f in map(t3.terminal.returns.find_sale, boletas[1:]) if len(f.sale.lines) > 1)
    sync_kit.give_back(t3.terminal, sale.sale_id, {sale.lines[0].line_id: sale.lines[0].quantity}, "vencido")
    stray = _sale_with_stray_folio(t3)
    for till in tills:
        status = till.sync.sync_once(till.terminal.journal.clock())
        assert status.online and status.pending == 0, status
    # the master quarantines that sale whole: a till may issue only the folios leased to it, and nothing of a
    # sale stamped with another is applied (its boleta never reaches the SII); the owner sees it in HQ
    assert _master(server, "SELECT reason, folded FROM quarantine", 2) == [
        ("folio no asignado a esta caja: ninguna caja recibió el folio de la boleta N° 999; la venta no se registró"
         " y su documento no se envía al SII", False)]
    assert _master(server, "SELECT count(*) FROM sales WHERE sale_id = %s", 2, (stray,)) == [(0,)]
    assert _master(server, "SELECT count(*) FROM dte_documents WHERE folio = 999", 2) == [(0,)]
    for tenant, group in ((1, [t1, t2]), (2, [t3])):
        sales, stock, returned = _journal_fold(group, frozenset({stray}))
        master_sales = dict(_master(server, "SELECT sale_id, total FROM sales", tenant))
        assert master_sales == sales
        assert dict(_master(server, "SELECT return_id, total FROM returns", tenant)) == returned
        assert len(returned) == (2 if tenant == 2 else 0)
        master_stock = {(w, s): q for w, s, q in _master(server, "SELECT warehouse_id, sku, quantity FROM stock",
                                                          tenant)}
        assert {k: v for k, v in master_stock.items() if v != 0} == {k: v for k, v in stock.items() if v != 0}
        _all, at_tills, _returned = _journal_fold(group)  # each till holds what it sold, the stray sale too
        for till in group:
            conn = till.terminal.journal.conn
            for (store, sku), qty in at_tills.items():
                if store == till.terminal.journal.identity.store_id:
                    assert read_models.stock_on_hand(conn, sku) == qty
    # tenant 2 sees nothing of tenant 1, and no tenant set means no rows at all
    assert _master(server, "SELECT count(*) FROM sales WHERE tenant_id = 1", 2) == [(0,)]
    with psycopg.connect(server.app_url) as conn:
        assert conn.execute("SELECT count(*) FROM sales").fetchone() == (0,)
        assert conn.execute("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user"
                            ).fetchone() == (False, False)

    # the master's read models are folds of the stored events: rebuilding them gives the same rows (the sale whose
    # boleta was refused included)
    snapshot_sql = ("SELECT (SELECT json_agg(s ORDER BY sale_id) FROM sales s), (SELECT json_agg(l ORDER BY sale_id,"
                    " line_id) FROM sale_lines l), (SELECT json_agg(k ORDER BY warehouse_id, sku) FROM stock k),"
                    " (SELECT json_agg(h ORDER BY shift_id) FROM shifts h), (SELECT json_agg(t ORDER BY sale_id, kind)"
                    " FROM sale_tenders t), (SELECT json_agg(r ORDER BY return_id) FROM returns r),"
                    " (SELECT json_agg(x ORDER BY return_id, line_id) FROM return_lines x),"
                    " (SELECT json_agg(f ORDER BY return_id, kind) FROM return_refunds f)")
    for tenant in (1, 2):
        before_rebuild = _master(server, snapshot_sql, tenant)
        folded = server.run(lambda pool, t=tenant: rebuild.rebuild(pool, registry.build_codec(), t))
        after_rebuild = _master(server, snapshot_sql, tenant)
        for part, (a, b) in enumerate(zip(before_rebuild[0], after_rebuild[0], strict=True)):
            if a != b:
                diff = [(x, y) for x, y in zip(a, b, strict=False) if x != y][:2]
                raise AssertionError(f"part {part}: {diff}")
        assert folded > 0

    # re-sending every batch twice changes nothing and returns the same ack
    before = _master(server, "SELECT count(*), sum(total) FROM sales", 1)
    for _ in range(2):
        t1.terminal.journal.set_sync_state(**{"acked_seq:1": 0, "acked_hash:1": ""})
        t1.sync.batch_size = 300
        assert t1.sync.sync_once(t1.terminal.journal.clock()).online
    assert _master(server, "SELECT count(*), sum(total) FROM sales", 1) == before


def test_batches_that_claim_another_tenant_or_are_forged_are_refused(server, make_till):
    _setup_tenants(server)
    a = make_till(1, "centro", ROWS[:5])
    entries = tuple(a.terminal.journal.read(limit=10))
    ident = a.terminal.journal.identity
    claimed, prev = [], envelope.GENESIS_HASH
    for e in entries:  # tenant A's terminal re-seals its events as if they were tenant B's
        sealed = envelope.seal(**{**e.body(), "tenant_id": 2, "store_id": "esquina", "prev_hash": prev})
        claimed.append(sealed)
        prev = sealed.hash
    forged = sync.PushBatch(2, "esquina", ident.terminal_id, ident.epoch, 1, envelope.GENESIS_HASH, tuple(claimed))
    with pytest.raises(sync.SyncError) as info:
        a.client.push(forged)
    assert info.value.code == "tenant"
    other_key = signing.new_private_key()
    body = sync.PushBatch(1, "centro", ident.terminal_id, 1, 1, entries[0].prev_hash, entries).to_bytes()
    response = httpx.post(server.url + "/sync/push", content=body, headers={
        "X-Terminal": ident.terminal_id, "X-Signature": signing.sign(other_key, body)})
    assert response.status_code == 401 and response.json()["error"] == "unauthenticated"
    response = httpx.post(server.url + "/sync/push", content=b"{not json", headers={
        "X-Terminal": ident.terminal_id, "X-Signature": signing.sign(a.client.private_key, b"{not json")})
    assert response.status_code == 400 and response.json()["error"] == "malformed"
    assert _master(server, "SELECT count(*) FROM events", 1) == [(0,)]
    assert _master(server, "SELECT count(*) FROM events", 2) == [(0,)]


def test_gap_replay_revocation_and_reused_code(server, make_till):
    _setup_tenants(server)
    a = make_till(1, "centro", ROWS[:5])
    entries = tuple(a.terminal.journal.read())
    ident = a.terminal.journal.identity
    later = sync.PushBatch(1, "centro", ident.terminal_id, 1, 5, entries[3].hash, entries[4:8])
    with pytest.raises(sync.SyncError) as info:
        a.client.push(later)
    assert info.value.code == "gap" and info.value.data["expected_seq"] == 1
    first = sync.PushBatch(1, "centro", ident.terminal_id, 1, 1, entries[0].prev_hash, entries[:4])
    ack = a.client.push(first)
    assert ack.acked_seq == 4 and a.client.push(first) == sync.Ack(1, 4, entries[3].hash)
    server.run(lambda pool: tenancy.revoke(pool, 1, ident.terminal_id))
    with pytest.raises(sync.SyncError) as info:
        a.client.push(later)
    assert info.value.code == "revoked"
    code = server.run(lambda pool: tenancy.issue_enrollment_code(pool, 1, "centro", "Caja X"))
    from desktop.net.sync_client import SyncClient
    key, key2 = signing.new_private_key(), signing.new_private_key()
    first_client, second_client = SyncClient(server.url, "t-new", key), SyncClient(server.url, "t-other", key2)
    try:
        first_client.enroll(str(code), signing.public_key(key))
        with pytest.raises(sync.SyncError) as info:
            second_client.enroll(str(code), signing.public_key(key2))
    finally:
        first_client.close()
        second_client.close()
    assert info.value.code == "enrollment" and "ya fue usado" in info.value.detail


def test_price_change_in_hq_reaches_the_terminal(server, make_till):
    _setup_tenants(server)
    a = make_till(1, "centro", ROWS[:5])
    product = {"sku": "P001", "name": "Producto 1", "price": 990, "category": "Abarrotes", "sold_by": "unit",
               "plu": "4001", "brand": "", "barcodes": [], "iva_exempt": False, "favourite": True, "active": True}
    server.run(lambda pool: catalog.upsert_product(pool, 1, product))
    assert a.sync.sync_once(a.terminal.journal.clock()).online
    assert read_models.by_plu(a.terminal.journal.conn, "4001").price == 990
    with pytest.raises(catalog.CatalogError):
        server.run(lambda pool: catalog.upsert_product(pool, 1, {**product, "price": 1090}, expected_version=5))


def test_restored_backup_continues_as_a_new_epoch(server, make_till, tmp_path):
    _setup_tenants(server)
    a = make_till(1, "centro", ROWS[:5])
    path = a.terminal.journal.path
    backup = tmp_path / "backup.sqlite3"
    import sqlite3
    src = sqlite3.connect(path)
    dst = sqlite3.connect(backup)
    src.backup(dst)
    dst.close()
    src.close()
    _sell(a, 5, random.Random(1), 5)
    assert a.sync.sync_once(a.terminal.journal.clock()).online
    server_head = _master(server, "SELECT max(seq) FROM events", 1)[0][0]
    a.terminal.close()
    path.unlink()
    for suffix in ("-wal", "-shm"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)
    backup.rename(path)
    from desktop import terminal as terminal_mod
    from desktop.services.sync import SyncService
    term = terminal_mod.build(a.terminal.settings, printer=a.terminal.printer, drawer=None,
                              hasher=a.terminal.auth.hasher)
    a.terminal = term
    a.sync = SyncService(term.journal, a.client)
    _sell(a, 3, random.Random(2), 5)
    status = a.sync.sync_once(term.journal.clock())
    assert status.online and status.pending == 0
    assert term.journal.identity.epoch == 2
    epochs = dict(_master(server, "SELECT epoch, max(seq) FROM events GROUP BY epoch", 1))
    assert epochs[1] == server_head and epochs[2] >= 3
    assert len(_master(server, "SELECT sale_id FROM sales", 1)) == 8
