"""The folio hold after a restore of the master: no folio is leased until every terminal asked has reported the
leases it holds (those handed out after the dump exist only at the tills) or an admin released the hold; the
ranges the master did not hold are leased back to their till (docs/backups.md, «Folios después de restaurar»).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from shared import clock as clock_mod
from shared import errors as pos_errors
from shared.events import envelope
from syncserver.store import db
from syncserver.store import folios as store

log = logging.getLogger("syncserver.dte.folio_hold")

REPORT_KIND = "folio_report"
"""The kind of the request ``GET /sync/pull`` adds for a terminal still to report (not a stored change)."""
MAX_REPORTED = 100_000
"""Ranges one report may carry (a busy till leases a few hundred a year)."""


class ReportError(pos_errors.PosError):
    """A lease report that cannot be read; the message says why, in Spanish."""


@dataclass(frozen=True, slots=True)
class HeldLease:
    """A range a till holds: folios ``desde..hasta`` of ``tipo``, leased for its journal's ``epoch`` (≥ 1)."""

    tipo: int
    desde: int
    hasta: int
    epoch: int


@dataclass(slots=True)
class Recovered:
    """What :func:`recover` did with a till's ranges: how many the master already held, leased back to the till,
    kept without a CAF (loaded again later: leased back then) and refused for overlapping another lease."""

    known: int = 0
    leased: int = 0
    without_caf: int = 0
    conflicts: list[str] = field(default_factory=list)


def parse_report(data: object) -> list[HeldLease]:
    """The ranges of a report body ``{"leases": [[tipo, desde, hasta, epoch], ...]}``.

    Raises:
        ReportError: not that shape, a value that is not a positive integer, ``hasta`` below ``desde``, or more
            than :data:`MAX_REPORTED` ranges.
    """
    leases = data.get("leases") if isinstance(data, dict) else None
    if not isinstance(leases, list):
        raise ReportError("se espera {\"leases\": [[tipo, desde, hasta, época], ...]}")
    if len(leases) > MAX_REPORTED:
        raise ReportError(f"un informe trae a lo más {MAX_REPORTED} rangos de folios")
    parsed: list[HeldLease] = []
    for item in leases:
        if (not isinstance(item, list) or len(item) != 4
                or not all(type(v) is int and 1 <= v <= 2**62 for v in item)):
            raise ReportError("cada rango es [tipo, desde, hasta, época], enteros positivos")
        tipo, desde, hasta, epoch = item
        if hasta < desde or tipo > 2**31 - 1 or epoch > 2**31 - 1:
            raise ReportError(f"rango de folios inválido: tipo {tipo}, {desde}–{hasta}, época {epoch}")
        parsed.append(HeldLease(tipo, desde, hasta, epoch))
    return parsed


async def recover(conn: db.Conn, tenant_id: int, terminal_id: str, store_id: str, current_epoch: int,
                  leases: Iterable[HeldLease], at: datetime) -> Recovered:
    """Lease back to the terminal, inside the caller's transaction, each range it holds that the master does not:
    when no lease of any terminal shares a folio with it and a CAF of the tenant holds it whole (a lease of an
    epoch before ``current_epoch`` is stored retired). A range overlapping another lease is a ``conflicto`` (never
    leased; logged); one whose CAF is not loaded is kept ``sin_caf`` and leased back when it is
    (:func:`adopt`). Each unknown range is noted in ``folio_reports``; the next free folio of each CAF moves past
    them all (``store.last_leased``)."""
    done = Recovered()
    wanted = sorted({(h.tipo, h.desde, h.hasta, h.epoch) for h in leases})
    for tipo in sorted({w[0] for w in wanted}):
        await store.lock_tipo(conn, tenant_id, tipo)
    for tipo, desde, hasta, epoch in wanted:
        clash = await store.overlaps(conn, tenant_id, tipo, desde, hasta)
        if any(o.terminal_id == terminal_id and (o.desde, o.hasta) == (desde, hasta) for o in clash):
            done.known += 1
            continue
        if clash:
            state = "conflicto"
            done.conflicts.append(f"tipo {tipo}, folios {desde}–{hasta}")
            log.error("reported folios overlap another lease", extra={
                "tenant_id": tenant_id, "terminal_id": terminal_id, "tipo": tipo, "desde": desde, "hasta": hasta,
                "others": [f"{o.terminal_id}:{o.desde}-{o.hasta}" for o in clash]})
        elif (caf_desde := await store.caf_holding(conn, tenant_id, tipo, desde, hasta)) is None:
            state = "sin_caf"
            done.without_caf += 1
        else:
            await store.add_lease(conn, tenant_id, terminal_id=terminal_id, store_id=store_id, epoch=epoch,
                                  tipo=tipo, caf_desde=caf_desde, desde=desde, hasta=hasta,
                                  retired=epoch < current_epoch)
            state = "recuperado"
            done.leased += 1
        await store.add_report(conn, tenant_id, terminal_id=terminal_id, tipo=tipo, desde=desde, hasta=hasta,
                               epoch=epoch, state=state, at=at)
    if done.leased or done.without_caf or done.conflicts:
        log.warning("folio leases recovered from a terminal", extra={
            "tenant_id": tenant_id, "terminal_id": terminal_id, "leased": done.leased,
            "without_caf": done.without_caf, "conflicts": len(done.conflicts)})
    return done


