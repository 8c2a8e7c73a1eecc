"""Helpers for the folio tests: a migrated database with a tenant, enrolled terminals that push signed batches of
sales with stamped documents straight into ``push`` (no HTTP), and the sample CAFs."""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import psycopg
import psycopg_pool

from shared import clock as clock_mod
from shared import money, signing, sync
from shared.dte import caf as caf_mod
from shared.dte import documents, ted
from shared.events import envelope, registry, sales
from syncserver import tenancy
from syncserver.ingest import epoch as epoch_service
from syncserver.ingest import push as push_mod
from syncserver.store import change_feed, schema

SAMPLES = Path(__file__).resolve().parents[2] / "data" / "sii" / "samples"
SAMPLE_RUT = "76.235.291-5"
CODEC = registry.build_codec()
TODAY = date(2026, 11, 22)
SECRET = "test-secret"


def sample_caf(tipo: int) -> bytes:
    return (SAMPLES / f"caf_T{tipo}_cert_76235291-5_F1-20.xml").read_bytes()


@dataclass
class Db:
    admin_url: str
    app_url: str

    def run(self, work: Callable[[psycopg_pool.AsyncConnectionPool], Awaitable[Any]]) -> Any:
        async def main() -> Any:
            async with psycopg_pool.AsyncConnectionPool(self.app_url, min_size=1, max_size=4, open=False) as pool:
                return await work(pool)
        return asyncio.run(main())

    def rows(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        """As the admin role (sees every tenant)."""
        with psycopg.connect(self.admin_url) as conn:
            return conn.execute(sql, params).fetchall()


EMISOR_DATA = {"razon_social": "Almacén Don Pepe SpA", "giro": "Venta al por menor en almacenes",
               "acteco": "471100", "direccion": "San Lucio 138", "comuna": "Los Andes", "ciudad": "Los Andes",
               "resolucion_fecha": "2026-01-01", "resolucion_numero": "0"}


def migrated(admin_url: str, tenants: dict[int, str], *, emisor: bool = True) -> Db:
    """Migrate and create ``tenants`` (id -> RUT), each with store ``centro`` and (unless ``emisor`` is false)
    complete emisor data (:data:`EMISOR_DATA`)."""
    from syncserver.dte import emisor as emisor_mod

    schema.migrate(admin_url)
    db = Db(admin_url, schema.app_url(admin_url))

    async def setup(pool: psycopg_pool.AsyncConnectionPool) -> None:
        for tenant_id, rut in tenants.items():
            await tenancy.create_tenant(pool, tenant_id, f"Tenant {tenant_id}", rut)
            await tenancy.create_store(pool, tenant_id, "centro", "Centro")
            if emisor:
                await emisor_mod.store(pool, tenant_id, EMISOR_DATA)

    db.run(setup)
    return db


@dataclass
class Till:
    """An enrolled terminal seen from the server: journals sales with documents and pushes them."""

    tenant_id: int
    store_id: str
    terminal_id: str
    public_key: str
    epoch: int = 1
    journal: list[envelope.Envelope] = field(default_factory=list)
    acked: int = 0
    number: int = 0
    occurred_at: str = "2026-11-22T10:00:00-03:00"
    """When the events it journals happened (the general journal books them on that day)."""

    @classmethod
    async def enroll(cls, pool: psycopg_pool.AsyncConnectionPool, tenant_id: int, store_id: str = "centro") -> Till:
        code = await tenancy.issue_enrollment_code(pool, tenant_id, store_id, "Caja")
        terminal_id = str(uuid.uuid4())
        public_key = signing.public_key(signing.new_private_key())
        await tenancy.enroll(pool, code, public_key, terminal_id)
        return cls(tenant_id, store_id, terminal_id, public_key)

    def record(self, event: Any) -> None:
        """Journal any event (not sent until :meth:`push`)."""
        type_, version, payload = CODEC.encode(event)
        prev = self.journal[-1].hash if self.journal else envelope.GENESIS_HASH
        self.journal.append(envelope.seal(
            event_id=str(uuid.uuid4()), tenant_id=self.tenant_id, store_id=self.store_id,
            terminal_id=self.terminal_id, epoch=self.epoch, seq=len(self.journal) + 1,
            occurred_at=self.occurred_at, type=type_, version=version, payload=payload, prev_hash=prev))

    def sell(self, tipo: int, folio: int, amount: int = 1000) -> None:
        """Journal a sale stamped with ``folio`` (not sent until :meth:`push`)."""
        self.number += 1
        exempt = tipo in (34, 41)  # a sale keeps the rules of its document (shared.events.rules)
        line = sales.LineSold(1, "PAN-1", "Pan", amount, Decimal(1), "unit", exempt, 0, amount)
        split = money.split_iva(0, amount) if exempt else money.split_iva(amount)
        customer = sales.CustomerData("76086428-5", "Cliente SpA", "Comercio", "Calle 1", "Santiago") \
            if tipo in (33, 34) else None
        sale = sales.SaleCompleted(
            sale_id=str(uuid.uuid4()), number=self.number, shift_id="s1", cashier_id="ana", lines=(line,),
            discount=0, total=amount, affected=amount - split.exento, exento=split.exento, neto=split.neto,
            iva=split.iva, customer=customer,
            tenders=(sales.TenderTaken("debit", amount, amount),), rounding=0, change=0,
            document=sales.DocumentStamped(tipo, folio, f"<TED>{folio}</TED>", "2026-11-22T10:00:00"))
        type_, version, payload = CODEC.encode(sale)
        prev = self.journal[-1].hash if self.journal else envelope.GENESIS_HASH
        self.journal.append(envelope.seal(
            event_id=str(uuid.uuid4()), tenant_id=self.tenant_id, store_id=self.store_id,
            terminal_id=self.terminal_id, epoch=self.epoch, seq=len(self.journal) + 1,
            occurred_at=self.occurred_at, type=type_, version=version, payload=payload, prev_hash=prev))

    async def push(self, pool: psycopg_pool.AsyncConnectionPool, *, clock: clock_mod.Clock = clock_mod.utc_clock,
                   **folio_settings: int) -> sync.Ack:
        new = tuple(self.journal[self.acked:])
        prev = self.journal[self.acked - 1].hash if self.acked else envelope.GENESIS_HASH
        batch = sync.PushBatch(self.tenant_id, self.store_id, self.terminal_id, self.epoch, self.acked + 1, prev, new)
        principal = push_mod.Principal(self.terminal_id, self.tenant_id, self.store_id, self.public_key, "active")
        ack = await push_mod.push(pool, CODEC, principal, batch.to_bytes(), max_events=5000, clock=clock,
                                  **folio_settings)
        self.acked = ack.acked_seq
        return ack

    async def restore(self, pool: psycopg_pool.AsyncConnectionPool, keep: int, **folio_settings: int) -> None:
        """A journal restored from a backup holding its first ``keep`` entries: a new epoch, journal restarted."""
        self.epoch = await epoch_service.new_epoch(pool, self.tenant_id, self.terminal_id, **folio_settings)
        self.journal, self.acked = [], 0
        del keep  # the old epoch's unsynced tail is lost; the new epoch starts a new chain

    async def leases(self, pool: psycopg_pool.AsyncConnectionPool) -> list[dict[str, Any]]:
        """The ``folio_lease`` changes for this terminal and its current epoch, from its store's feed."""
        changes, _ = await change_feed.pull(pool, self.tenant_id, self.store_id, 0, 10_000)
        return [c["data"] for c in changes if c["kind"] == "folio_lease"
                and c["data"]["terminal_id"] == self.terminal_id and c["data"]["epoch"] == self.epoch]


HQ_PASSWORD = "clave-segura-1"
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def csrf_token(html: str) -> str:
    match = _CSRF.search(html)
    assert match, "no CSRF field in the page"
    return match.group(1)


def hq_app(db: Db, tenant_id: int = 1, **settings: Any) -> Any:
    """The server app with an HQ login ``pepe@donpepe.cl`` for ``tenant_id`` (fast argon2 for tests)."""
    from argon2 import PasswordHasher

    from syncserver import app as app_mod
    from syncserver import settings as settings_mod
    from syncserver.hq import auth

    fast = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    db.run(lambda pool: auth.create_login(pool, tenant_id, "pepe@donpepe.cl", "Pepe", HQ_PASSWORD, fast))
    app = app_mod.create_app(settings_mod.ServerSettings(database_url=db.app_url, secret_key="test-secret",
                                                         **settings))
    app.state.hq_hasher = fast
    return app


async def hq_login(client: Any) -> None:
    page = await client.get("/hq/login")
    done = await client.post("/hq/login", data={"csrf": csrf_token(page.text), "email": "pepe@donpepe.cl",
                                                "password": HQ_PASSWORD})
    assert done.status_code == 303, done.text


def boleta_sale(folio: int, *, tamper_total: bool = False) -> sales.SaleCompleted:
    line = sales.LineSold(line_id=1, sku="PAN-1", name="Pan Batido", unit_price=1990, quantity=Decimal(1),
                          sold_by="unit", iva_exempt=False, discount=0, amount=1990)
    draft = sales.SaleCompleted(sale_id=str(uuid.uuid4()), number=folio, shift_id="s1", cashier_id="ana",
                                lines=(line,), discount=0, total=1990, affected=1990, exento=0, neto=1672, iva=318,
                                tenders=(sales.TenderTaken("cash", 1990, 1990),), rounding=0, change=0)
    emisor = documents.Emisor(rut=SAMPLE_RUT, razon_social="Tenant 1", giro="", direccion="", comuna="")
    doc = documents.boleta_desde_venta(draft, folio=folio, fecha_emision=TODAY, emisor=emisor)
    timbre = ted.stamp(caf_mod.parse_caf(sample_caf(39)), doc, datetime(2026, 11, 22, 10, 0, 0))
    document = sales.DocumentStamped(39, folio, timbre.decode("iso-8859-1"), "2026-11-22T10:00:00")
    if tamper_total:
        draft = sales.SaleCompleted(**{**{f: getattr(draft, f) for f in draft.__slots__}, "total": 2990,
                                       "affected": 2990})
    return sales.SaleCompleted(**{**{f: getattr(draft, f) for f in draft.__slots__}, "document": document})
