"""CAF import and folio leasing (DESIGN.md §6): leases per terminal and epoch, their low-water refill, and the
record of every stamped document received.

How leases, refills and recording work: docs/architecture.md#4-folio-leases.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

import shared.dte
from shared import clock as clock_mod
from shared import errors as pos_errors
from shared.dte import caf as caf_mod
from shared.dte import errors as dte_errors
from shared.events import envelope, rules
from syncserver.dte import folio_hold
from syncserver.store import change_feed, db, outbox, tenants
from syncserver.store import folios as store

log = logging.getLogger("syncserver.dte.folios")

SII_CERTS = Path(shared.dte.__file__).resolve().parent / "data" / "sii_certs"
CHILE = ZoneInfo("America/Santiago")
DEFAULT_LEASE_SIZE = 100
DEFAULT_LOW_WATER = 20
CHANGE_KIND = "folio_lease"
SERVER_TERMINAL = "hq"
"""The ``terminal_id`` of the server's own folio leases (notas de crédito stamped in HQ)."""
SERVER_EPOCH = 0
SERVER_LEASE_SIZE = 10
SERVER_ONLY_TIPOS = frozenset({56})
"""Types only the server stamps (notas de débito, issued in HQ): never leased to a terminal, whose folios would sit
unused."""


class CafImportError(pos_errors.PosError):
    """A CAF that cannot be imported; the message says why, in Spanish."""


@dataclass(frozen=True, slots=True)
class ImportedCaf:
    tipo: int
    desde: int
    hasta: int
    rut: str
    idk: int
    leases: int


@dataclass(frozen=True, slots=True)
class Lease:
    lease_id: int
    terminal_id: str
    tipo: int
    desde: int
    hasta: int


@dataclass(frozen=True, slots=True)
class Stamped:
    """A stamped document as a push brings it (from ``SaleCompleted.document``)."""

    tipo: int
    folio: int
    sale_id: str
    seq: int
    stamped_at: str
    ted: str
    type: str
    version: int
    quarantined: bool = False
    """The event itself is quarantined (out of the read models); its document is recorded all the same."""


@dataclass(frozen=True, slots=True)
class Recorded:
    """What :func:`record_documents` did with a push's documents."""

    refused: int
    """Documents of folded events refused (each quarantined with ``folded``: its event counts as quarantined)."""
    notes: dict[int, str]
    """For each document of a quarantined event (``Stamped.quarantined``), by the event's seq: what became of it,
    in Spanish, to end the event's quarantine reason (``"su boleta N° 12 se envía igual al SII"``)."""


NAMES = {33: "factura", 34: "factura exenta", 39: "boleta", 41: "boleta exenta", 56: "nota de débito",
         61: "nota de crédito"}
"""The documents' names in a sentence (lower case), by tipo."""


def named(tipo: int, folio: int) -> str:
    """``"boleta N° 12"``; an unknown type by its number (``"documento tipo 52 N° 3"``)."""
    return f"{NAMES.get(tipo, f'documento tipo {tipo}')} N° {folio}"


@functools.cache
def sii_keys() -> dict[int, rsa.RSAPublicKey]:
    """The SII's CAF keys shipped with the code (IDK 100 certificación, 300 producción)."""
    return caf_mod.load_sii_keys(SII_CERTS)


def trusted_keys(standin_key_file: str = "") -> dict[int, rsa.RSAPublicKey]:
    """The keys a CAF import accepts: the SII's (IDK 100, 300), plus the SII stand-in's issuer key under
    :data:`shared.dte.caf.IDK_STANDIN` when ``standin_key_file`` names its PEM file. The composition root decides:
    it passes ``settings.standin_caf_key``, which settings allow only with ``sii_environment = "standin"``.

    Raises:
        CafImportError: the stand-in key file cannot be read or is not an RSA public key.
    """
    keys = dict(sii_keys())
    if standin_key_file:
        try:
            key = serialization.load_pem_public_key(Path(standin_key_file).read_bytes())
        except (OSError, ValueError) as exc:
            raise CafImportError(f"no se pudo leer la llave del simulador del SII ({standin_key_file}): "
                                 f"{exc}") from None
        if not isinstance(key, rsa.RSAPublicKey):
            raise CafImportError(f"la llave del simulador del SII ({standin_key_file}) no es RSA")
        keys[caf_mod.IDK_STANDIN] = key
    return keys


