"""hq_data: a tenant of 50 stores and a year of their tills' events in a master database, built once and kept on disk.

What is generated (``Scale``; the full scale by default): :data:`STORES` stores with one enrolled till each, a
catalog of 2,000 products in ten categories, and the year before :data:`NOW` (a Wednesday afternoon) of each till's
journal: ~1,000,000 ``sale.completed`` (1 to 9 lines, ~5,000,000 in all, with cost; weighed lines, discounts, a few
uncosted; cash, debit, credit, transfer and fiado; a boleta each, a factura every 50th), returns with their nota
de crédito, suppliers' facturas received, mermas, and customers with fiado accounts, charges and payments.

How: each till's events are built as the till journals them (``shared.events`` dataclasses, the codec, sealed in
one hash chain per till), COPY'd into ``events`` with the till's ``sync_tracking`` head, and then folded by the
master's own rebuild (``syncserver.ingest.rebuild``: the ingest's fold, kardex and fiado included), so every read
model (and any later migration's back-fill from the stored events) is what the real ingest would hold. The tax
documents (``dte_documents``, ``dte_outbox``, mostly accepted by the SII) are COPY'd as the ingest records them, with
the CAFs and the leases (100 folios at a time) their folios came from. tests/benchmarks/test_hq_data.py pushes a
small generated year through the real ingest (``syncserver.ingest.push``) and finds the same read models, nothing
quarantined (every event keeps the tills' rules).

The PostgreSQL data directory is kept under ``cache`` (``/var/tmp/almacen-bench`` or ``--data-cache``) in a folder
named after :data:`VERSION` and the scale; a later run starts it in seconds and brings it to the newest master
migration (other helpers' back-fills run once, on the cached copy). One run at a time uses it (a file lock).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import fcntl
import hashlib
import itertools
import json
import os
import random
import shutil
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import psycopg
import psycopg_pool

from shared import money, signing
from shared.events import envelope, inventory, purchases, registry, returns, sales
from shared.events import fiado as fiado_events
from syncserver import accounts, tenancy
from syncserver.dte import folios
from syncserver.ingest import rebuild
from syncserver.pgcluster import LocalCluster
from syncserver.store import schema

VERSION = 2
"""Bump when what is generated changes: a cached database of another version is not reused."""
TENANT = 1
CHILE = ZoneInfo("America/Santiago")
NOW = datetime(2026, 11, 25, 15, 30, tzinfo=CHILE)
"""The end of the generated year (a Wednesday afternoon): the benchmark's server clock starts here."""
OWNER_EMAIL, OWNER_PASSWORD = "pepe@donpepe.cl", "clave-benchmark-1"
CATEGORIES = ("Abarrotes", "Bebidas", "Lácteos", "Carnes", "Verduras", "Panadería", "Limpieza", "Aseo personal",
              "Snacks", "Congelados")
TENDER_WEIGHTS = (("cash", 50), ("debit", 30), ("credit", 14), ("transfer", 4), ("fiado", 2))
HOUR_WEIGHTS = {8: 3, 9: 5, 10: 6, 11: 8, 12: 10, 13: 10, 14: 7, 15: 6, 16: 6, 17: 8, 18: 11, 19: 12, 20: 9, 21: 5}
WEEKDAY_WEIGHTS = (9, 9, 10, 10, 12, 14, 11)  # Monday .. Sunday
MERMA_REASONS = ("vencimiento", "dano", "robo", "consumo_interno", "extravio")
DB_NAME = "hq_bench"
CAF_SIZE = 10_000
EMISOR_RUT = "76543210-3"


@dataclass(frozen=True, slots=True)
class Scale:
    """How much is generated: ``sales`` over the year across ``stores`` stores (``lines_per_sale`` on average)."""

    stores: int = 50
    sales: int = 1_000_000
    products: int = 2_000
    customers: int = 5_000
    purchases_per_store_month: int = 8
    mermas_per_store_month: int = 20
    days: int = 365

    @classmethod
    def quick(cls) -> Scale:
        """A smoke scale: 2 stores, 300 sales over two weeks."""
        return cls(stores=2, sales=300, products=100, customers=20, purchases_per_store_month=2,
                   mermas_per_store_month=3, days=14)

    @property
    def key(self) -> str:
        return f"v{VERSION}-{self.stores}s-{self.sales}-{self.days}d"


