"""The attack suite's world, built once per module: two tenants (A: stores centro and norte; B: store esquina), a till
enrolled in each store with its private key, HQ accounts (A's dueño, contador and encargado of centro; B's dueño)
signed in through ASGI, data of each tenant, and the checks every case ends with: nothing applied (a checksum of
every table), the audit trail's new lines (``syncserver.store.audit.search``)."""

from __future__ import annotations

import asyncio
import contextlib
import re
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import httpx
import psycopg
import psycopg_pool
from starlette.applications import Starlette
from starlette.types import ASGIApp

from shared import money, signing, sync
from shared.events import envelope, fiado, registry, sales, shifts
from syncserver import bootstrap, catalog, tenancy
from syncserver.dte import emisor as emisor_mod
from syncserver.dte import folios
from syncserver.hq import auth
from syncserver.ingest import epoch as epoch_mod
from syncserver.store import audit, db
from tests.syncserver.dte.folio_kit import EMISOR_DATA, SAMPLE_RUT, TODAY, sample_caf
from tests.syncserver.hq.hq_support import FAST, PASSWORD, World, accept, invite, product

Served = Callable[[ASGIApp], AbstractAsyncContextManager[httpx.AsyncClient]]
CODEC = registry.build_codec()
ADDRESS = "127.0.0.1"
"""The client address httpx's ASGI transport reports (what the audit trail must name)."""
RUT_B = "77.888.999-0"
LEASE = {"folio_lease_size": 5, "folio_low_water": 2}

EXCLUDED_TABLES = re.compile(r"^(audit_log|auth_throttle|hq_sessions)$")
"""Tables a refused request may write: the audit trail itself, the rate-limit counters and the sessions' last use."""

KEPT_TABLES = re.compile(r"^stock_rows(_stores|_dirty|_marks)?$")
"""Read models a page brings up to date when it reads them (HQ Stock's kept rows, docs/inventory.md): snapshotted per
tenant (``stock_rows@2``), so a refused request may recount its own tenant's rows but never another's."""

MARKERS = {2: ("Pisco Secreto", "Minimarket La Esquina", "Caja Esquina", "Rosa Díaz", "SECRETO de la esquina",
               RUT_B, "$7.777", "$77.770", "Clienta Secreta Esquina"),
           1: ("Almacenes Don Pepe", "Caja Centro", "Caja Norte", "José Pérez", "Leche Entera Colun",
               "Cliente Fiel Don Pepe")}
"""Text that only a page of that tenant can show (tenant 1's for tenant 2's attacker, and the other way round); not
the ids an attacker types, which a page may echo back (a filter, its own audit line)."""
CUSTOMERS = {"A1": ("0193a000-0000-7000-8000-0000000000a1", "Cliente Fiel Don Pepe"),
             "B": ("0193a000-0000-7000-8000-0000000000b1", "Clienta Secreta Esquina")}
"""A customer created at a till of each tenant (id, name): the victims of HQ's ``/clientes/{customer_id}`` pages."""


@dataclass
class Till:
    """An enrolled terminal as the attacker holds it: its ids and its private key; builds and signs batches."""

    tenant_id: int
    store_id: str
    terminal_id: str
    private_key: bytes
    name: str
    epoch: int = 1
    journal: list[envelope.Envelope] = field(default_factory=list)
    acked: int = 0

    def entry(self, event: Any, *, tenant_id: int | None = None, store_id: str | None = None,
              terminal_id: str | None = None) -> envelope.Envelope:
        """``event`` sealed as this till's next journal entry (the ids overridable: a forged envelope)."""
        type_, version, payload = CODEC.encode(event)
        prev = self.journal[-1].hash if self.journal else envelope.GENESIS_HASH
        sealed = envelope.seal(
            event_id=str(uuid.uuid4()), tenant_id=self.tenant_id if tenant_id is None else tenant_id,
            store_id=store_id or self.store_id, terminal_id=terminal_id or self.terminal_id, epoch=self.epoch,
            seq=len(self.journal) + 1, occurred_at="2026-11-22T10:00:00-03:00", type=type_, version=version,
            payload=payload, prev_hash=prev)
        self.journal.append(sealed)
        return sealed

    def batch(self, *, tenant_id: int | None = None, store_id: str | None = None,
              terminal_id: str | None = None) -> bytes:
        """The unacknowledged entries as the body of a push (its envelope's ids overridable)."""
        new = tuple(self.journal[self.acked:])
        prev = self.journal[self.acked - 1].hash if self.acked else envelope.GENESIS_HASH
        return sync.PushBatch(self.tenant_id if tenant_id is None else tenant_id, store_id or self.store_id,
                              terminal_id or self.terminal_id, self.epoch, self.acked + 1, prev, new).to_bytes()

    def headers(self, body: bytes, *, key: bytes | None = None) -> dict[str, str]:
        return {"X-Terminal": self.terminal_id, "X-Signature": signing.sign(key or self.private_key, body),
                "Content-Type": "application/json"}

    def forget(self) -> None:
        """Drop the unacknowledged entries (a refused batch is not retried by the attacker)."""
        del self.journal[self.acked:]


