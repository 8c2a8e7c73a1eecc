"""What the sync end-to-end tests share: a small catalog, two tenants with their stores, a fast cashier, and
reading the master as one tenant."""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import psycopg
from argon2 import PasswordHasher

from desktop.journal import read_models
from shared import signing, sync
from shared.events import envelope
from shared.sale import Tender, TenderKind
from syncserver import tenancy
from syncserver.hq import auth

TENDERS = (TenderKind.CASH, TenderKind.DEBIT, TenderKind.CREDIT)


def catalog_rows(n: int) -> list[dict[str, str]]:
    """``n`` products with PLUs 4000..; every seventh is sold by weight."""
    return [{"sku": f"P{i:03d}", "name": f"Producto {i}", "price": str(300 + 70 * i), "category": "Abarrotes",
             "sold_by": "kg" if i % 7 == 0 else "unit", "barcode": "", "plu": str(4000 + i), "brand": "",
             "iva_exempt": "0", "favourite": "0", "stock": "50"} for i in range(n)]


def setup_tenants(server: Any) -> None:
    """Tenant 1 (stores centro and norte) and tenant 2 (store esquina)."""
    async def go(pool: Any) -> None:
        await tenancy.create_tenant(pool, 1, "Almacenes Don Pepe")
        await tenancy.create_store(pool, 1, "centro", "Centro")
        await tenancy.create_store(pool, 1, "norte", "Norte")
        await tenancy.create_tenant(pool, 2, "Minimarket La Esquina")
        await tenancy.create_store(pool, 2, "esquina", "La Esquina")
    server.run(go)


def sell(terminal: Any, sales: int, rng: random.Random, products: int, *, max_lines: int = 4,
         tenders: tuple[TenderKind, ...] = TENDERS) -> None:
    """Ring up ``sales`` sales of 1..max_lines random products, paid with a random tender kind."""
    ana = terminal.auth.sign_in("ana", "1234")
    shift = terminal.shifts.current() or terminal.shifts.open(ana, 10_000)
    terminal.checkout.start(ana, shift.shift_id)
    for _ in range(sales):
        for _ in range(rng.randint(1, max_lines)):
            product = read_models.by_plu(terminal.journal.conn, str(4000 + rng.randrange(products)))
            qty = Decimal(rng.randint(100, 1500)) / 1000 if product.weighed else Decimal(rng.randint(1, 3))
            terminal.checkout.add_product(product, qty)
        total = terminal.checkout.sale.totals().total
        kind = rng.choice(tenders)
        terminal.checkout.complete((Tender(kind, total + 10 if kind is TenderKind.CASH else total),))


def master(server: Any, sql: str, tenant_id: int, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Rows of ``sql`` as the application role with ``tenant_id`` set (RLS applies)."""
    with psycopg.connect(server.app_url) as conn, conn.transaction():
        conn.execute("SELECT set_config('app.tenant_id', %s, true)", (str(tenant_id),))
        return conn.execute(sql, params).fetchall()


def admin(server: Any, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Rows of ``sql`` as the database owner (every tenant's rows: no RLS)."""
    with psycopg.connect(server.admin_url) as conn:
        return conn.execute(sql, params).fetchall()


def chain(bodies: list[dict[str, Any]], prev_hash: str = envelope.GENESIS_HASH) -> list[envelope.Envelope]:
    """``bodies`` (envelope bodies, as ``Envelope.body()`` gives them) sealed in order, each linked to the one
    before it and the first to ``prev_hash``."""
    prev, out = prev_hash, []
    for body in bodies:
        out.append(envelope.seal(**{**body, "prev_hash": prev}))
        prev = out[-1].hash
    return out


def push(server: Any, till: Any, entries: list[envelope.Envelope], *, timeout: float = 60) -> httpx.Response:
    """``entries`` posted to ``/sync/push`` as one batch signed by ``till`` (from the first entry's seq and
    prev_hash), bypassing the till's sync service; the server's answer, whatever it is."""
    ident = till.terminal.journal.identity
    body = sync.PushBatch(ident.tenant_id, ident.store_id, ident.terminal_id, ident.epoch, entries[0].seq,
                          entries[0].prev_hash, tuple(entries)).to_bytes()
    headers = {"X-Terminal": till.client.terminal_id, "X-Signature": signing.sign(till.client.private_key, body),
               "Content-Type": "application/json"}
    return httpx.post(server.url + "/sync/push", content=body, headers=headers, timeout=timeout)


OWNER_EMAIL = "pepe@donpepe.cl"
OWNER_PASSWORD = "clave-segura-1"


@contextmanager
def hq_owner(server: Any, tenant_id: int = 1) -> Iterator[httpx.Client]:
    """An HTTP client signed in to HQ as the owner of ``tenant_id`` (``OWNER_EMAIL``, created here)."""
    fast = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    server.run(lambda pool: auth.create_login(pool, tenant_id, OWNER_EMAIL, "José Pérez", OWNER_PASSWORD, fast))
    with httpx.Client(base_url=server.url, timeout=30) as hq:
        login = hq.get("/hq/login")
        token = re.search(r'name="csrf" value="([^"]+)"', login.text)
        assert token, login.text
        hq.post("/hq/login", data={"csrf": token.group(1), "email": OWNER_EMAIL, "password": OWNER_PASSWORD})
        yield hq


SAMPLES = Path(__file__).parents[1] / "data" / "sii" / "samples"
SAMPLE_RUT = "76.235.291-5"
"""The emisor of the SII sample CAFs, and the tills' default store RUT."""


def lease_sample_folios(server: Any, tenant_id: int, *, lease_size: int = 10) -> None:
    """Give ``tenant_id`` the sample CAFs' RUT and import their boletas (39) and notas de crédito (61), folios 1–20,
    leased ``lease_size`` at a time to its active tills (they receive them on their next sync)."""
    from syncserver.dte import folios

    with psycopg.connect(server.admin_url) as conn:
        conn.execute("UPDATE tenants SET rut = %s WHERE tenant_id = %s", (SAMPLE_RUT, tenant_id))
    for tipo in (39, 61):
        data = (SAMPLES / f"caf_T{tipo}_cert_76235291-5_F1-20.xml").read_bytes()
        # the samples were authorised 2025-04-11: a nota de crédito's CAF is valid 6 months from then
        server.run(lambda pool, d=data: folios.import_caf(pool, tenant_id, d, today=date(2025, 5, 2),
                                                          lease_size=lease_size, low_water=lease_size // 2))


def give_back(terminal: Any, sale_id: str, quantities: dict[int, Decimal] | None, reason: str) -> Any:
    """A return of sale ``sale_id`` (None: all that is left) authorised by the demo supervisor (PIN 9999), in the
    open shift; returns its ``sale.returned`` event (with its nota de crédito)."""
    found = terminal.returns.find_sale(sale_id)
    done = terminal.returns.complete(found, quantities, "9999", reason, cashier_id="ana",
                                     shift_id=terminal.shifts.current().shift_id)
    assert done.event.document is not None and done.event.document.tipo == 61
    return done.event
