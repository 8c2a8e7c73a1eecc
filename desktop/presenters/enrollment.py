"""The till's first-run wizard: connect to HQ with a one-time code, receive the store, then try the devices.

Plain Python (no Qt). Steps: ``connect`` (address and code, or keep selling offline), ``pull`` (the store's
emisor, users, catalog and folios, one page at a time so the screen can show counts and stop), ``devices`` (the
device page's presenter does the detection and the test receipt) and ``done`` (the sign-in screen follows).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal

from desktop.journal.sqlite_store import SqliteJournal
from desktop.presenters.devices import PRINTER_KINDS, SCALES, DevicesPresenter, DevicesView
from desktop.services import enrollment
from desktop.services.sync import SyncService
from shared import errors, sync
from shared.events import auth as auth_events
from shared.events import catalog as catalog_events
from shared.events import emisor as emisor_events
from shared.events import folios as folio_events

Step = Literal["connect", "pull", "devices", "done"]
STEPS: tuple[Step, ...] = ("connect", "pull", "devices")
STEP_TITLES = {"connect": "1. Conectar con HQ", "pull": "2. Recibir la tienda", "devices": "3. Impresora y balanza"}


@dataclass(frozen=True, slots=True)
class PullCounts:
    """What the pull has brought so far: the store's tax data (emisor), users, products and folio ranges."""

    store: int = 0
    users: int = 0
    products: int = 0
    folios: int = 0

    def add(self, events: tuple[Any, ...]) -> PullCounts:
        return PullCounts(self.store + sum(isinstance(e, emisor_events.EmisorReceived) for e in events),
                          self.users + sum(isinstance(e, auth_events.UserEnrolled) for e in events),
                          self.products + sum(isinstance(e, catalog_events.ProductUpserted) for e in events),
                          self.folios + sum(isinstance(e, folio_events.FolioLeaseReceived) for e in events))


@dataclass(frozen=True, slots=True)
class EnrollView:
    """The wizard as drawn: its ``step``, a message (``error`` in red), and the pull's state and counts."""

    step: Step = "connect"
    message: str = ""
    error: bool = False
    pulling: bool = False
    pulled: bool = False  # HQ said nothing more waits
    counts: PullCounts = PullCounts()
    pages: int = 0  # pages of changes received (the progress bar moves with them)

    @property
    def done(self) -> bool:
        return self.step == "done"