def today_in_chile(clock: clock_mod.Clock = clock_mod.utc_clock) -> date:
    """Today's date in Chile by ``clock`` (CAF expiry is judged by it)."""
    return clock().astimezone(CHILE).date()


def caf_expired(tipo: int, fecha_autorizacion: date, today: date) -> bool:
    """Same rule as :attr:`shared.dte.caf.Caf.expires_on`."""
    return tipo in caf_mod.CAF_VENCE_TIPOS and today >= fecha_autorizacion + caf_mod.CAF_VIGENCIA


async def import_caf(pool: db.Pool, tenant_id: int, data: bytes, *,
                     keys: Mapping[int, rsa.RSAPublicKey] | None = None, today: date | None = None,
                     lease_size: int = DEFAULT_LEASE_SIZE, low_water: int = DEFAULT_LOW_WATER,
                     clock: clock_mod.Clock = clock_mod.utc_clock) -> ImportedCaf:
    """Verify and store a CAF file (its bytes as downloaded, ISO-8859-1), then lease from it to the tenant's active
    terminals that are short of folios of its type, all in one transaction. Expiry is judged by ``today``
    (default: today in Chile by ``clock``).

    Raises:
        CafImportError: malformed or hostile file, unknown IDK, tampered, key mismatch, other RUT, expired,
            already imported or overlapping a CAF already imported (by this tenant or, same RUT and type, by another),
            or a tenant without RUT.
    """
    keys = sii_keys() if keys is None else keys
    today = today_in_chile(clock) if today is None else today
    try:
        caf = caf_mod.parse_caf(data)
    except dte_errors.DteError as exc:
        raise CafImportError(f"CAF ilegible: {exc}") from None
    async with db.tenant_tx(pool, tenant_id) as conn:
        rut = await tenants.rut(conn, tenant_id)
        if rut is None:
            raise CafImportError(f"el tenant {tenant_id} no existe")
        if not rut:
            raise CafImportError("el tenant no tiene RUT: regístrelo antes de importar CAFs")
        try:
            caf_mod.verify_caf(caf, keys, rut=rut, today=today)
        except dte_errors.CafError as exc:
            raise CafImportError(f"CAF rechazado: {exc}") from None
        # one importer at a time per tenant and type (the same lock leasing takes)
        await store.lock_tipo(conn, tenant_id, caf.tipo_dte)
        clash = await store.overlapping(conn, tenant_id, caf.tipo_dte, caf.folio_desde, caf.folio_hasta)
        if clash is not None:
            if clash == (caf.folio_desde, caf.folio_hasta):
                raise CafImportError(f"CAF duplicado: el tipo {caf.tipo_dte}, folios {caf.folio_desde}–"
                                     f"{caf.folio_hasta}, ya fue importado")
            raise CafImportError(f"el rango {caf.folio_desde}–{caf.folio_hasta} se superpone con el CAF ya importado "
                                 f"{clash[0]}–{clash[1]} del tipo {caf.tipo_dte}")
        if await tenants.caf_held_elsewhere(conn, caf.rut_emisor, caf.tipo_dte, caf.folio_desde, caf.folio_hasta):
            raise CafImportError(f"los folios {caf.folio_desde}–{caf.folio_hasta} del tipo {caf.tipo_dte} de este"
                                 " RUT ya están en otra empresa de este servidor: un CAF sirve a una sola empresa")
        await store.add_caf(conn, tenant_id, tipo=caf.tipo_dte, desde=caf.folio_desde, hasta=caf.folio_hasta,
                            rut=caf.rut_emisor, fecha_autorizacion=caf.fecha_autorizacion, idk=caf.idk,
                            caf_xml=data.decode("iso-8859-1"))  # byte-for-byte: encode("iso-8859-1") gives it back
        # ranges tills reported holding from this CAF after a restore, before it was loaded again: theirs
        await folio_hold.adopt(conn, tenant_id, caf.tipo_dte, caf.folio_desde, caf.folio_hasta, clock())
        leases = 0
        for target in await store.lease_targets(conn, tenant_id):
            leases += len(await refill(conn, tenant_id, target.terminal_id, target.store_id, target.current_epoch,
                                       tipos=[caf.tipo_dte], lease_size=lease_size, low_water=low_water, today=today))
    log.info("caf imported", extra={"tenant_id": tenant_id, "tipo": caf.tipo_dte, "desde": caf.folio_desde,
                                    "hasta": caf.folio_hasta, "leases": leases})
    return ImportedCaf(caf.tipo_dte, caf.folio_desde, caf.folio_hasta, caf.rut_emisor, caf.idk, leases)


