"""The master's restore drill (syncserver/backups.py, docs/backups.md): back up, lose the database, restore, and
the real tills carry on syncing with nothing lost or doubled, on a real PostgreSQL and a real server."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import itertools
import json
import random
import uuid
from datetime import UTC, datetime
from decimal import Decimal

import psycopg
import psycopg_pool
import pytest
from argon2 import PasswordHasher

from desktop import cli as pos_cli
from desktop import settings as settings_mod
from desktop import terminal as terminal_mod
from desktop.demo import seed
from desktop.drivers.fakes import FakeDrawer, FakePrinter
from desktop.journal import read_models
from desktop.net.sync_client import SyncClient
from desktop.services.backups import BackupService
from desktop.services.sync import SyncService
from desktop.settings import BackupSettings
from shared import signing
from shared.sale import TenderKind
from syncserver import app as app_mod
from syncserver import backups, bootstrap, cli, tenancy
from syncserver import settings as server_settings
from syncserver.dte import certs
from tests.e2e import sync_kit
from tests.syncserver.dte.sii_kit import PFX_PASSWORD, holder_pfx

ROWS = sync_kit.catalog_rows(5)
SECRET = "drill-secret"
KEPT = ("events", "sync_tracking", "terminals", "tenant_certificates", "sales", "stock")


def _digest(admin_url: str) -> dict[str, str]:
    with psycopg.connect(admin_url) as conn:
        return {t: hashlib.sha256(repr(conn.execute(f"SELECT * FROM {t} ORDER BY 1, 2").fetchall()).encode()
                                  ).hexdigest() for t in KEPT}


class Server:
    """The server of the moment: its URL, and HQ operations as the application role (``sync_kit`` reads it)."""

    def __init__(self, url: str, admin_url: str, app_url: str) -> None:
        self.url, self.admin_url, self.app_url = url, admin_url, app_url

    def run(self, coro_factory):
        async def main():
            async with psycopg_pool.AsyncConnectionPool(self.app_url, min_size=1, max_size=2, open=False) as pool:
                return await coro_factory(pool)
        return asyncio.run(main())


class Tills:
    """Enrolled tills whose sync client points at the server of the moment (it comes back at a new address)."""

    def __init__(self, tmp_path, server: Server) -> None:
        self.tmp_path, self.server, self.items = tmp_path, server, []
        self.hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)

    def add(self, store_id: str) -> tuple[terminal_mod.Terminal, SyncService]:
        n = len(self.items) + 1
        terminal_id = str(uuid.uuid4())
        code = self.server.run(lambda pool: tenancy.issue_enrollment_code(pool, 1, store_id, f"Caja {n}"))
        key = signing.new_private_key()
        client = SyncClient(self.server.url, terminal_id, key)
        client.enroll(str(code), signing.public_key(key))
        s = settings_mod.TerminalSettings(data_dir=self.tmp_path / f"till{n}", tenant_id=1, store_id=store_id,
                                          terminal_id=terminal_id)
        term = terminal_mod.build(s, create=True, printer=FakePrinter(), drawer=FakeDrawer(), hasher=self.hasher)
        seed.seed(term, ROWS)
        self.items.append([term, key, client])
        return term, SyncService(term.journal, client)

    def reconnect(self, url: str) -> list[SyncService]:
        services = []
        for item in self.items:
            item[2].close()
            item[2] = SyncClient(url, item[0].journal.identity.terminal_id, item[1])
            services.append(SyncService(item[0].journal, item[2]))
        return services

    def reopen(self, index: int, url: str) -> tuple[terminal_mod.Terminal, SyncService]:
        """Open till ``index`` again from its data folder (after ``almacen pos restore``), connected to ``url``."""
        old, key, client = self.items[index]
        client.close()
        term = terminal_mod.build(old.settings, printer=FakePrinter(), drawer=FakeDrawer(), hasher=self.hasher)
        client = SyncClient(url, term.journal.identity.terminal_id, key)
        self.items[index] = [term, key, client]
        return term, SyncService(term.journal, client)

    def close(self) -> None:
        for term, _key, client in self.items:
            client.close()
            term.close()


def _synced(service: SyncService) -> None:
    """Sync rounds until the master holds the whole journal (what a pull brings, e.g. a lease, is journaled after
    the round's push: the next round sends it)."""
    for _ in range(3):
        status = service.sync_once(service.journal.clock())
        assert status.online, status
        if status.pending == 0:
            return
    raise AssertionError(status)


def _held(term: terminal_mod.Terminal) -> set[tuple[int, int, int]]:
    """``(tipo, desde, hasta)`` of the HQ leases the till's journal holds."""
    return {(t, d, h) for t, d, h, _e in read_models.held_leases(term.journal.conn)}


def _leased(server: Server, term: terminal_mod.Terminal) -> set[tuple[int, int, int]]:
    """``(tipo, desde, hasta)`` of the master's leases to the till."""
    return set(sync_kit.master(server, "SELECT tipo, desde, hasta FROM folio_leases WHERE terminal_id = %s", 1,
                               (term.journal.identity.terminal_id,)))


def _stamped(term: terminal_mod.Terminal) -> list[tuple[int, int]]:
    """``(tipo, folio)`` of every document the till's sales carry."""
    return [(e.payload["document"]["tipo"], e.payload["document"]["folio"]) for e in term.journal.read()
            if e.type == "sale.completed" and e.payload.get("document")]


def _within(folios: list[tuple[int, int]], leases: set[tuple[int, int, int]]) -> list[tuple[int, int]]:
    return [(t, f) for t, f in folios if any(t == lt and d <= f <= h for lt, d, h in leases)]


def _cash(term: terminal_mod.Terminal, sales: int, seed_: int) -> None:
    """Cash sales: each takes a boleta folio while the till has one."""
    sync_kit.sell(term, sales, random.Random(seed_), 5, tenders=(TenderKind.CASH,))


def test_backup_lose_the_database_restore_and_the_tills_carry_on(cluster, serve_in_thread, tmp_path, monkeypatch,
                                                                 capsys):
    name = f"drill_{uuid.uuid4().hex[:10]}"
    admin_url = cluster.create_database(name)
    app_url = bootstrap.migrate(admin_url, "drill-app-password")
    monkeypatch.setenv("ALMACEN_DATABASE_URL", app_url)  # what `almacen server admin` reads, as on a real server
    monkeypatch.delenv(bootstrap.ADMIN_URL_VARIABLE, raising=False)
    settings = server_settings.ServerSettings(database_url=app_url, secret_key=SECRET, max_batch_events=5000,
                                              folio_lease_size=4, folio_low_water=2)
    dump = tmp_path / "master.dump"
    tills = None
    try:
        with serve_in_thread(app_mod.create_app(settings)) as url:
            server = Server(url, admin_url, app_url)
            sync_kit.setup_tenants(server)
            server.run(lambda pool: certs.store(pool, 1, holder_pfx(), PFX_PASSWORD, SECRET))
            tills = Tills(tmp_path, server)
            (a, sync_a), (b, sync_b) = tills.add("centro"), tills.add("norte")
            sync_kit.lease_sample_folios(server, 1, lease_size=4)  # boletas 1–20, 4 at a time, 2 the low water
            _synced(sync_a)
            _synced(sync_b)
            _cash(a, 3, 1)
            _cash(b, 2, 2)
            _synced(sync_a)  # a is below the low water: leased 4 more (known to the dump)
            _synced(sync_b)
            till_copy = BackupService(b.journal.path, b.settings.data_dir, b.journal.identity.terminal_id,
                                      BackupSettings(folder=str(tmp_path)), b.journal.clock, pause=0).run()
            assert till_copy.ok, till_copy.error
            b_at_copy = b.journal.head[0]
            assert cli.main(["admin", "backup", str(dump)]) == 1
            assert f"Defina {bootstrap.ADMIN_URL_VARIABLE}" in capsys.readouterr().err
            monkeypatch.setenv(bootstrap.ADMIN_URL_VARIABLE, admin_url)
            assert cli.main(["admin", "backup", str(dump)]) == 0  # while the server runs
            made = json.loads(capsys.readouterr().out)
            at_backup = _digest(admin_url)
            info = backups.check(dump)
            assert made["sha256"] == info.sha256 and made["bytes"] == dump.stat().st_size
            assert {"dte_outbox", "tenant_certificates", "events"} <= set(info.tables)
            assert cli.main(["admin", "backup", str(dump)]) == 1
            assert "no se sobrescribe" in capsys.readouterr().err and not list(tmp_path.glob("*.parcial"))
            at_dump = {"a": _leased(server, a), "b": _leased(server, b)}
            _cash(a, 4, 3)  # acknowledged after the backup: the restore loses them
            _synced(sync_a)  # and a lease given after the backup, which a stamps from
            after_dump = _held(a) - at_dump["a"]
            assert after_dump, "a must hold a lease the dump does not know"
            _cash(a, 2, 8)
            _synced(sync_a)
            assert _within(_stamped(a), after_dump)
            _cash(b, 2, 4)  # never pushed before the disk dies: b is out of folios (0 left)

        cluster.drop_database(name)  # the disk dies with the server stopped
        with pytest.raises(backups.BackupError, match="pg_restore --list falló"):
            backups.restore(admin_url, _not_a_dump(tmp_path), datetime.now(UTC))
        restored = backups.restore(admin_url, dump, datetime.now(UTC))
        assert restored.sha256 == info.sha256 and restored.previous == "" and restored.tenants == 2
        assert _digest(admin_url) == at_backup  # the certificate (still encrypted), events, tracking as they were
        with pytest.raises(backups.BackupError, match="ya tiene datos"):
            backups.restore(admin_url, dump, datetime.now(UTC))

        assert restored.held == 2  # folio leasing on hold until both tills report theirs
        with serve_in_thread(app_mod.create_app(settings)) as url, contextlib.ExitStack() as stack:
            server = Server(url, admin_url, app_url)
            sync_a, sync_b = tills.reconnect(url)
            hq = stack.enter_context(sync_kit.hq_owner(server))
            page = hq.get("/hq/folios").text
            assert "retenidos" in page and "Caja 1" in page and "Caja 2" in page
            # b first: it pushes what the master lost (gap) below its low water, and asks the master for folios
            # the restored master would lease the range after the dump's last: a's lease given after the dump
            _synced(sync_b)
            assert _leased(server, b) == at_dump["b"] and _held(b) == at_dump["b"]  # held: nothing leased, till a
            _synced(sync_a)  # the server asks again for what it lost (gap), the till sends it, then its leases
            assert after_dump <= _leased(server, a)  # leased back to a, with the sales it stamped from them
            _cash(a, 1, 5)
            _cash(b, 1, 6)
            _synced(sync_a)
            _synced(sync_b)  # the hold is over: b's push leases it folios past a's, its pull brings them
            new_for_b = _held(b) - at_dump["b"]
            assert new_for_b and not _within([(t, f) for t, d, h in _held(a) for f in (d, h)], new_for_b)
            _cash(b, 1, 9)
            _synced(sync_b)
            assert _within(_stamped(b), new_for_b)  # both carry on, each on its own folios
            assert "retenidos" not in hq.get("/hq/folios").text
            stack.close()
            signer = server.run(lambda pool: certs.load_signer(pool, 1, SECRET))
            assert signer is not None

        assert sync_kit.master(server, "SELECT reason FROM quarantine", 1) == []
        for term in (a, b):
            ident = term.journal.identity
            stored = sync_kit.master(server, "SELECT seq, hash FROM events WHERE terminal_id = %s ORDER BY seq", 1,
                                     (ident.terminal_id,))
            assert stored == [(e.seq, e.hash) for e in term.journal.read()]  # every event once, the same chain
        journal_sales = sorted(e.payload["sale_id"] for term in (a, b) for e in term.journal.read()
                               if e.type == "sale.completed")
        master_sales = sorted(s for (s,) in sync_kit.master(server, "SELECT sale_id FROM sales", 1))
        assert master_sales == journal_sales and len(journal_sales) == 3 + 2 + 4 + 2 + 2 + 1 + 1 + 1
        stamped = sorted(_stamped(a) + _stamped(b))
        assert len(set(stamped)) == len(stamped)  # no folio stamped twice, by one till or by both
        assert sorted(sync_kit.master(server, "SELECT tipo, folio FROM dte_documents", 1)) == stamped
        leases = sorted(sync_kit.master(server, "SELECT tipo, desde, hasta FROM folio_leases", 1))
        assert all(x[0] != y[0] or x[2] < y[1] for x, y in itertools.pairwise(leases))  # disjoint
        expected = {row["sku"]: 2 * Decimal(row["stock"]) for row in ROWS}  # both stores' opening stock
        for sku, quantity in sync_kit.master(server, "SELECT sku, quantity FROM sale_lines", 1):
            expected[sku] -= Decimal(quantity)
        assert dict(sync_kit.master(server, "SELECT sku, sum(quantity) FROM stock GROUP BY sku", 1)) == expected

        # the till's own disk dies too: its backup (taken when the master's was) goes back with `almacen pos restore`
        before = sync_kit.master(server, "SELECT sale_id FROM sales", 1)
        b.close()
        assert pos_cli.main(["pos", "restore", till_copy.file, "--data", str(b.settings.data_dir)]) == 0
        said_till = capsys.readouterr()
        restored_till = json.loads(said_till.out)
        assert restored_till["head_seq"] == b_at_copy and restored_till["previous"].endswith(
            tuple("0123456789"))  # journal.sqlite3.antes-<fecha>: the lost disk's journal, kept
        assert restored_till["folios_retired"] and "Conecte la caja a HQ antes de vender" in said_till.err
        given_up = {(t, d, h) for t, d, h, _first in restored_till["folios_retired"]}
        with serve_in_thread(app_mod.create_app(settings)) as url:
            server = Server(url, admin_url, app_url)
            b, sync_b = tills.reopen(1, url)
            copied = _stamped(b)
            sync_kit.sell(b, 1, random.Random(7), 5, tenders=(TenderKind.CASH,))  # before it syncs: no boleta
            assert _stamped(b) == copied
            _synced(sync_b)
            assert b.journal.identity.epoch == 2  # the server held more than the file: a new epoch, nothing resent
            _cash(b, 1, 8)  # the sample CAF's 20 boletas are all leased by now: nothing new to lease
            _synced(sync_b)
        after = sync_kit.master(server, "SELECT sale_id FROM sales", 1)
        new = {e.payload["sale_id"] for e in b.journal.read() if e.type == "sale.completed"}
        assert len(new) == 2 and sorted(after) == sorted(before + [(sale,) for sale in new])
        # the restored copy gave up every lease it held when copied (folio.leases_retired): the folios its lost disk
        # used after the copy are never stamped again (a till given a new range stamps from it: tests/desktop/services
        # test_folios.py, tests/syncserver/dte/test_folios.py)
        assert _stamped(b) == [] and b.checkout.folios.folios_left(39) == 0
        retired = set(sync_kit.master(server, "SELECT tipo, desde, hasta FROM folio_leases WHERE terminal_id = %s"
                                      " AND retired_at IS NOT NULL", 1, (b.journal.identity.terminal_id,)))
        assert given_up <= retired
        assert sync_kit.master(server, "SELECT reason FROM quarantine", 1) == []
        assert sorted(sync_kit.master(server, "SELECT tipo, folio FROM dte_documents", 1)) == stamped

        stored_events = len(sync_kit.master(server, "SELECT 1 FROM events", 1))
        assert cli.main(["admin", "restore", str(dump), "--reemplazar"]) == 0  # a database in place is kept aside
        said = capsys.readouterr()
        done = json.loads(said.out)
        assert "informen los folios que tienen" in said.err and done["terminals_asked"] == 2
        assert done["database"] == name and done["previous"].startswith(f"{name}_antes_")
        with psycopg.connect(cluster.dsn(done["previous"])) as conn:
            assert conn.execute("SELECT count(*) FROM events").fetchone()[0] == stored_events
        cluster.drop_database(done["previous"])
    finally:
        if tills is not None:
            tills.close()
        cluster.drop_database(name)


def _not_a_dump(tmp_path):
    path = tmp_path / "not-a-dump"
    path.write_bytes(b"PGDMP" + b"\x00" * 64)
    return path
