"""Folios at the terminal: the leased ranges (journal facts), what is left of them, and loading a CAF by hand.

A lease arrives as ``folio.lease_received`` (pulled from HQ, or loaded from a CAF file with
``almacen pos caf-load``). The next folio of a type is a fold over the leases and the documents of the sales
journaled (``read_models.next_folio``); the folio is recorded in the same transaction as its sale, so it is
never issued twice, across restarts and ``rebuild-projections`` alike.
"""

from __future__ import annotations

import logging
import os
from datetime import date, datetime
from pathlib import Path
from typing import Any

from desktop.journal import read_models
from desktop.journal.sqlite_store import SqliteJournal, UnitOfWork
from shared import errors
from shared.dte import caf as caf_mod
from shared.dte import documents, ted
from shared.dte import errors as dte_errors
from shared.events import folios as folio_events
from shared.events import sales

log = logging.getLogger(__name__)

NO_FOLIOS = "Sin folios de boleta: conecte la caja a HQ para recibir más"
"""What the cashier is told when a sale went out without a boleta because no folio was left."""

NO_FACTURA_FOLIOS = ("Sin folios de {documento}: conecte la caja a HQ para recibir más. Puede emitir una boleta en "
                     "su lugar.")
"""What the cashier is told when a factura was asked for and no folio of its type is left (nothing is sold yet)."""

SII_CERTS = Path(caf_mod.__file__).with_name("data") / "sii_certs"
"""The SII's CAF-signing certificates (IDK 100 certificación, 300 producción)."""

LOW_FOLIOS_DEFAULT = 50
"""Below this many folios left the sale view warns the cashier (``[documents] low_folios`` in the settings)."""


RESTORE_MARK = "folios-por-retirar"
"""A file in the data folder: ``almacen pos restore`` writes it before putting a copy back and removes it once the
restored journal holds ``folio.leases_retired``; a till that opens with it there retires its leases first (a power
cut between the two steps leaves no lease of the copy usable)."""


def mark_restore(data_dir: Path) -> Path:
    """Write :data:`RESTORE_MARK` (flushed to disk) before a restore; its path."""
    mark = data_dir / RESTORE_MARK
    with mark.open("w", encoding="utf-8") as handle:
        handle.write("restauración en curso: retirar los folios al abrir\n")
        handle.flush()
        os.fsync(handle.fileno())
    return mark


class CafDuplicate(dte_errors.CafError):
    def __init__(self, tipo: int, desde: int, hasta: int) -> None:
        super().__init__(f"los folios {desde}-{hasta} del tipo {tipo} (o parte de ellos) ya están cargados en esta "
                         "caja")
        self.tipo, self.desde, self.hasta = tipo, desde, hasta


class FacturaUnavailable(errors.SaleError):
    """No factura can be issued for this sale now: no folio of ``tipo`` is left, the terminal has no emisor, or
    the sale cannot make a valid factura (e.g. more than 60 lines). Nothing was journaled: the cart stays, and the
    cashier may issue a boleta instead."""

    def __init__(self, message: str, tipo: int) -> None:
        super().__init__(message)
        self.tipo = tipo


def factura_tipo(all_exempt: bool) -> int:
    """33 (factura), or 34 (factura no afecta o exenta) when every line of the sale is exempt."""
    return int(documents.TipoDTE.FACTURA_EXENTA if all_exempt else documents.TipoDTE.FACTURA)


def no_factura_folios(tipo: int) -> str:
    return NO_FACTURA_FOLIOS.format(documento="factura exenta" if tipo == 34 else "factura")