def shift_opened(shift_id: str) -> shifts.ShiftOpened:
    return shifts.ShiftOpened(shift_id=shift_id, number=1, cashier_id="ana", opening_float=10_000)


def sale(shift_id: str, tipo: int | None = None, folio: int = 0, amount: int = 1000) -> sales.SaleCompleted:
    """A sale of one Pan (an optional stamped document of ``tipo``/``folio``) on ``shift_id``."""
    line = sales.LineSold(1, "PAN-1", "Pan", amount, Decimal(1), "unit", False, 0, amount)
    split = money.split_iva(amount)
    document = sales.DocumentStamped(tipo, folio, f"<TED>{folio}</TED>", "2026-11-22T10:00:00") if tipo else None
    return sales.SaleCompleted(
        sale_id=str(uuid.uuid4()), number=1, shift_id=shift_id, cashier_id="ana", lines=(line,), discount=0,
        total=amount, affected=amount, exento=0, neto=split.neto, iva=split.iva, customer=None,
        tenders=(sales.TenderTaken("cash", amount, amount),), rounding=0, change=0, document=document)


@dataclass
class Account:
    """A signed-in HQ client (or nobody: ``email`` None) and its session's CSRF token."""

    name: str
    tenant_id: int
    email: str | None
    client: httpx.AsyncClient
    token: str = ""
    stores: tuple[str, ...] = ()

    async def sign_in(self) -> None:
        self.client.cookies.clear()
        if self.email is None:
            self.token = World.token((await self.client.get("/hq/login")).text)
            return
        answer = await World.login(self.client, self.email, PASSWORD)
        assert answer.status_code == 303, (self.name, answer.status_code, answer.text[:300])
        self.token = World.token((await self.client.get("/hq/")).text)