async def _lease_one(conn: db.Conn, tenant_id: int, terminal_id: str, store_id: str, epoch: int, tipo: int,
                     size: int, today: date, *, publish: bool = True) -> Lease | None:
    """The next free sub-range of the tenant's oldest CAF of ``tipo`` that has one (caller holds the type's lock);
    published to the terminal's store unless ``publish`` is false (the server's own lease)."""
    for caf in await store.cafs_of(conn, tenant_id, tipo):
        if caf_expired(tipo, caf.fecha_autorizacion, today):
            continue
        last = await store.last_leased(conn, tenant_id, tipo, caf.desde, caf.hasta)
        start = caf.desde if last is None else last + 1
        if start > caf.hasta:
            continue
        end = min(start + size - 1, caf.hasta)
        lease_id = await store.add_lease(conn, tenant_id, terminal_id=terminal_id, store_id=store_id, epoch=epoch,
                                         tipo=tipo, caf_desde=caf.desde, desde=start, hasta=end)
        lease = Lease(lease_id, terminal_id, tipo, start, end)
        if not publish:
            return lease
        await change_feed.append_change(conn, tenant_id, CHANGE_KIND, f"{terminal_id}:{tipo}:{start}", {
            "tipo": tipo, "desde": start, "hasta": end, "caf_xml": caf.caf_xml, "terminal_id": terminal_id,
            "epoch": epoch, "lease_id": lease.lease_id}, store_id)
        return lease
    return None


async def refill(conn: db.Conn, tenant_id: int, terminal_id: str, store_id: str, epoch: int, *,
                 tipos: list[int] | None = None, lease_size: int = DEFAULT_LEASE_SIZE,
                 low_water: int = DEFAULT_LOW_WATER, today: date | None = None,
                 clock: clock_mod.Clock = clock_mod.utc_clock, wait: bool = True) -> list[Lease]:
    """Lease sub-ranges to a terminal until it holds at least ``low_water`` unused folios of each type the tenant
    has CAFs for but :data:`SERVER_ONLY_TIPOS` (or the CAFs run out), inside the caller's transaction; nothing
    while leasing is on hold after a restore (``syncserver.dte.folio_hold``). CAF expiry
    is judged by ``today`` (default: today in Chile by ``clock``).

    With ``wait`` false, a type whose lock another transaction holds is skipped (the terminal's next push tops it
    up): a push has written its store's general-journal rows before its top-up, and an HQ nota holds its type's
    lock while it books into those rows, so waiting there deadlocks (docs/architecture.md#4-folio-leases)."""
    today = today_in_chile(clock) if today is None else today
    if tipos is None:
        tipos = await store.caf_tipos(conn, tenant_id)
    tipos = [t for t in tipos if t not in SERVER_ONLY_TIPOS]
    leased: list[Lease] = []
    for tipo in sorted(tipos):
        unused = await store.unused(conn, tenant_id, terminal_id, epoch, tipo)
        if unused >= low_water:
            continue
        if not leased and await store.held(conn, tenant_id):  # restored: until every till reported (folio_hold)
            log.info("folio leases on hold after a restore", extra={"tenant_id": tenant_id,
                                                                   "terminal_id": terminal_id})
            return leased
        if wait:
            await store.lock_tipo(conn, tenant_id, tipo)
        elif not await store.try_lock_tipo(conn, tenant_id, tipo):
            log.info("folio top-up skipped: the type is being leased", extra={
                "tenant_id": tenant_id, "terminal_id": terminal_id, "tipo": tipo})
            continue
        unused = await store.unused(conn, tenant_id, terminal_id, epoch, tipo)
        while unused < low_water:
            lease = await _lease_one(conn, tenant_id, terminal_id, store_id, epoch, tipo, max(lease_size, 1), today)
            if lease is None:
                log.warning("no folios left to lease", extra={"tenant_id": tenant_id, "tipo": tipo,
                                                               "terminal_id": terminal_id})
                break
            leased.append(lease)
            unused += lease.hasta - lease.desde + 1
    return leased


