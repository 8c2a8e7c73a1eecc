"""POS users created in HQ reach, through a real server and pull, the tills of their stores only: the PIN works
there (its hash travelled, never the PIN), a new PIN replaces the old one, a deactivated user can no longer sign in
and one brought back can; the till journals each as ``user.enrolled`` and the master keeps HQ's record."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from argon2 import PasswordHasher

from shared import errors
from syncserver import pos_users
from tests.e2e import sync_kit

FAST = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
AT = datetime(2026, 12, 6, 15, tzinfo=UTC)


def test_hq_users_reach_their_stores_tills_with_pin_changes_and_deactivation(server, make_till):
    sync_kit.setup_tenants(server)
    centro, norte = make_till(1, "centro", []), make_till(1, "norte", [])

    def sync_all() -> None:
        for till in (centro, norte):
            assert till.sync.sync_once(datetime(2026, 12, 6, 12)).online

    server.run(lambda pool: pos_users.create(pool, 1, user_id="u-carla", name="Carla Núñez", role="supervisor",
                                             stores=["centro"], pin="2468", by="José Pérez", at=AT, hasher=FAST))
    sync_all()
    assert centro.terminal.auth.sign_in("u-carla", "2468").name == "Carla Núñez"
    assert "u-carla" not in [u.user_id for u in norte.terminal.auth.users()]
    server.run(lambda pool: pos_users.reset_pin(pool, 1, "u-carla", "135790", at=AT, hasher=FAST))
    sync_all()
    with pytest.raises(errors.WrongPin):
        centro.terminal.auth.sign_in("u-carla", "2468")
    assert centro.terminal.auth.sign_in("u-carla", "135790").name == "Carla Núñez"
    server.run(lambda pool: pos_users.set_active(pool, 1, "u-carla", False, by="José Pérez", reason="licencia",
                                                 at=AT))
    sync_all()
    with pytest.raises(errors.WrongPin):
        centro.terminal.auth.sign_in("u-carla", "135790")
    server.run(lambda pool: pos_users.set_active(pool, 1, "u-carla", True, by="José Pérez", reason="", at=AT))
    sync_all()
    assert centro.terminal.auth.sign_in("u-carla", "135790").name == "Carla Núñez"
    journaled = [e for e in centro.terminal.journal.read(1) if e.type == "user.enrolled"
                 and e.payload["user_id"] == "u-carla"]
    assert [e.payload["active"] for e in journaled] == [True, True, False, True]
    assert all("135790" not in str(e.payload) and "2468" not in str(e.payload) for e in journaled)
    # the till's echo of HQ's user reached the master and left HQ's record as HQ keeps it
    assert sync_kit.master(server, "SELECT name, stores, active, version FROM users WHERE user_id = 'u-carla'",
                           1) == [("Carla Núñez", ["centro"], True, 4)]
