"""``POST /sync/enroll`` under its rate limit: wrong codes from one address lock it out (429, Spanish message,
growing), across app instances sharing the database; other addresses still enrol; refusals are audited in the
tenant that issued the code, unknown codes in the server log."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from datetime import timedelta
from typing import Any

import httpx
import psycopg
import psycopg_pool
import pytest
from starlette.types import ASGIApp

from shared import signing
from syncserver import bootstrap, tenancy
from tests.syncserver.hq.test_auth import Clock, app

Served = Callable[[ASGIApp], AbstractAsyncContextManager[httpx.AsyncClient]]


class Db:
    def __init__(self, admin_url: str, app_url: str) -> None:
        self.admin_url, self.app_url = admin_url, app_url

    def run(self, work: Callable[[psycopg_pool.AsyncConnectionPool], Any]) -> Any:
        async def go() -> Any:
            async with psycopg_pool.AsyncConnectionPool(self.app_url, min_size=1, max_size=2, open=False) as pool:
                return await work(pool)

        return asyncio.run(go())

    def rows(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        with psycopg.connect(self.admin_url) as conn:
            return conn.execute(sql, params).fetchall()


@pytest.fixture
def database(pg_database: str) -> Db:
    found = Db(pg_database, bootstrap.migrate(pg_database))

    async def setup(pool: psycopg_pool.AsyncConnectionPool) -> None:
        await tenancy.create_tenant(pool, 1, "Almacenes Don Pepe", "76.123.456-0")
        await tenancy.create_store(pool, 1, "centro", "Centro")

    found.run(setup)
    return found


async def enroll(client: httpx.AsyncClient, code: str, terminal_id: str, address: str) -> httpx.Response:
    body = {"code": code, "public_key": signing.public_key(signing.new_private_key()), "terminal_id": terminal_id}
    return await client.post("/sync/enroll", content=json.dumps(body), headers={"x-test-address": address,
                                                                              "content-type": "application/json"})


def test_guessing_enrolment_codes_is_locked_out_and_audited(database: Db, served: Served, caplog: Any) -> None:
    clock = Clock()
    used = database.run(lambda pool: tenancy.issue_enrollment_code(pool, 1, "centro", "Caja 1", clock=clock))
    good = database.run(lambda pool: tenancy.issue_enrollment_code(pool, 1, "centro", "Caja 2", clock=clock,
                                                                   ttl=timedelta(days=3)))

    async def scenario() -> None:
        async with served(app(database, clock)) as first, served(app(database, clock)) as second:
            assert (await enroll(first, used, "caja-1", "10.0.0.5")).status_code == 200
            again = await enroll(first, used, "caja-x", "203.0.113.4")
            assert again.status_code == 400 and "ya fue usado" in again.json()["message"]
            for i in range(8):  # two app instances (workers) share the counters in PostgreSQL
                wrong = await enroll(first if i % 2 else second, f"AAAA-BBBB-{i:04d}", f"x-{i}", "203.0.113.4")
                assert wrong.status_code == 400 and wrong.json()["error"] == "enrollment"
            tenth = await enroll(first, "ZZZZ-ZZZZ-ZZZZ", "x-9", "203.0.113.4")
            assert tenth.status_code == 429 and tenth.headers["retry-after"] == "300"
            body = tenth.json()
            assert body["error"] == "rate_limited" and body["retry_after"] == 300
            assert "intente de nuevo en 5 minutos" in body["message"]
            refused = await enroll(second, good, "caja-2", "203.0.113.4")  # even the right code: not looked at
            assert refused.status_code == 429
            assert (await enroll(first, good, "caja-2", "198.51.100.1")).status_code == 200  # another address
            clock.move(minutes=5, seconds=1)
            for i in range(9):
                assert (await enroll(first, f"CCCC-DDDD-{i:04d}", "y", "203.0.113.4")).status_code == 400
            longer = await enroll(first, "CCCC-DDDD-9999", "y", "203.0.113.4")
            assert longer.status_code == 429 and longer.headers["retry-after"] == "600"  # doubled

    asyncio.run(scenario())
    assert database.rows("SELECT count(*) FROM terminals") == [(2,)]
    trail = database.rows("SELECT kind, actor, address FROM audit_log ORDER BY audit_id")
    assert ("enrolment_refused", "caja-x", "203.0.113.4") in trail  # a used code: its tenant sees it
    assert [k for k, _a, _ad in trail].count("enrolment_ok") == 2
    unknown = [r for r in caplog.records if r.getMessage() == "enrolment refused: unknown code"]
    assert len(unknown) == 8 + 1 + 10 and all(getattr(r, "address", "") == "203.0.113.4" for r in unknown)
    assert [r for r in caplog.records if r.getMessage() == "enrolment refused: address locked out"]
