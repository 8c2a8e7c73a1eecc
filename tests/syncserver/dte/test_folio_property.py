"""Property: over random sales, outages, syncs, restores and refills, a folio is never leased to two terminals and
never issued twice (every receipt ever printed, including those lost with a restored journal, has its own folio).

The terminals follow the contract of ``syncserver.dte.folios``: stamp only with folios of leases for their current
epoch taken from their store's feed, in order; a restored terminal gets a new epoch before it stamps again.
"""

from __future__ import annotations

import functools
import itertools
from collections import Counter
from datetime import date
from typing import Any

import psycopg_pool
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from stdnum.cl import rut as stdnum_rut

from syncserver.dte import folios
from syncserver.sii.standin_caf import StandinIssuer
from tests.syncserver.dte.folio_kit import Db, Till, migrated

SIZES = {"folio_lease_size": 4, "folio_low_water": 2}
TIPOS = (39, 33)
ACTIONS = st.lists(st.tuples(st.sampled_from(["sell", "sell", "sell", "sync", "outage", "restore", "caf"]),
                             st.integers(0, 2), st.sampled_from(TIPOS)), min_size=5, max_size=40)


class Model:
    """A terminal's own view: the leases it pulled, the folios it stamped, whether it is offline."""

    def __init__(self, till: Till) -> None:
        self.till = till
        self.leases: list[dict[str, Any]] = []
        self.used: set[tuple[int, int]] = set()
        self.offline = False

    def next_folio(self, tipo: int) -> int | None:
        for lease in sorted(self.leases, key=lambda x: x["desde"]):
            if lease["tipo"] != tipo:
                continue
            for folio in range(lease["desde"], lease["hasta"] + 1):
                if (tipo, folio) not in self.used:
                    return folio
        return None

    async def sync(self, pool: psycopg_pool.AsyncConnectionPool) -> None:
        if self.offline:
            return
        if self.till.acked < len(self.till.journal):
            await self.till.push(pool, **SIZES)
        self.leases = await self.till.leases(pool)


@pytest.fixture(scope="module")
def shared_db(pg_cluster: Any) -> Any:
    name = "folio_property"
    url = pg_cluster.create_database(name, exist_ok=True)
    db = migrated(url, {})
    yield db
    pg_cluster.drop_database(name)


ISSUER = StandinIssuer.generate()


def tenant_rut(tenant: int) -> str:
    """Each example's tenant has a RUT of its own (one RUT is one tenant, and a CAF serves one tenant)."""
    body = str(20_000_000 + tenant)
    return f"{body}-{stdnum_rut.calc_check_digit(body)}"


@functools.cache
def stand_in_caf(rut: str, tipo: int, start: int) -> bytes:
    """The stand-in issuer's key is generated once (the slow part); a CAF file per tenant RUT and range."""
    return ISSUER.issue(rut=rut, razon_social="P", tipo=tipo, desde=start, hasta=start + 9, fa=date.today())
KEYS = {**folios.sii_keys(), **ISSUER.keys()}
TENANTS = itertools.count(1000)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(actions=ACTIONS)
def test_a_folio_is_never_leased_twice_nor_issued_twice(shared_db: Db, actions: list[tuple[str, int, int]]) -> None:
    tenant = next(TENANTS)
    printed: list[tuple[int, int]] = []  # every receipt's (tipo, folio), including those a restore loses
    cafs = {tipo: iter(range(1, 10_000, 12)) for tipo in TIPOS}

    async def scenario(pool: psycopg_pool.AsyncConnectionPool) -> None:
        from syncserver import tenancy

        await tenancy.create_tenant(pool, tenant, "Propiedad", tenant_rut(tenant))
        await tenancy.create_store(pool, tenant, "centro", "Centro")
        models = [Model(await Till.enroll(pool, tenant)) for _ in range(3)]

        async def import_caf(tipo: int) -> None:
            start = next(cafs[tipo])
            blob = stand_in_caf(tenant_rut(tenant), tipo, start)
            await folios.import_caf(pool, tenant, blob, keys=KEYS, lease_size=SIZES["folio_lease_size"],
                                    low_water=SIZES["folio_low_water"])

        for tipo in TIPOS:
            await import_caf(tipo)
        for m in models:
            await m.sync(pool)
        for action, index, tipo in actions:
            m = models[index]
            if action == "sell":
                folio = m.next_folio(tipo)
                if folio is not None:
                    m.used.add((tipo, folio))
                    m.till.sell(tipo, folio)
                    printed.append((tipo, folio))
            elif action == "sync":
                await m.sync(pool)
            elif action == "outage":
                m.offline = not m.offline
            elif action == "restore":  # back from a backup: the unsynced tail (and what it used) is gone
                await m.till.restore(pool, keep=0, **SIZES)
                m.leases, m.used, m.offline = [], set(), False
                await m.sync(pool)
            elif action == "caf":
                await import_caf(tipo)
        for m in models:
            m.offline = False
            await m.sync(pool)

    shared_db.run(scenario)
    assert [k for k, n in Counter(printed).items() if n > 1] == []
    leases = shared_db.rows("SELECT tipo, desde, hasta, terminal_id FROM folio_leases WHERE tenant_id = %s"
                            " ORDER BY tipo, desde", tenant)
    for x, y in itertools.pairwise(leases):
        assert x[0] != y[0] or x[2] < y[1], f"leases overlap: {x} {y}"
    issued = shared_db.rows(
        "SELECT (payload->'document'->>'tipo')::int, (payload->'document'->>'folio')::bigint, terminal_id"
        " FROM events WHERE tenant_id = %s AND type = 'sale.completed'", tenant)
    assert [k for k, n in Counter((t, f) for t, f, _ in issued).items() if n > 1] == []
    for tipo, folio, terminal in issued:
        assert any(t == tipo and d <= folio <= h and term == terminal for t, d, h, term in leases)
    assert shared_db.rows("SELECT count(*) FROM quarantine WHERE tenant_id = %s", tenant) == [(0,)]
    assert shared_db.rows("SELECT count(*) FROM dte_documents WHERE tenant_id = %s", tenant) == [(len(issued),)]
