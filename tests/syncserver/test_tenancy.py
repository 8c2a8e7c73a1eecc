"""Enrolment codes live by the injected clock: valid until ``clock() + ttl`` at issue, judged by ``clock()`` at use."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import psycopg_pool
import pytest

from shared import signing
from syncserver import bootstrap, tenancy

ISSUED = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def test_a_code_expires_by_the_injected_clock_not_the_machine_s(pg_database: str) -> None:
    app_url = bootstrap.migrate(pg_database)

    async def scenario() -> tuple[tenancy.Enrolled, str]:
        async with psycopg_pool.AsyncConnectionPool(app_url, min_size=1, max_size=2, open=False) as pool:
            await tenancy.create_tenant(pool, 1, "Almacenes Don Pepe")
            await tenancy.create_store(pool, 1, "centro", "Centro")
            first = await tenancy.issue_enrollment_code(pool, 1, "centro", "Caja 1", ttl=timedelta(hours=1),
                                                        clock=lambda: ISSUED)
            second = await tenancy.issue_enrollment_code(pool, 1, "centro", "Caja 2", ttl=timedelta(hours=1),
                                                         clock=lambda: ISSUED)
            key = signing.public_key(signing.new_private_key())
            enrolled = await tenancy.enroll(pool, first, key, "caja-1", clock=lambda: ISSUED + timedelta(minutes=59))
            other_key = signing.public_key(signing.new_private_key())
            with pytest.raises(tenancy.TenancyError) as late:
                await tenancy.enroll(pool, second, other_key, "caja-2", clock=lambda: ISSUED + timedelta(minutes=61))
            return enrolled, late.value.detail

    enrolled, refusal = asyncio.run(scenario())
    assert enrolled == tenancy.Enrolled("caja-1", 1, "centro", 1)
    assert refusal == "este código expiró: pida uno nuevo en HQ"