async def take_server_folio(conn: db.Conn, tenant_id: int, tipo: int, *, today: date | None = None,
                            lease_size: int = SERVER_LEASE_SIZE,
                            clock: clock_mod.Clock = clock_mod.utc_clock) -> tuple[int, str] | None:
    """A folio of ``tipo`` for a document the server stamps itself (a nota de crédito correcting a rejected
    document), with the CAF file (ISO-8859-1 text, private key included) that authorises it, inside the caller's
    transaction; None when no CAF of that type has folios left, or while leasing is on hold after a restore (which
    retired the server's open leases: ``syncserver.backups.hold_folios``, ``syncserver.dte.folio_hold``).

    The server holds its own leases (terminal :data:`SERVER_TERMINAL`, epoch 0, never published to a store),
    taken from the CAFs like a terminal's, so its folios are disjoint from every terminal's.
    """
    today = today_in_chile(clock) if today is None else today
    await store.lock_tipo(conn, tenant_id, tipo)
    usable = [lease for lease in await store.open_leases(conn, tenant_id, SERVER_TERMINAL, SERVER_EPOCH, tipo)
              if not caf_expired(tipo, lease.fecha_autorizacion, today)]
    if usable:
        lease_id, desde, issued, caf_xml = usable[0].lease_id, usable[0].desde, usable[0].issued, usable[0].caf_xml
    elif await store.held(conn, tenant_id):  # restored: the next free range may be a till's (folio_hold)
        return None
    else:
        lease = await _lease_one(conn, tenant_id, SERVER_TERMINAL, "", SERVER_EPOCH, tipo, max(lease_size, 1), today,
                                 publish=False)
        if lease is None:
            return None
        lease_id, desde, issued = lease.lease_id, lease.desde, 0
        caf_xml = await store.lease_caf_xml(conn, tenant_id, lease_id)
    await store.count_issued(conn, tenant_id, lease_id)
    return desde + issued, caf_xml


async def retire_leases(conn: db.Conn, tenant_id: int, terminal_id: str, before_epoch: int) -> int:
    """Retire the terminal's open leases of epochs before ``before_epoch`` (their unused folios are never
    leased again); returns how many."""
    return await store.retire(conn, tenant_id, terminal_id, before_epoch)


async def retire_given_up(conn: db.Conn, tenant_id: int, terminal_id: str,
                          entries: Sequence[envelope.Envelope]) -> int:
    """Retire the terminal's open leases of epochs up to the one each ``folio.leases_retired`` of ``entries`` names
    (a till restored from a copy gave them up: it may have used any of them before its disk was lost), so
    :func:`refill` leases new ranges and the feed no longer hands them out; how many. A malformed payload retires
    nothing (the ingest's checks quarantine it)."""
    retired = 0
    for entry in entries:
        if entry.type != RETIRED_EVENT or not isinstance(entry.payload, dict):
            continue
        epoch, reason = entry.payload.get("epoch"), entry.payload.get("reason")
        if type(epoch) is int and 1 <= epoch <= 2**31 - 2 and reason in rules.RETIRE_REASONS:
            retired += await store.retire(conn, tenant_id, terminal_id, epoch + 1)
    return retired


RETIRED_EVENT = "folio.leases_retired"