@dataclass(frozen=True, slots=True)
class Store:
    store_id: str
    name: str
    terminal_id: str


@dataclass
class Built:
    """What the generator wrote (kept as ``built.json`` beside the data directory)."""

    stores: list[Store]
    counts: dict[str, int]
    build_seconds: float
    live_terminal: str
    live_store: str
    live_key: str  # the live till's Ed25519 private key (hex): the benchmark pushes a sale as that till

    def to_json(self) -> dict[str, Any]:
        return {"stores": [[s.store_id, s.name, s.terminal_id] for s in self.stores], "counts": self.counts,
                "build_seconds": self.build_seconds, "live_terminal": self.live_terminal,
                "live_store": self.live_store, "live_key": self.live_key}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Built:
        return cls([Store(*s) for s in data["stores"]], dict(data["counts"]), float(data["build_seconds"]),
                   str(data["live_terminal"]), str(data["live_store"]), str(data["live_key"]))


def default_cache() -> Path:
    """``$ALMACEN_BENCH_CACHE`` or ``/var/tmp/almacen-bench`` (kept across reboots; the postgres user, which runs
    the cluster, must reach it: a home folder often is not reachable)."""
    return Path(os.environ.get("ALMACEN_BENCH_CACHE") or "/var/tmp/almacen-bench")


# -- the cached cluster ----------------------------------------------------------------------------------------------


@contextlib.contextmanager
def database(scale: Scale, cache: Path | None, log: Callable[[str], None] = print
             ) -> Iterator[tuple[str, str, Built]]:
    """The generated master database at ``scale``, started from ``cache`` (built there first when missing) and
    migrated to the newest revision; yields ``(admin_url, app_url, built)`` and stops the cluster after."""
    folder = (cache or default_cache()) / f"hq-data-{scale.key}"
    folder.mkdir(parents=True, exist_ok=True)
    os.chmod(folder, 0o711)  # the postmaster runs as the postgres user and must reach its data folder
    with open(folder / "lock", "w") as lock:
        if _locked(lock):
            log(f"  waiting for another run using {folder} ...")
            fcntl.flock(lock, fcntl.LOCK_EX)
        marker = folder / "built.json"
        if not marker.exists():
            shutil.rmtree(folder / "data", ignore_errors=True)
        c = LocalCluster(folder / "data", fast=True)
        started = time.perf_counter()
        c.start()
        try:
            if marker.exists():
                admin = c.dsn(DB_NAME)
                _check_revision(admin, folder)
                schema.migrate(admin)  # other helpers' new migrations (and their back-fills) run once, here
                built = Built.from_json(json.loads(marker.read_text("utf-8")))
                log(f"  reusing the generated master in {folder} (started and migrated in"
                    f" {time.perf_counter() - started:.1f} s; built in {built.build_seconds:.0f} s)")
            else:
                log(f"  generating {scale.sales:,} sales of {scale.stores} stores in {folder} (once) ...")
                admin = c.create_database(DB_NAME, exist_ok=True)
                schema.migrate(admin)
                built = generate(admin, schema.app_url(admin), scale, log)
                marker.write_text(json.dumps(built.to_json(), indent=1), "utf-8")
            yield admin, schema.app_url(admin), built
        finally:
            c.stop()


def _check_revision(admin_url: str, folder: Path) -> None:
    """Refuse a cached master that a checkout with a migration this one lacks has upgraded (alembic could not
    bring it to this checkout's head)."""
    from alembic.script import ScriptDirectory

    with psycopg.connect(admin_url) as conn:
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    known = {s.revision for s in ScriptDirectory(str(Path(schema.__file__).resolve().parents[1] / "migrations"))
             .walk_revisions()}
    if row is not None and row[0] not in known:
        raise RuntimeError(f"the cached master in {folder} is at migration {row[0]}, which this checkout does not have"
                           " (another checkout upgraded it): rebase on main, or pass --data-cache DIR to build a"
                           " separate one")