def _many(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


def connect_error(exc: errors.PosError, server_url: str) -> str:
    """The Spanish message for a failed enrolment: the server unreachable, or the code refused and why."""
    text = str(exc)
    if "sin conexión" in text or "respondió" in text or "ilegible" in text:
        return (f"No se pudo conectar con el servidor {server_url}. Revise la dirección (incluido el puerto) y que "
                "la caja tenga red; luego toque Conectar de nuevo.")
    if "ya fue usado" in text:
        return "Ese código ya fue usado por otra caja. Pida un código nuevo en HQ (Cajas › Nuevo código)."
    if "expiró" in text:
        return "Ese código expiró. Pida un código nuevo en HQ (Cajas › Nuevo código)."
    if "desconocido" in text:
        return "HQ no conoce ese código. Revise que esté bien escrito (letras y números, con guiones)."
    return text[:1].upper() + text[1:]


class EnrollPresenter:
    """The wizard on the running till (its ``journal``, the key written to ``data_dir``); ``connect`` starts its
    sync service at once (no restart) and returns it (None if the till is still not enrolled)."""

    def __init__(self, journal: SqliteJournal, data_dir: Path,
                 connect: Callable[[], SyncService | None], on_change: Callable[[EnrollView], None] = lambda v: None
                 ) -> None:
        self.journal = journal
        self.data_dir = data_dir
        self.connect = connect
        self.on_change = on_change
        self.sync: SyncService | None = None
        self.view = EnrollView()

    @staticmethod
    def needed(journal: SqliteJournal, enrolled: bool) -> bool:
        """Ask at start-up: not ``enrolled``, and the owner has not chosen to stay offline."""
        return not enrolled and not journal.sync_state().get("enroll_skipped")

    def _emit(self, **changes: Any) -> EnrollView:
        self.view = replace(self.view, **changes)
        self.on_change(self.view)
        return self.view

    # -- step 1 ------------------------------------------------------------------------------------------------

    def enroll(self, server_url: str, code: str) -> EnrollView:
        """Enrol with ``code`` at ``server_url``; on success the wizard moves to the pull step."""
        url, code = server_url.strip().rstrip("/"), code.strip().upper()
        if url and "://" not in url:
            url = f"http://{url}"
        if not url.startswith(("http://", "https://")) or len(url) < 10:
            return self._emit(message="Escriba la dirección del servidor de HQ, p. ej. http://hq.mitienda.cl:8700.",
                              error=True)
        if not code:
            return self._emit(message="Escriba el código de un solo uso que le dieron en HQ.", error=True)
        try:
            enrollment.enroll_existing(self.journal, self.data_dir, url, code)
        except errors.PosError as exc:
            return self._emit(message=connect_error(exc, url), error=True)
        self.sync = self.connect()
        if self.sync is None:
            return self._emit(message="La caja quedó enrolada pero no pudo iniciar la sincronización.", error=True)
        return self._emit(step="pull", message="Caja conectada con HQ. Recibiendo la tienda…", error=False)

    def skip(self) -> EnrollView:
        """Keep selling offline (remembered: the wizard does not ask again)."""
        self.journal.set_sync_state(enroll_skipped=1)
        return self._emit(step="done", message="La caja vende sin conexión; puede conectarla después.", error=False)

    # -- step 2 ------------------------------------------------------------------------------------------------

    def start_pull(self) -> EnrollView:
        """Begin (or retry) receiving; the screen then calls :meth:`pull_page` until ``pulling`` turns false."""
        return self._emit(pulling=True, pulled=False, message="Recibiendo la tienda…", error=False)

    def pull_page(self) -> EnrollView:
        """Receive and apply one page of HQ's changes; a failure keeps what arrived and stops (Reintentar)."""
        if self.sync is None or not self.view.pulling:
            return self.view
        try:
            batch = self.sync.pull_batch()
        except (sync.SyncError, errors.PosError) as exc:
            reason = exc.detail if isinstance(exc, sync.SyncError) else str(exc)
            return self._emit(pulling=False, error=True,
                              message=f"Se cortó la recepción ({reason}). Lo recibido queda guardado; toque "
                                      "Reintentar.")
        counts = self.view.counts.add(batch.events)
        if batch.more:
            return self._emit(counts=counts, pages=self.view.pages + 1)
        return self._emit(counts=counts, pages=self.view.pages + 1, pulling=False, pulled=True, error=False,
                          message=self.summary(counts))

    def cancel_pull(self) -> EnrollView:
        """Stop after the page in flight; what arrived stays, and Reintentar continues from there."""
        if not self.view.pulling:
            return self.view
        return self._emit(pulling=False, message="Recepción detenida. Lo recibido queda guardado: toque Reintentar, o "
                                                 "Seguir y la caja terminará de recibir sola.", error=False)

    @staticmethod
    def summary(counts: PullCounts) -> str:
        store = " y los datos tributarios de la tienda" if counts.store else ""
        text = (f"Listo: {_many(counts.products, 'producto')}, {_many(counts.users, 'usuario')} y "
                f"{_many(counts.folios, 'rango')} de folios{store}.")
        if not counts.users:
            text += (" HQ aún no tiene usuarios de caja para esta tienda: créelos en HQ › Usuarios; la caja los "
                     "recibe sola.")
        return text

    # -- step 3 ------------------------------------------------------------------------------------------------

    def to_devices(self) -> EnrollView:
        """Go on to the devices (the pull may be unfinished: the background sync completes it)."""
        return self._emit(step="devices", pulling=False, message="", error=False)

    @staticmethod
    def detected(view: DevicesView) -> str:
        """What the device page found, in words: USB printers and serial ports (a scale or a serial scanner)."""
        form = view.form
        usb = [label for _value, label in view.targets] if form.printer_kind == "usb" else []
        kind = dict(PRINTER_KINDS).get(form.printer_kind, form.printer_kind)
        lines = [f"Impresora USB encontrada: {', '.join(usb)}." if usb else
                 f"No se encontró una impresora USB: se usa la configurada ({kind}"
                 f"{': ' + form.printer_target if form.printer_target else ''})."]
        ports = [label for _device, label in view.ports]
        if form.scale_protocol:
            lines.append(f"Balanza: {dict(SCALES).get(form.scale_protocol, form.scale_protocol)}"
                         f"{' en ' + form.scale_port if form.scale_port else ''}.")
        lines.append(f"Puertos serie (balanza o lector): {', '.join(ports)}." if ports else
                     "No hay puertos serie: sin balanza conectada (el peso se escribe).")
        return "\n".join(lines)

    @staticmethod
    def prefer_detected(devices: DevicesPresenter) -> DevicesView:
        """Use a USB printer the device page found when the till has none of that kind configured, and a scale
        that answered on a serial port when none is configured (not saved yet: "Guardar y terminar" saves them)."""
        form = devices.view.form
        if form.printer_kind != "usb":
            view = devices.edit(printer_kind="usb")
            if view.targets:
                devices.edit(printer_target=view.targets[0][0])
            else:  # nothing found: back to the configured printer
                devices.edit(printer_kind=form.printer_kind)
                devices.edit(printer_target=form.printer_target)
        if not form.scale_protocol and devices.view.ports:
            return devices.detect_scale()
        return devices.view

    def finish(self) -> EnrollView:
        """Leave the wizard for the sign-in screen."""
        return self._emit(step="done", message="", error=False)