async def record_documents(conn: db.Conn, tenant_id: int, terminal_id: str, epoch: int,
                           documents: list[Stamped]) -> Recorded:
    """Record the stamped documents of a push (in seq order) in ``dte_documents`` and ``dte_outbox`` (state
    ``issued``, for the DTE pipeline) and count them against the terminal's leases. Only a folio leased to this
    terminal (for ``epoch`` or an earlier one: entries carried into a new epoch) is recorded: one outside its leases
    (another till's, the server's, of another type or of none) is never recorded nor sent to the SII, so the till it
    belongs to can still issue it; a folio already recorded is refused and not recorded again.

    A refused document of a folded event is quarantined with its reason. Only the document is refused: the caller
    has folded the sale or return (money and goods moved at the till), so the quarantine row is marked ``folded`` and
    a rebuild folds the event again (the ingest quarantines a whole event whose folio is not its till's before it
    folds it: ``syncserver.ingest.scope``; here that is only a folio issued twice). A document of a quarantined event
    (``Stamped.quarantined``: the caller writes that event's quarantine row) gets a note instead, recorded or
    refused (:attr:`Recorded.notes`).

    The documents' tipo, folio and stamped_at must fit their columns (``syncserver.ingest.limits.document``).
    """
    refused = 0
    notes: dict[int, str] = {}
    for doc in documents:
        lease_id = await store.lease_of(conn, tenant_id, terminal_id, doc.tipo, doc.folio, epoch)
        inserted, reason = False, None
        if lease_id is None:
            reason = f"folio {doc.folio} del tipo {doc.tipo} no está asignado a esta caja: no se envía al SII"
        else:
            inserted = await store.add_document(conn, tenant_id, tipo=doc.tipo, folio=doc.folio,
                                                sale_id=doc.sale_id, terminal_id=terminal_id, epoch=epoch,
                                                seq=doc.seq, stamped_at=doc.stamped_at, ted=doc.ted)
            if not inserted:
                reason = f"folio {doc.folio} del tipo {doc.tipo} ya fue emitido: documento duplicado"
        if inserted:
            await outbox.add_issued(conn, tenant_id, doc.tipo, doc.folio)
            assert lease_id is not None
            await store.count_issued(conn, tenant_id, lease_id)
        if doc.quarantined:  # the caller quarantines the event: its reason says what became of the document
            name = named(doc.tipo, doc.folio)
            notes[doc.seq] = (f"su {name} se envía igual al SII" if inserted
                              else f"su {name} tampoco se registró: {reason}")
            if reason is not None:
                log.warning("folio refused", extra={"tenant_id": tenant_id, "terminal_id": terminal_id,
                                                    "tipo": doc.tipo, "folio": doc.folio, "reason": reason})
            continue
        if reason is not None:
            refused += 1
            log.warning("folio refused", extra={"tenant_id": tenant_id, "terminal_id": terminal_id,
                                                "tipo": doc.tipo, "folio": doc.folio, "reason": reason})
            # folded: the sale (return) itself happened at the till and stays in the read models (migration 0009)
            what = "la devolución" if doc.type == "sale.returned" else "la venta"
            reason += f"; {what} se registró igual, solo se rechazó su documento"
            await store.quarantine_folded(conn, tenant_id, terminal_id, epoch, doc.seq, type_=doc.type,
                                          version=doc.version, reason=reason,
                                          payload={"tipo": doc.tipo, "folio": doc.folio, "sale_id": doc.sale_id})
    return Recorded(refused, notes)


async def overview(pool: db.Pool, tenant_id: int) -> dict[str, list[dict[str, Any]]]:
    """The tenant's CAFs and leases, for HQ and ``admin folios``; after a restore, the terminals asked to report
    their leases (``hold``) and the ranges they reported that the master did not hold (``reported``)."""
    async with db.tenant_tx(pool, tenant_id) as conn:
        return {"cafs": await store.caf_rows(conn, tenant_id), "leases": await store.lease_rows(conn, tenant_id),
                "hold": await store.hold_rows(conn, tenant_id), "reported": await store.report_rows(conn, tenant_id)}