def _locked(lock: Any) -> bool:
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    return False


# -- generation ------------------------------------------------------------------------------------------------------


def generate(admin_url: str, app_url: str, scale: Scale, log: Callable[[str], None] = print) -> Built:
    """Write the tenant, its stores and tills, the catalog and every till's events, then fold them (see module)."""
    started = time.perf_counter()
    rng = random.Random(21)
    stores = [Store(f"tienda-{i:02d}", f"Tienda {i:02d}", str(uuid.UUID(int=(7 << 76) | i)))
              for i in range(1, scale.stores + 1)]
    live_terminal = str(uuid.UUID(int=(7 << 76) | 9999))
    live_key = till_key(live_terminal)
    asyncio.run(setup(app_url, stores, live_terminal))
    catalog = _catalog(admin_url, scale, rng)
    counts: dict[str, int] = {}
    gen = _Events(scale, catalog, rng)
    with psycopg.connect(admin_url) as conn:
        documents: list[tuple[Any, ...]] = []
        with conn.cursor() as cur, cur.copy(
                "COPY events (tenant_id, terminal_id, epoch, seq, event_id, store_id, type, version, occurred_at,"
                " payload, prev_hash, hash) FROM STDIN") as copy:
            tracking: list[tuple[Any, ...]] = []
            for index, store in enumerate(stores):
                prev, seq = envelope.GENESIS_HASH, 0
                for at, event in gen.store_events(index, store):
                    seq += 1
                    type_, version, payload = gen.codec.encode(event)
                    entry = envelope.seal(event_id=str(uuid.UUID(int=(index << 40) | seq)), tenant_id=TENANT,
                                          store_id=store.store_id, terminal_id=store.terminal_id, epoch=1, seq=seq,
                                          occurred_at=at.isoformat(), type=type_, version=version, payload=payload,
                                          prev_hash=prev)
                    prev = entry.hash
                    copy.write_row((TENANT, store.terminal_id, 1, seq, entry.event_id, store.store_id, type_,
                                    version, entry.occurred_at, entry.payload_json, entry.prev_hash, entry.hash))
                    doc = getattr(event, "document", None)
                    if doc is not None:
                        documents.append((TENANT, doc.tipo, doc.folio, event.sale_id, store.terminal_id, 1, seq,
                                          doc.stamped_at, doc.ted))  # a nota de crédito names the sale returned
                tracking.append((TENANT, store.terminal_id, 1, seq, prev))
                counts["events"] = counts.get("events", 0) + seq
                log(f"    {store.store_id}: {seq:,} events ({time.perf_counter() - started:.0f} s)")
        _copy(conn, "sync_tracking", "tenant_id, terminal_id, epoch, acked_seq, acked_hash", tracking)
        conn.execute("UPDATE terminals SET last_seen_seq = t.acked_seq, last_sync_at = %s FROM sync_tracking t"
                     " WHERE t.tenant_id = terminals.tenant_id AND t.terminal_id = terminals.terminal_id",
                     (NOW - timedelta(minutes=3),))
        _copy(conn, "dte_documents", "tenant_id, tipo, folio, sale_id, terminal_id, epoch, seq, stamped_at, ted",
              documents)
        _copy(conn, "cafs", "tenant_id, tipo, desde, hasta, rut, fecha_autorizacion, idk, caf_xml", gen.leases.cafs())
        _copy(conn, "folio_leases", "tenant_id, lease_id, terminal_id, store_id, tipo, caf_desde, desde, hasta, issued,"
              " leased_at, epoch", [(*row, 1) for row in gen.leases.rows])
        conn.execute("SELECT setval('folio_leases_lease_id_seq', %s)", (len(gen.leases.rows) + 1,))
        outbox = [(TENANT, d[1], d[2], "rejected" if n % 997 == 0 else "accepted", f"T{n // 50}")
                  for n, d in enumerate(documents)]
        _copy(conn, "dte_outbox", "tenant_id, tipo, folio, state, track_id", outbox)
        counts["documents"] = len(documents)
    log(f"    events stored in {time.perf_counter() - started:.0f} s; folding them (the master's rebuild) ...")
    folded = asyncio.run(_fold(app_url))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
        for table in ("sales", "sale_lines", "sale_tenders", "returns", "purchases", "purchase_lines", "mermas",
                      "kardex", "stock", "people", "fiado_entries", "dte_documents", "dte_outbox", "products"):
            row = conn.execute(f"SELECT count(*) FROM {table}").fetchone()
            counts[table] = int(row[0]) if row else 0
        conn.execute("CHECKPOINT")
    counts["folded"] = folded
    seconds = round(time.perf_counter() - started, 1)
    log(f"    generated in {seconds:.0f} s: " + ", ".join(f"{k} {v:,}" for k, v in counts.items()))
    return Built(stores, counts, seconds, live_terminal, stores[0].store_id, live_key.hex())