@dataclass
class Attack:
    """The module's world: database URLs, the running app, its tills, HQ accounts and an admin connection."""

    admin_url: str
    app_url: str
    runner: asyncio.Runner
    app: Starlette | None = None
    pool: psycopg_pool.AsyncConnectionPool | None = None
    tills: dict[str, Till] = field(default_factory=dict)
    accounts: dict[str, Account] = field(default_factory=dict)
    ids: dict[str, Any] = field(default_factory=dict)
    admin: psycopg.Connection[tuple[Any, ...]] | None = None
    _snapshot_sql: str = ""

    def run(self, work: Awaitable[Any]) -> Any:
        return self.runner.run(work)  # type: ignore[arg-type]

    def rows(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        """As the superuser (sees every tenant): what really is in the database."""
        assert self.admin is not None
        return self.admin.execute(sql, params).fetchall()

    def execute(self, sql: str, *params: Any) -> None:
        assert self.admin is not None
        self.admin.execute(sql, params)

    def tenant_tables(self) -> list[str]:
        return [t for (t,) in self.rows(
            "SELECT c.table_name FROM information_schema.columns c JOIN information_schema.tables t USING"
            " (table_schema, table_name) WHERE c.table_schema = 'public' AND c.column_name = 'tenant_id'"
            " AND t.table_type = 'BASE TABLE' ORDER BY 1")]

    def snapshot(self) -> list[tuple[Any, ...]]:
        """Every table (but :data:`EXCLUDED_TABLES`) as (name, rows, md5 of its rows in order)."""
        if not self._snapshot_sql:
            tables = [t for (t,) in self.rows(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
                " AND table_type = 'BASE TABLE' ORDER BY table_name") if not EXCLUDED_TABLES.search(t)]
            self._snapshot_sql = " UNION ALL ".join(
                f"SELECT '{t}' || coalesce('@' || x.tenant_id, ''), count(*),"
                f" md5(coalesce(string_agg(x::text, '|' ORDER BY x::text), '')) FROM {t} x GROUP BY x.tenant_id"
                if KEPT_TABLES.search(t) else
                f"SELECT '{t}', count(*), md5(coalesce(string_agg(x::text, '|' ORDER BY x::text), '')) FROM {t} x"
                for t in tables)
        return self.rows(self._snapshot_sql)

    def audit_mark(self) -> int:
        """The newest audit line's id (lines after it were written by the case)."""
        return int(self.rows("SELECT coalesce(max(audit_id), 0) FROM audit_log")[0][0])

    async def trail(self, tenant_id: int, since_id: int, *, actor: str = "") -> list[audit.Entry]:
        """``tenant_id``'s audit lines written after ``since_id`` (through ``audit.search``, under RLS)."""
        assert self.pool is not None
        async with db.tenant_tx(self.pool, tenant_id) as conn:
            found = await audit.search(conn, tenant_id, actor=actor, limit=200)
        return [e for e in found if e.audit_id > since_id]

    def changed(self, before: list[tuple[Any, ...]]) -> list[str]:
        """The tables whose rows differ from ``before`` (a kept table per tenant: ``stock_rows@2``)."""
        after = dict((name, rest) for name, *rest in self.snapshot())
        earlier = dict((name, rest) for name, *rest in before)
        return sorted(name for name in earlier.keys() | after.keys() if after.get(name) != earlier.get(name))

    def kept_by(self, tenant_id: int | None) -> set[str]:
        """The kept read models' names of ``tenant_id`` (what a read of its own pages may recount)."""
        if tenant_id is None:
            return set()
        return {f"{t}@{tenant_id}" for (t,) in self.rows(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'") if KEPT_TABLES.search(t)}


async def _enroll(pool: psycopg_pool.AsyncConnectionPool, tenant_id: int, store_id: str, name: str) -> Till:
    code = await tenancy.issue_enrollment_code(pool, tenant_id, store_id, name)
    key = signing.new_private_key()
    enrolled = await tenancy.enroll(pool, code, signing.public_key(key), str(uuid.uuid4()))
    await epoch_mod.first_leases(pool, tenant_id, enrolled.terminal_id, store_id, enrolled.epoch, **LEASE)
    return Till(tenant_id, store_id, enrolled.terminal_id, key, name)


async def push(client: httpx.AsyncClient, till: Till, body: bytes | None = None,
               headers: dict[str, str] | None = None) -> httpx.Response:
    """POST ``body`` (the till's pending batch) to /sync/push signed by the till; acknowledges on 200."""
    body = till.batch() if body is None else body
    answer = await client.post("/sync/push", content=body, headers=headers or till.headers(body))
    if answer.status_code == 200 and headers is None:
        till.acked = answer.json()["acked_seq"]
    return answer


async def _setup(world: Attack, served: Served) -> AsyncIterator[None]:
    pool = psycopg_pool.AsyncConnectionPool(world.app_url, min_size=1, max_size=4, open=False)
    await pool.open()
    world.pool = pool
    await tenancy.create_tenant(pool, 1, "Almacenes Don Pepe", SAMPLE_RUT)
    await tenancy.create_store(pool, 1, "centro", "Centro", bodega=True)
    await tenancy.create_store(pool, 1, "norte", "Norte", bodega=True)
    await tenancy.create_tenant(pool, 2, "Minimarket La Esquina", RUT_B)
    await tenancy.create_store(pool, 2, "esquina", "La Esquina", bodega=True)
    await emisor_mod.store(pool, 1, EMISOR_DATA)
    await folios.import_caf(pool, 1, sample_caf(39), today=TODAY, **{k.removeprefix("folio_"): v
                                                                     for k, v in LEASE.items()})
    await auth.create_login(pool, 1, "pepe@donpepe.cl", "José Pérez", PASSWORD, FAST)
    await auth.create_login(pool, 2, "rosa@esquina.cl", "Rosa Díaz", PASSWORD, FAST)
    for tenant, rows in ((1, [product("LEC-1", "Leche Entera Colun 1 L", 1150, "Lácteos"),
                              product("PAN-1", "Pan Batido", 1990, "Panadería"),
                              product("COC-15", "Coca-Cola 1,5 L", 1990, "Bebidas")]),
                         (2, [product("SECRETO-2", "Pisco Secreto Esquina", 7777, "Licores"),
                              product("PAN-1", "Pan Esquina", 7777, "Panadería")])):
        for row in rows:
            await catalog.upsert_product(pool, tenant, row)
    world.tills = {"A1": await _enroll(pool, 1, "centro", "Caja Centro"),
                   "A2": await _enroll(pool, 1, "norte", "Caja Norte"),
                   "B": await _enroll(pool, 2, "esquina", "Caja Esquina")}
    world.execute("INSERT INTO quarantine (tenant_id, terminal_id, epoch, seq, type, version, reason, payload)"
               " VALUES (2, %s, 1, 99, 'promo.applied', 1, 'SECRETO de la esquina', '{}')",
               world.tills["B"].terminal_id)
    for tenant, store in ((1, "norte"), (2, "esquina")):  # a POS user and a catalog import of each tenant
        world.execute("INSERT INTO users (tenant_id, user_id, name, role, pin_hash, stores) VALUES (%s, %s, %s,"
                   " 'cashier', 'x', %s)", tenant, f"u-{store}", f"Cajera {store}", [store])
        world.execute("INSERT INTO catalog_imports (tenant_id, import_id, filename, content) VALUES (%s, %s, %s, '')",
                   tenant, f"imp-{store}", f"lista-{store}.csv")
    app = World(world.admin_url, world.app_url).app()
    world.app = app
    async with served(app) as client, contextlib.AsyncExitStack() as stack:
        for name, till in world.tills.items():  # each till opens a shift and sells once
            till.entry(shift_opened(f"turno-{name}"))
            till.entry(sale(f"turno-{name}", amount=77_770 if name == "B" else 1990))
            if name in CUSTOMERS:
                till.entry(fiado.CustomerProfileSaved(*CUSTOMERS[name], "", "", "", "", "ana"))
            answer = await push(client, till)
            assert answer.status_code == 200 and answer.json()["quarantined"] == 0, answer.text
        owner_a = Account("dueño A", 1, "pepe@donpepe.cl", client)
        await owner_a.sign_in()
        new: dict[str, httpx.AsyncClient] = {}
        for name in ("contador A", "encargado A1", "dueño B", "anónimo"):
            new[name] = await stack.enter_async_context(
                httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://almacen.test"))
        await accept(new["contador A"], await invite(client, "conta@donpepe.cl", "Carla Contreras", "accountant"))
        await accept(new["encargado A1"], await invite(client, "enc@donpepe.cl", "Enzo Encina", "manager",
                                                       ["centro"]))
        world.accounts = {"dueño A": owner_a,
                          "contador A": Account("contador A", 1, "conta@donpepe.cl", new["contador A"]),
                          "encargado A1": Account("encargado A1", 1, "enc@donpepe.cl", new["encargado A1"],
                                                  stores=("centro",)),
                          "dueño B": Account("dueño B", 2, "rosa@esquina.cl", new["dueño B"]),
                          "anónimo": Account("anónimo", 0, None, new["anónimo"])}
        for account in world.accounts.values():
            await account.sign_in()
        world.ids["session_B"] = str(world.rows(
            "SELECT session_id FROM hq_sessions WHERE tenant_id = 2 ORDER BY created_at DESC LIMIT 1")[0][0])
        world.ids["session_A"] = str(world.rows(
            "SELECT session_id FROM hq_sessions WHERE tenant_id = 1 AND email = 'pepe@donpepe.cl'"
            " ORDER BY created_at DESC LIMIT 1")[0][0])
        yield
    await pool.close()


@contextlib.contextmanager
def built(pg_cluster: Any, served: Served, name: str) -> Any:
    """The world of one module (its own database, dropped at the end)."""
    database = f"attack_{name}_{uuid.uuid4().hex[:8]}"
    url = pg_cluster.create_database(database)
    try:
        with asyncio.Runner() as runner:
            world = Attack(url, bootstrap.migrate(url), runner)
            world.admin = psycopg.connect(url, autocommit=True)
            setup = _setup(world, served)
            runner.run(setup.__anext__())
            try:
                yield world
            finally:
                with contextlib.suppress(StopAsyncIteration):
                    runner.run(setup.__anext__())
                world.admin.close()
    finally:
        pg_cluster.drop_database(database)