async def report(pool: db.Pool, tenant_id: int, terminal_id: str, store_id: str, leases: Sequence[HeldLease], *,
                 clock: clock_mod.Clock = clock_mod.utc_clock) -> Recovered:
    """A terminal's report of every lease it holds: :func:`recover`, and the terminal counts as reported (when
    every terminal asked has, the hold ends: ``store.held``). A terminal never asked (no restore since it enrolled:
    the master leased it all it holds) gets nothing done: an empty :class:`Recovered`.

    Raises:
        ReportError: the tenant has no such terminal.
    """
    now = clock()
    async with db.tenant_tx(pool, tenant_id) as conn:
        place = await store.terminal_place(conn, tenant_id, terminal_id, lock=True)
        if place is None:
            raise ReportError("terminal sin registro en su tenant")
        if await store.hold_state(conn, tenant_id, terminal_id) is None:  # no restore since: the master knows all
            return Recovered()
        done = await recover(conn, tenant_id, terminal_id, store_id, place[1], leases, now)
        await store.mark_reported(conn, tenant_id, terminal_id, now)
        still = await store.held(conn, tenant_id)
    log.info("terminal reported its folio leases", extra={"tenant_id": tenant_id, "terminal_id": terminal_id,
                                                         "ranges": len(leases), "hold": still})
    return done


LEASE_EVENT = "folio.lease_received"


async def from_entries(conn: db.Conn, tenant_id: int, terminal_id: str, store_id: str, current_epoch: int,
                       entries: Sequence[envelope.Envelope], at: datetime) -> Recovered | None:
    """:func:`recover` the leases a push's new ``entries`` journaled (``folio.lease_received`` from HQ), when the
    terminal was asked after a restore (else the master leased them itself: None, nothing read but the hold).
    Runs before the batch's documents are checked against the leases, so a till re-sending what the restored
    master lost has the sales it stamped from a lease given after the dump accepted."""
    held = [lease for e in entries if e.type == LEASE_EVENT and (lease := _lease_of(e.payload)) is not None]
    if not held or await store.hold_state(conn, tenant_id, terminal_id) is None:
        return None
    return await recover(conn, tenant_id, terminal_id, store_id, current_epoch, held, at)


def _lease_of(payload: object) -> HeldLease | None:
    """The HQ lease a ``folio.lease_received`` payload names (None: loaded by hand, epoch 0, or malformed: its
    event is quarantined by the ingest's checks)."""
    if not isinstance(payload, dict) or payload.get("source", "hq") != "hq":
        return None
    tipo, desde, hasta, epoch = (payload.get(k) for k in ("tipo", "desde", "hasta", "epoch"))
    if not (type(tipo) is int and type(epoch) is int and type(desde) is int and type(hasta) is int):
        return None
    if not (1 <= tipo <= 2**31 - 1 and 1 <= epoch <= 2**31 - 1 and 1 <= desde <= hasta <= 2**62):
        return None
    return HeldLease(tipo, desde, hasta, epoch)


async def asked(conn: db.Conn, tenant_id: int, terminal_id: str) -> bool:
    """Whether the terminal is still to report its leases (a restore asked it; it has not; not released)."""
    return await store.hold_state(conn, tenant_id, terminal_id) == "asked"


async def adopt(conn: db.Conn, tenant_id: int, tipo: int, desde: int, hasta: int, at: datetime) -> int:
    """Lease back the ranges tills reported without a CAF (``sin_caf``) that the CAF ``desde..hasta`` of ``tipo``
    just loaded holds, inside the caller's transaction (which holds the type's lock); how many."""
    adopted = 0
    for row in await store.reports_without_caf(conn, tenant_id, tipo, desde, hasta):
        place = await store.terminal_place(conn, tenant_id, str(row["terminal_id"]))
        if place is None:
            continue
        done = await recover(conn, tenant_id, str(row["terminal_id"]), place[0], place[1],
                             [HeldLease(tipo, int(row["desde"]), int(row["hasta"]), int(row["epoch"]))], at)
        adopted += done.leased
    return adopted


async def release(pool: db.Pool, tenant_id: int, *, clock: clock_mod.Clock = clock_mod.utc_clock) -> int:
    """End the hold without waiting for the terminals still to report (``admin folios-liberar``); how many
    were still to report. Their leases given after the dump may be leased again: the caller warns."""
    async with db.tenant_tx(pool, tenant_id) as conn:
        released = await store.release(conn, tenant_id, clock())
    log.warning("folio hold released by an admin", extra={"tenant_id": tenant_id, "unreported": released})
    return released