def till_key(terminal_id: str) -> bytes:
    """The Ed25519 private key of a generated till (derived from its id, so a test can push as it)."""
    return hashlib.sha256(f"hq-bench {terminal_id}".encode()).digest()


async def setup(app_url: str, stores: list[Store], live_terminal: str) -> None:
    """The tenant with its owner's HQ account, the stores, and their tills enrolled (keys: :func:`till_key`)."""
    from argon2 import PasswordHasher

    async with psycopg_pool.AsyncConnectionPool(app_url, min_size=1, max_size=2, open=False) as pool:
        await accounts.create_business(pool, name="Almacenes Don Pepe", rut="", owner_email=OWNER_EMAIL,
                                       owner_name="Pepe Pérez", password=OWNER_PASSWORD,
                                       hasher=PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1),
                                       at=NOW - timedelta(days=400), tenant_id=TENANT)
        for store in stores:
            await tenancy.create_store(pool, TENANT, store.store_id, store.name)
            code = await tenancy.issue_enrollment_code(pool, TENANT, store.store_id, f"Caja {store.name}")
            await tenancy.enroll(pool, code, signing.public_key(till_key(store.terminal_id)), store.terminal_id)
        code = await tenancy.issue_enrollment_code(pool, TENANT, stores[0].store_id, "Caja en vivo")
        await tenancy.enroll(pool, code, signing.public_key(till_key(live_terminal)), live_terminal)


async def _fold(app_url: str) -> int:
    async with psycopg_pool.AsyncConnectionPool(app_url, min_size=1, max_size=1, open=False) as pool:
        return await rebuild.rebuild(pool, registry.build_codec(), TENANT)


def _copy(conn: psycopg.Connection[Any], table: str, columns: str, rows: list[tuple[Any, ...]]) -> None:
    with conn.cursor() as cur, cur.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


@dataclass(frozen=True, slots=True)
class Product:
    sku: str
    name: str
    price: int  # per unit or per kg, IVA included
    cost: int | None  # neto per unit or kg; None: never costed
    kg: bool
    category: str


def _catalog(admin_url: str, scale: Scale, rng: random.Random) -> list[Product]:
    products = []
    for i in range(scale.products):
        kg = i % 10 == 7
        price = rng.randrange(1_000, 12_000, 1_000) if kg else rng.randrange(300, 9_000, 10)
        cost = None if i % 97 == 5 else price * rng.randrange(55, 80) // 119
        products.append(Product(f"P{i:05d}", f"Producto {i:05d}", price, cost, kg, CATEGORIES[i % len(CATEGORIES)]))
    with psycopg.connect(admin_url) as conn:
        _copy(conn, "categories", "tenant_id, name, position", [(TENANT, c, n) for n, c in enumerate(CATEGORIES)])
        _copy(conn, "products", "tenant_id, sku, name, price, category, sold_by, barcodes, cost, search_text",
              [(TENANT, p.sku, p.name, p.price, p.category, "kg" if p.kg else "unit", [f"78{i:011d}"],
                p.cost or 0, f"{p.sku} {p.name}".lower()) for i, p in enumerate(products)])
    return products


