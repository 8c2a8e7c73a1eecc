"""Rate limits kept in PostgreSQL (``auth_throttle``): failures per key, and the growing lock-out they earn.

The counters live in the database, so a limit holds across workers and restarts; keys are stored only as SHA-256.
The policy (keys, thresholds, lock-outs, why) is in docs/security.md, "Rate limits".
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from syncserver.store import db


@dataclass(frozen=True, slots=True)
class Rule:
    """``threshold`` failures of one key (within ``forget`` of each other) lock it for ``base``, doubled for each
    further lock-out (``strikes``) up to ``cap``; strikes are pardoned after ``pardon`` without a failure."""

    scope: str
    threshold: int
    base: timedelta
    cap: timedelta
    forget: timedelta = timedelta(hours=1)
    pardon: timedelta = timedelta(hours=24)

    def lockout(self, strikes: int) -> timedelta:
        """How long the ``strikes``-th lock-out lasts (1, 2, 4, ... times ``base``, at most ``cap``)."""
        doubled: timedelta = self.base * (2 ** min(max(strikes - 1, 0), 30))
        return min(doubled, self.cap)


HQ_ACCOUNT = Rule("hq_account", threshold=5, base=timedelta(minutes=5), cap=timedelta(minutes=15))
"""An HQ e-mail (whether or not an account has it), from any address: short, capped lock-outs, so that nobody can
keep the owner out for more than 15 minutes at a time."""
HQ_ADDRESS = Rule("hq_address", threshold=20, base=timedelta(minutes=5), cap=timedelta(hours=24))
"""An address, whatever e-mails it tries: lock-outs grow to a day (guessing many accounts from one place)."""
ENROLMENT_ADDRESS = Rule("enrolment_address", threshold=10, base=timedelta(minutes=5), cap=timedelta(hours=24))
"""An address sending wrong enrolment codes."""
INVITE_ADDRESS = Rule("invite_address", threshold=10, base=timedelta(minutes=5), cap=timedelta(hours=24))
"""An address trying HQ invitation (or password reset) codes that open no account."""


def key_hash(rule: Rule, key: str) -> str:
    """The stored form of ``key`` (trimmed, lower case) under ``rule``: SHA-256 hex."""
    return hashlib.sha256(f"{rule.scope}\x00{key.strip().lower()}".encode()).hexdigest()


async def _row(conn: db.Conn, rule: Rule, key: str) -> tuple[int, int, datetime | None, datetime | None]:
    """The key's counters, locked for the rest of the transaction (created at zero when absent)."""
    hashed = key_hash(rule, key)
    await conn.execute("INSERT INTO auth_throttle (scope, key_hash) VALUES (%s, %s) ON CONFLICT DO NOTHING",
                       (rule.scope, hashed))
    cur = await conn.execute("SELECT failures, strikes, last_failure_at, locked_until FROM auth_throttle"
                             " WHERE scope = %s AND key_hash = %s FOR UPDATE", (rule.scope, hashed))
    row = await cur.fetchone()
    assert row is not None
    return int(row[0]), int(row[1]), row[2], row[3]


async def locked_until(conn: db.Conn, checks: Sequence[tuple[Rule, str]], now: datetime) -> datetime | None:
    """The latest end of a lock-out in force at ``now`` among ``checks`` (``(rule, key)`` pairs), else ``None``.

    Locks the keys' rows (those with failures) until the caller's transaction ends: attempts on one key take turns.
    """
    latest: datetime | None = None
    for rule, key in checks:
        cur = await conn.execute("SELECT locked_until FROM auth_throttle WHERE scope = %s AND key_hash = %s"
                                 " FOR UPDATE", (rule.scope, key_hash(rule, key)))
        row = await cur.fetchone()
        until = row[0] if row else None
        if until is not None and until > now and (latest is None or until > latest):
            latest = until
    return latest


async def fail(conn: db.Conn, rule: Rule, key: str, now: datetime) -> datetime | None:
    """Count a failure of ``key`` at ``now``; returns when the lock-out it starts ends (``None``: no lock-out)."""
    failures, strikes, last, _until = await _row(conn, rule, key)
    if last is None or now - last > rule.pardon:
        failures, strikes = 0, 0
    elif now - last > rule.forget:
        failures = 0
    failures += 1
    until: datetime | None = None
    if failures >= rule.threshold:
        strikes += 1
        failures = 0
        until = now + rule.lockout(strikes)
    await conn.execute("UPDATE auth_throttle SET failures = %s, strikes = %s, last_failure_at = %s,"
                       " locked_until = COALESCE(%s, locked_until) WHERE scope = %s AND key_hash = %s",
                       (failures, strikes, now, until, rule.scope, key_hash(rule, key)))
    return until


async def clear(conn: db.Conn, rule: Rule, key: str) -> None:
    """Forget ``key``'s failures and lock-outs (a successful login of the account)."""
    await conn.execute("DELETE FROM auth_throttle WHERE scope = %s AND key_hash = %s",
                       (rule.scope, key_hash(rule, key)))