class FolioService:
    """The folio leases of one terminal."""

    def __init__(self, journal: SqliteJournal, store_rut: str, *, sii_keys: dict[int, Any] | None = None,
                 emisor: documents.Emisor | None = None, low_folios: int = LOW_FOLIOS_DEFAULT) -> None:
        self.journal = journal
        self.store_rut = store_rut
        self.emisor = emisor
        self.low_folios = low_folios
        self._sii_keys = sii_keys
        self._cafs: dict[str, caf_mod.Caf] = {}
        self._out_of: set[int] = set()  # types already logged as out of folios (logged once, not per sale)

    @property
    def sii_keys(self) -> dict[int, Any]:
        if self._sii_keys is None:
            self._sii_keys = caf_mod.load_sii_keys(SII_CERTS)
        return self._sii_keys

    def load_caf(self, data: bytes, *, today: date | None = None) -> folio_events.FolioLeaseReceived:
        """Verify a CAF file and journal its whole range as a lease of this terminal.

        Raises:
            CafError: tampered, unknown IDK, key mismatch, other RUT, expired (by ``today``), malformed;
                CafDuplicate when any of its folios is already leased here.
            HostileXml, XmlError.
        """
        caf = caf_mod.load_caf(data, self.sii_keys, rut=self.store_rut, today=today)
        event = folio_events.FolioLeaseReceived(tipo=caf.tipo_dte, desde=caf.folio_desde, hasta=caf.folio_hasta,
                                                caf_xml=caf.raw.decode("latin-1"), source="caf-file")
        with self.journal.unit_of_work() as uow:
            for desde, hasta, _ in read_models.folio_leases(self.journal.conn, caf.tipo_dte):
                if desde <= caf.folio_hasta and hasta >= caf.folio_desde:
                    raise CafDuplicate(caf.tipo_dte, caf.folio_desde, caf.folio_hasta)
            uow.append(event)
        return event

    def retire_all(self, reason: str = "restore") -> list[tuple[int, int, int, int]]:
        """Give up every lease held (``folio.leases_retired``): after ``almacen pos restore`` the copy does not know
        the folios the lost journal used after it was taken, so none of its leases is stamped from again; the server
        retires them too when the event reaches it and leases new ranges. Returns ``(tipo, desde, hasta, first
        folio given up)`` of each lease that still had folios."""
        with self.journal.unit_of_work() as uow:
            uow.append(folio_events.FolioLeasesRetired(epoch=self.journal.identity.epoch, reason=reason))
        retired = read_models.retired_leases(self.journal.conn)
        log.warning("folios retirados tras restaurar el diario: %s", retired)
        return retired

    def retire_if_restored(self, data_dir: Path) -> bool:
        """:meth:`retire_all` when :data:`RESTORE_MARK` is in ``data_dir`` (a restore was begun), then remove the
        mark; whether it was there."""
        mark = data_dir / RESTORE_MARK
        if not mark.exists():
            return False
        self.retire_all()
        mark.unlink()
        return True

    def folios_left(self, tipo: int) -> int:
        """Folios of ``tipo`` left in the leases usable in the journal's current epoch."""
        return read_models.folios_left(self.journal.conn, tipo, self.journal.identity.epoch)

    def caf(self, caf_xml: str) -> caf_mod.Caf:
        """The parsed CAF of a lease (checked when it was received; parsed once per process)."""
        parsed = self._cafs.get(caf_xml)
        if parsed is None:
            parsed = self._cafs[caf_xml] = caf_mod.parse_caf(caf_xml.encode("latin-1"))
        return parsed

    def take(self, uow: UnitOfWork, tipo: int) -> tuple[int, caf_mod.Caf] | None:
        """The next folio of ``tipo`` and its CAF, or None when none is left, inside the unit of work that journals
        the document: the folio is taken when that sale's event is applied."""
        found = read_models.next_folio(uow.conn, tipo, self.journal.identity.epoch)
        if found is None:
            return None
        return found[0], self.caf(found[1])

    def warning(self, tipo: int = int(documents.TipoDTE.BOLETA)) -> str:
        """What the sale view's status bar shows about folios of ``tipo`` (short: the bar is narrow; the payment
        says the whole sentence when a sale goes out without a boleta): nothing while enough are left."""
        left = self.folios_left(tipo)
        if left == 0:
            return "Sin folios: conecte a HQ"
        if left < self.low_folios:
            return "Queda 1 folio: conecte a HQ" if left == 1 else f"Quedan {left} folios: conecte a HQ"
        return ""

    def warnings(self) -> str:
        """The status bar's folio warning across the types this till issues: boletas first, then facturas and notas
        de crédito — each only once the till has ever received a lease of it (a store that never issues facturas
        is not told it has none)."""
        boleta = self.warning()
        if boleta:
            return boleta
        for tipo, name in ((33, "factura"), (61, "nota de crédito")):
            if not read_models.has_folio_leases(self.journal.conn, tipo):
                continue
            left = self.folios_left(tipo)
            if left == 0:
                return f"Sin folios de {name}: conecte a HQ"
            if left < min(self.low_folios, 10):
                return (f"Queda 1 folio de {name}: conecte a HQ" if left == 1 else
                        f"Quedan {left} folios de {name}: conecte a HQ")
        return ""

    def stamp_sale(self, uow: UnitOfWork, sale: sales.SaleCompleted, now: datetime
                   ) -> tuple[sales.DocumentStamped | None, str]:
        """The boleta (39, or 41 when every line is exempt) of ``sale`` with the next folio and its TED, and ``""``;
        or None and what the cashier is told, when no folio of that type is left or the sale cannot make a valid
        document (the sale goes on without one; the cause is logged). Call it inside the unit of work that
        journals the sale."""
        if self.emisor is None or not sale.lines:
            return None, ""
        tipo = documents.TipoDTE.BOLETA_EXENTA if all(x.iva_exempt for x in sale.lines) else documents.TipoDTE.BOLETA
        took = self.take(uow, int(tipo))
        if took is None:
            if int(tipo) not in self._out_of:
                self._out_of.add(int(tipo))
                log.warning("sin folios del tipo %s desde la venta %s: se vende sin documento", int(tipo), sale.sale_id)
            return None, NO_FOLIOS
        self._out_of.discard(int(tipo))
        folio, caf = took
        try:
            doc = documents.boleta_desde_venta(sale, folio=folio, fecha_emision=now.date(), emisor=self.emisor)
            stamped = ted.stamp(caf, doc, now)
        except dte_errors.DteError as exc:
            log.error("venta %s sin documento: %s", sale.sale_id, exc)
            return None, f"Venta sin boleta: {exc}"
        return sales.DocumentStamped(tipo=int(tipo), folio=folio, ted=stamped.decode("latin-1"),
                                     stamped_at=now.replace(tzinfo=None).isoformat(timespec="seconds")), ""

    def factura_problem(self, all_exempt: bool) -> str:
        """Why a factura cannot be issued now for a sale whose lines are (or not) all exempt, or ``""``."""
        tipo = factura_tipo(all_exempt)
        if self.emisor is None:
            return "Esta caja no emite facturas: falta la configuración del emisor"
        return no_factura_folios(tipo) if self.folios_left(tipo) == 0 else ""

    def stamp_factura(self, uow: UnitOfWork, sale: sales.SaleCompleted, customer: sales.CustomerData,
                      now: datetime) -> sales.DocumentStamped:
        """The factura (33, or 34 when every line is exempt) of ``sale`` to ``customer`` with the next folio and its
        TED (RR = the customer's RUT, RSR = the first 40 characters of its razón social, SII §3). Call it inside the
        unit of work that journals the sale: unlike a boleta, a factura asked for is required, so the sale is not
        journaled without it.

        Raises:
            FacturaUnavailable: no folio of the type is left, no emisor, or the document is not valid.
        """
        tipo = factura_tipo(all(x.iva_exempt for x in sale.lines))
        if self.emisor is None:
            raise FacturaUnavailable("Esta caja no emite facturas: falta la configuración del emisor", tipo)
        took = self.take(uow, tipo)
        if took is None:
            log.warning("sin folios del tipo %s: la venta %s no puede llevar factura", tipo, sale.sale_id)
            raise FacturaUnavailable(no_factura_folios(tipo), tipo)
        folio, caf = took
        receptor = documents.receptor_desde_cliente(customer)
        try:
            doc = documents.factura_desde_venta(sale, folio=folio, fecha_emision=now.date(), emisor=self.emisor,
                                                receptor=receptor)
            stamped = ted.stamp(caf, doc, now)
        except dte_errors.DteError as exc:
            log.error("venta %s sin factura: %s", sale.sale_id, exc)
            raise FacturaUnavailable(f"No se puede emitir la factura: {exc}. Puede emitir una boleta.", tipo) from None
        return sales.DocumentStamped(tipo=tipo, folio=folio, ted=stamped.decode("latin-1"),
                                     stamped_at=now.replace(tzinfo=None).isoformat(timespec="seconds"))