class _Events:
    """Each till's events in the order it journals them."""

    def __init__(self, scale: Scale, catalog: list[Product], rng: random.Random) -> None:
        self.scale = scale
        self.catalog = catalog
        self.rng = rng
        self.codec = registry.build_codec()
        self.weights = list(itertools.accumulate(1 / (i + 1) ** 0.8 for i in range(len(catalog))))
        self.folio = itertools.count(1)
        self.leases = _Leases()
        self.start = (NOW - timedelta(days=scale.days)).date() + timedelta(days=1)
        slots = [(d, h) for d in range(scale.days) for h in HOUR_WEIGHTS
                 if d < scale.days - 1 or h < NOW.hour]
        self.slots = slots
        self.slot_weights = list(itertools.accumulate(
            WEEKDAY_WEIGHTS[(self.start + timedelta(days=d)).weekday()] * HOUR_WEIGHTS[h] for d, h in slots))
        self.customers_per_store = max(1, scale.customers // scale.stores)
        self.ids = itertools.count(1)

    def _at(self, day: int, hour: int, minute: int, second: int) -> datetime:
        d = self.start + timedelta(days=day)
        return datetime(d.year, d.month, d.day, hour, minute, second, tzinfo=CHILE)

    def new_id(self, kind: str) -> str:
        return f"{kind}-{next(self.ids):09d}"

    def store_events(self, index: int, store: Store) -> Iterator[tuple[datetime, Any]]:
        """``(occurred_at, event)`` of one till over the year, in time order."""
        rng = self.rng
        n_sales = self.scale.sales // self.scale.stores + (1 if index < self.scale.sales % self.scale.stores else 0)
        picks = rng.choices(self.slots, cum_weights=self.slot_weights, k=n_sales)
        times = sorted(self._at(d, h, rng.randrange(60), rng.randrange(60)) for d, h in picks)
        timed: list[tuple[datetime, int, Any]] = [(t, 1, None) for t in times]
        for day in range(0, self.scale.days, 30):  # purchases and mermas through each month
            for k in range(self.scale.purchases_per_store_month):
                timed.append((self._at(min(day + k * 3, self.scale.days - 2), 7, 30, k), 0, "purchase"))
            for k in range(self.scale.mermas_per_store_month):
                timed.append((self._at(min(day + k, self.scale.days - 2), 21, 40, k), 2, "merma"))
        timed.sort(key=lambda x: (x[0], x[1]))
        cashier = f"cajero-{store.store_id}"
        customers = [f"cli-{store.store_id}-{k:04d}" for k in range(self.customers_per_store)]
        balances = dict.fromkeys(customers, 0)
        first = self._at(0, 7, 0, 0) - timedelta(hours=1)
        for k, cid in enumerate(customers):
            yield first, fiado_events.CustomerProfileSaved(cid, f"Cliente {store.store_id} {k:04d}", "",
                                                           f"+569{index:02d}{k:06d}", "", "", cashier)
            yield first, fiado_events.FiadoAccountSet(cid, True, 150_000, cashier)
        sold: list[sales.SaleCompleted] = []
        number = 0
        for at, _order, kind in timed:
            if kind == "purchase":
                yield at, self._purchase(store, at)
            elif kind == "merma":
                p = self.catalog[rng.randrange(len(self.catalog))]
                yield at, inventory.MermaRecorded(self.new_id("merma"), store.store_id, p.sku, p.name,
                                                  Decimal(rng.randrange(1, 6)), rng.choice(MERMA_REASONS),
                                                  p.cost or 0, cashier)
            else:
                number += 1
                sale = self._sale(store, number, at, cashier, customers, balances)
                if sale.fiado is not None and sale.customer_id:
                    owed = balances[sale.customer_id]
                    if owed + sale.total > 150_000:  # the customer pays what they owe first
                        yield at - timedelta(seconds=1), fiado_events.FiadoPaid(
                            self.new_id("abono"), sale.customer_id, f"turno-{at:%Y%m%d}", cashier, "cash", owed,
                            owed, owed)
                        balances[sale.customer_id] = 0
                        sale = _with_balance(sale, 0)
                    balances[sale.customer_id] += sale.total
                yield at, sale
                sold.append(sale)
                if number % 200 == 0:  # a return of a line of a recent sale
                    original = sold[-rng.randrange(1, min(len(sold), 20) + 1)]
                    if original.fiado is None and original.document is not None:
                        yield at + timedelta(seconds=30), self._return(store, original,
                                                                       at + timedelta(seconds=30), cashier)
                if len(sold) > 50:
                    del sold[:25]

    def _sale(self, store: Store, number: int, at: datetime, cashier: str, customers: list[str],
              balances: dict[str, int]) -> sales.SaleCompleted:
        rng = self.rng
        picked = rng.choices(self.catalog, cum_weights=self.weights, k=rng.randint(1, 9))
        lines = []
        for line_id, p in enumerate(picked, 1):
            quantity = Decimal(rng.randrange(250, 2_000, 10)) / 1000 if p.kg else Decimal(rng.choice((1, 1, 1, 2, 3)))
            gross = money.line_amount(p.price, quantity)
            discount = gross // 10 // 10 * 10 if rng.random() < 0.05 else 0
            cost = None if p.cost is None else int(p.cost * quantity)
            lines.append(sales.LineSold(line_id, p.sku, p.name, p.price, quantity, "kg" if p.kg else "unit", False,
                                        discount, gross - discount, "", cost))
        subtotal = sum(x.amount for x in lines)
        discount = subtotal // 20 // 10 * 10 if rng.random() < 0.02 else 0  # a sale-wide discount, now and then
        total = subtotal - discount
        split = money.split_iva(total)  # every line is taxed: the discount shared among them leaves total affected
        kind = rng.choices([k for k, _ in TENDER_WEIGHTS], cum_weights=list(itertools.accumulate(
            w for _, w in TENDER_WEIGHTS)))[0]
        customer_id, fiado = "", None
        rounding = change = 0
        amount = received = total
        if kind == "cash":  # handed in thousands; the till keeps the total rounded (Ley 20.956)
            received = money.round_cash(total)
            rounding = received - total
            amount = -(-received // 1000) * 1000
            change = amount - received
        elif kind == "fiado":
            customer_id = rng.choice(customers)
            fiado = fiado_events.FiadoCharge(total, balances[customer_id], 150_000)
        tipo = 33 if number % 50 == 0 and kind != "fiado" else 39
        customer = (sales.CustomerData("76086428-5", "Comercial Los Aromos SpA", "Restaurante", "Av. Siempre Viva 123",
                                       "Santiago") if tipo == 33 else None)
        stamped = at.strftime("%Y-%m-%dT%H:%M:%S")
        document = sales.DocumentStamped(tipo, self.leases.take(store, tipo, at), "<TED version=\"1.0\"/>", stamped)
        return sales.SaleCompleted(
            self.new_id("venta"), number, f"turno-{store.store_id}-{at:%Y%m%d}", cashier, tuple(lines),
            discount, total, total, 0, split.neto, split.iva,
            (sales.TenderTaken(kind, amount, received),), rounding, change, document, customer, customer_id, fiado)

    def _return(self, store: Store, sale: sales.SaleCompleted, at: datetime, cashier: str
                ) -> returns.ReturnCompleted:
        line = sale.lines[0]
        split = money.split_iva(line.amount)
        kind = sale.tenders[0].kind
        refund = money.round_cash(line.amount) if kind == "cash" else line.amount
        assert sale.document is not None
        return returns.ReturnCompleted(
            self.new_id("devolucion"), sale.sale_id, sale.shift_id, cashier, f"super-{cashier}", "producto dañado",
            (returns.LineReturned(line.line_id, line.sku, line.name, line.unit_price, line.quantity, line.sold_by,
                                  False, line.amount),),
            line.amount, split.neto, split.iva, 0, (sales.TenderTaken(kind, refund, refund),), sale.document.tipo,
            sale.document.folio, len(sale.lines) == 1,
            sales.DocumentStamped(61, self.leases.take(store, 61, at), "<TED version=\"1.0\"/>",
                                  at.strftime("%Y-%m-%dT%H:%M:%S")))

    def _purchase(self, store: Store, at: datetime) -> purchases.PurchaseReceived:
        rng = self.rng
        supplier_no = rng.randrange(20)
        rut = f"{77_000_000 + supplier_no}-{_dv(77_000_000 + supplier_no)}"
        lines = []
        for n in range(1, 11):
            p = self.catalog[rng.randrange(len(self.catalog))]
            quantity = Decimal(rng.randrange(6, 48))
            unit_cost = p.cost or p.price * 60 // 119
            lines.append(purchases.PurchaseLine(n, p.sku, None, p.name, quantity, "UN", unit_cost,
                                                int(unit_cost * quantity), int(unit_cost * quantity), False, p.sku))
        neto = sum(x.amount for x in lines)
        iva = round(neto * 0.19)
        folio = next(self.folio)
        return purchases.PurchaseReceived(
            self.new_id("compra"), purchases.Supplier(rut, f"Distribuidora {supplier_no:02d} Ltda.", "Mayorista"), 33,
            folio, f"{at - timedelta(days=rng.randrange(3)):%Y-%m-%d}", store.store_id,
            tuple(lines), neto, 0, iva, neto + iva, hashlib.sha256(f"compra {folio}".encode()).hexdigest(), True)


class _Leases:
    """Folios as the master leases them: each till takes :data:`folios.DEFAULT_LEASE_SIZE` at a time of a tipo's
    CAFs (:data:`CAF_SIZE` folios each), in order; ``rows`` and ``cafs`` are what ``folio_leases`` and ``cafs``
    hold after the year."""

    def __init__(self) -> None:
        self.next_free: dict[int, int] = {}
        self.open: dict[tuple[str, int], list[Any]] = {}  # (terminal, tipo) -> its lease row (issued counted)
        self.rows: list[list[Any]] = []

    def take(self, store: Store, tipo: int, at: datetime) -> int:
        lease = self.open.get((store.terminal_id, tipo))
        if lease is None or lease[6] + lease[8] > lease[7]:  # none yet, or all its folios issued
            desde = self.next_free.get(tipo, 1)
            self.next_free[tipo] = desde + folios.DEFAULT_LEASE_SIZE
            caf_desde = (desde - 1) // CAF_SIZE * CAF_SIZE + 1
            lease = [TENANT, len(self.rows) + 1, store.terminal_id, store.store_id, tipo, caf_desde, desde,
                     desde + folios.DEFAULT_LEASE_SIZE - 1, 0, at]
            # columns: tenant_id, lease_id, terminal_id, store_id, tipo, caf_desde, desde, hasta, issued, leased_at
            self.rows.append(lease)
            self.open[(store.terminal_id, tipo)] = lease
        folio = int(lease[6]) + int(lease[8])
        lease[8] += 1
        return folio

    def cafs(self) -> list[tuple[Any, ...]]:
        rows = []
        for tipo, last in self.next_free.items():
            for desde in range(1, last, CAF_SIZE):
                rows.append((TENANT, tipo, desde, desde + CAF_SIZE - 1, EMISOR_RUT, (NOW - timedelta(days=380)).date(),
                             100, f"<AUTORIZACION><CAF version=\"1.0\"><DA><TD>{tipo}</TD><RNG><D>{desde}</D>"
                                  f"<H>{desde + CAF_SIZE - 1}</H></RNG></DA></CAF></AUTORIZACION>"))
        return rows


def _with_balance(sale: sales.SaleCompleted, balance: int) -> sales.SaleCompleted:
    assert sale.fiado is not None
    return dataclasses.replace(sale, fiado=dataclasses.replace(sale.fiado, balance_before=balance))


def _dv(number: int) -> str:
    total, factor = 0, 2
    for digit in reversed(str(number)):
        total += int(digit) * factor
        factor = 2 if factor == 7 else factor + 1
    rest = 11 - total % 11
    return "0" if rest == 11 else "K" if rest == 10 else str(rest)


