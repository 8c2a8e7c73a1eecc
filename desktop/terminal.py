"""Composition root of a store terminal without its windows: journal, drivers, services and presenters, wired once.

``build`` is the only place that chooses implementations; the Qt app, the headless demo, the CLI and the tests
all start here, with the clock, the id factory and the printer injected.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import uuid6
from argon2 import PasswordHasher

from desktop import settings as settings_mod
from desktop.drivers import escpos_render, printers, scanner
from desktop.drivers.ports import BarcodeInput, CashDrawer, PrinterError, PrinterStatus, ReceiptPrinter
from desktop.drivers.receipt import PaperWidth
from desktop.drivers.scales import Scale
from desktop.drivers.scales.config import open_scale
from desktop.journal import archive, read_models
from desktop.journal.sqlite_store import Identity, SqliteJournal
from desktop.net.sync_client import SyncClient
from desktop.presenters.sale import SalePresenter, SaleView
from desktop.presenters.shift import SessionPresenter, SessionView
from desktop.presenters.till_fiado import TillFiado
from desktop.services import enrollment
from desktop.services.auth import AuthService
from desktop.services.backups import BackupService, BackupWorker
from desktop.services.catalog import CatalogService
from desktop.services.checkout import CheckoutService
from desktop.services.counts import CountService
from desktop.services.fiado import FiadoService
from desktop.services.folios import FolioService
from desktop.services.inventory import InventoryService
from desktop.services.local_products import LocalProductService
from desktop.services.mermas import MermaService
from desktop.services.printing import PrintWorker
from desktop.services.purchases import PurchaseService
from desktop.services.receipts import CashDrawerViaPrinter, ReceiptService, StoreHeader
from desktop.services.reports import ReportsService
from desktop.services.returns import ReturnService
from desktop.services.shifts import ShiftService
from desktop.services.suppliers import SupplierService
from desktop.services.sync import SyncService
from desktop.services.transfers import TransferService
from shared import barcodes
from shared.catalog import Product
from shared.dte.documents import Emisor
from shared.events import registry

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now().astimezone()


def new_uuid7() -> str:
    return str(uuid6.uuid7())


class NoDrawer:
    """The ``CashDrawer`` of a terminal configured without one (``[drawer] enabled = false``)."""

    def open(self) -> None:
        """Raises: PrinterError, always, saying to use the key."""
        raise PrinterError(PrinterStatus.UNKNOWN, "Esta caja no tiene cajón configurado. Ábralo con la llave.",
                           detail="drawer disabled")


@dataclass
class Terminal:
    """Everything one terminal process runs on. ``scale`` is ``None`` without a ``[scale]``; ``scanner`` is the
    serial (or scanner-scale) reader, started by whoever shows its codes (``start_scanner``)."""

    settings: settings_mod.TerminalSettings
    journal: SqliteJournal
    catalog: CatalogService
    auth: AuthService
    receipts: ReceiptService
    checkout: CheckoutService
    shifts: ShiftService
    printer: ReceiptPrinter
    sync: SyncService | None = None
    scale: Scale | None = None
    scanner: BarcodeInput | None = None
    returns: ReturnService | None = None
    purchases: PurchaseService | None = None
    inventory: InventoryService | None = None
    transfers: TransferService | None = None
    counts: CountService | None = None
    mermas: MermaService | None = None
    suppliers: SupplierService | None = None
    local_products: LocalProductService | None = None
    fiado: FiadoService | None = None
    reports: ReportsService | None = None
    backups: BackupService | None = None
    backup_worker: BackupWorker | None = None
    _scanner_callbacks: tuple[Callable[[str], None], Callable[[str], None]] | None = field(default=None, repr=False)

    def start_scanner(self, on_code: Callable[[str], None], on_error: Callable[[str], None]) -> None:
        """Read the serial scanner (if any) from now on; the callbacks run on its thread. Kept for re-applies."""
        self._scanner_callbacks = (on_code, on_error)
        if self.scanner is not None:
            self.scanner.start(on_code, on_error)

    def pause_scanner(self) -> None:
        """Stop reading the serial scanner for a while (the device page may try its port)."""
        if self.scanner is not None:
            self.scanner.stop()

    def resume_scanner(self) -> None:
        """Read the serial scanner again after ``pause_scanner`` (with the callbacks it had)."""
        if self._scanner_callbacks is not None:
            self.start_scanner(*self._scanner_callbacks)

    def archive_old_months(self) -> archive.Outcome:
        """Move the months the server acknowledged and older than ``[journal] retention_days`` into archive files
        (``desktop.journal.archive.run``; at shift close, in the backup thread). Raises: ArchiveError, JournalError.
        """
        return archive.run(self.journal, self.journal.clock(), self.settings.journal.retention_days)

    def start_backups(self) -> None:
        """Copy the journal to the ``[backup]`` folder from now on: when due and at every shift close."""
        if self.backups is not None and self.backup_worker is None:
            self.backup_worker = BackupWorker(self.backups, before_requested=self.archive_old_months)
            self.backup_worker.start()
            self.shifts.on_closed = self.backup_worker.request

    def attach_sync(self) -> SyncService | None:
        """Connect the sync service now (after enrolment), or None when the till is still not enrolled."""
        self.sync = connect_sync(self.settings, self.journal)
        return self.sync

    def reopen_scale(self) -> None:
        """A fresh scale from the settings (after the device page borrowed its port)."""
        if self.settings.scale is not None:
            self.scale = open_scale(self.settings.scale)

    def apply_devices(self, new: settings_mod.TerminalSettings) -> None:
        """Switch to the devices of ``new`` without a restart (the device page's Guardar).

        Raises:
            ValueError: invalid device settings; nothing was changed.
        """
        settings_mod.validate(new)
        printer = printers.open_printer(new.printer_config())
        scale = open_scale(new.scale) if new.scale is not None else None
        reader = scanner.open_scanner(new.scanner, scale) if new.scanner is not None else None
        self._stop_devices()
        self.settings, self.printer, self.scale, self.scanner = new, printer, scale, reader
        self.receipts.use(printer, PaperWidth.parse(new.printer.width), new.drawer)
        if isinstance(self.shifts.drawer, CashDrawerViaPrinter | NoDrawer):  # a drawer injected by a test stays
            self.shifts.drawer = CashDrawerViaPrinter(self.receipts) if new.drawer.enabled else NoDrawer()
        if self._scanner_callbacks is not None:
            self.start_scanner(*self._scanner_callbacks)

    def _stop_devices(self) -> None:
        if self.scanner is not None:
            self.scanner.stop()
        if self.scale is not None:
            with contextlib.suppress(Exception):  # a scale that vanished may fail to close; it is gone either way
                self.scale.close()

    def close(self) -> None:
        if self.backup_worker is not None:
            self.backup_worker.stop()
        self._stop_devices()
        self.receipts.close()
        if self.sync is not None:
            self.sync.close()
        self.journal.close()


def session_presenter(t: Terminal, on_change: Callable[[SessionView], None] = lambda v: None) -> SessionPresenter:
    """The sign-in and shift presenter of ``t``, wired to its services."""
    return SessionPresenter(t.auth, t.shifts, t.receipts, on_change,
                            handover_count=t.settings.cashier_change == "count")


def sale_presenter(t: Terminal, on_change: Callable[[SaleView], None] = lambda v: None) -> SalePresenter:
    """The sale screen's presenter of ``t``: its services, and its scale and sync service as they are when used."""
    desk = None if t.fiado is None else TillFiado(t.fiado, t.shifts, lambda: t.checkout.cashier)
    return SalePresenter(t.checkout, t.catalog, t.receipts, on_change, returns=t.returns, scale=lambda: t.scale,
                         sync=lambda: t.sync, fiado_desk=desk)


def label_layout(s: settings_mod.TerminalSettings) -> barcodes.LabelLayout:
    rules = tuple(barcodes.LabelRule(p, barcodes.ValueKind.WEIGHT, s.label_item_digits)
                  for p in s.label_prefixes_weight)
    rules += tuple(barcodes.LabelRule(p, barcodes.ValueKind.PRICE, s.label_item_digits)
                   for p in s.label_prefixes_price)
    return barcodes.LabelLayout(rules)


def build(s: settings_mod.TerminalSettings, *, clock: Clock = system_clock, new_id: Callable[[], str] = new_uuid7,
          printer: ReceiptPrinter | None = None, drawer: CashDrawer | None = None, scale: Scale | None = None,
          reader: BarcodeInput | None = None, hasher: PasswordHasher | None = None, create: bool = False,
          status_interval: float = 15.0) -> Terminal:
    """Open (or with ``create``, create) the terminal's journal and wire its services and devices.

    ``printer``, ``drawer``, ``scale`` and ``reader`` replace what the settings configure (tests, demo mode).
    Devices are opened lazily: a scale or scanner that is unplugged does not stop the terminal from starting.

    Raises:
        JournalError: the journal cannot be opened (missing, locked, read-only, corrupt); nothing is changed.
        ValueError: invalid device settings.
    """
    codec = registry.build_codec()
    if create and not s.journal_path.exists():
        s.data_dir.mkdir(parents=True, exist_ok=True)
        journal = SqliteJournal.create(s.journal_path, Identity(s.tenant_id, s.store_id, s.terminal_id),
                                       codec=codec, clock=clock, new_id=new_id)
    else:
        journal = SqliteJournal.open(s.journal_path, codec=codec, clock=clock, new_id=new_id)
    printer = printer or printers.open_printer(s.printer_config())
    scale = scale or (open_scale(s.scale) if s.scale is not None else None)
    reader = reader or (scanner.open_scanner(s.scanner, scale) if s.scanner is not None else None)
    auth = AuthService(journal, hasher, max_failures=s.max_pin_failures,
                       lockout=timedelta(minutes=s.lockout_minutes))

    def user_name(user_id: str) -> str:
        record = read_models.user(journal.conn, user_id)
        return record[0] if record else user_id

    header = StoreHeader(s.store.name, s.store.rut, s.store.giro, s.store.address, s.terminal_id, _logo(s),
                         s.store.sii_office)
    worker = PrintWorker(printer, status_interval=status_interval)
    receipts = ReceiptService(journal, worker, header, PaperWidth.parse(s.printer.width), user_name,
                              renderer=escpos_render.EscposRenderer(), drawer=s.drawer,
                              resolution=(s.documents.resolution_number, s.documents.resolution_year))
    drawer = drawer or (CashDrawerViaPrinter(receipts) if s.drawer.enabled else NoDrawer())
    catalog = CatalogService(journal, label_layout(s))
    emisor = Emisor(rut=s.store.rut, razon_social=s.store.name, giro=s.store.giro, direccion=s.store.address,
                    comuna=s.store.comuna, acteco=(s.store.acteco,))
    folios = FolioService(journal, s.store.rut, emisor=emisor, low_folios=s.documents.low_folios)
    folios.retire_if_restored(s.data_dir)  # a restore's copy never stamps from its leases (docs/backups.md)
    checkout = CheckoutService(journal, catalog, auth, receipts, new_id, discount_limit_pct=s.discount_limit_pct,
                               folios=folios, boleta_for_cards=s.documents.boleta_for_cards,
                               void_needs_pin=s.void_needs_pin, open_price_needs_pin=s.open_price_needs_pin)
    shifts = ShiftService(journal, auth, receipts, drawer, new_id, per_cashier=s.cashier_change == "drawer")
    returns = ReturnService(journal, auth, folios, receipts, new_id)

    def product_of(code: str) -> Product:
        return catalog.resolve(code).product

    return Terminal(s, journal, catalog, auth, receipts, checkout, shifts, printer, connect_sync(s, journal),
                    scale=scale, scanner=reader, returns=returns,
                    purchases=PurchaseService(journal, s.store.rut, new_id, resolve=product_of),
                    inventory=InventoryService(journal, user_name, s.store.name),
                    transfers=TransferService(journal, product_of, new_id, user_name),
                    counts=CountService(journal, product_of, new_id, user_name),
                    mermas=MermaService(journal, auth, product_of, new_id), suppliers=SupplierService(journal),
                    local_products=LocalProductService(journal),
                    fiado=FiadoService(journal, auth, receipts, shifts, new_id),
                    reports=ReportsService(journal, clock),
                    backups=BackupService(s.journal_path, s.data_dir, journal.identity.terminal_id, s.backup, clock))


def _logo(s: settings_mod.TerminalSettings) -> Any:
    """The store's logo for receipts, or None (no logo configured, or a file that cannot be read)."""
    if not s.store.logo:
        return None
    from PIL import Image

    path = Path(s.store.logo) if Path(s.store.logo).is_absolute() else s.data_dir / s.store.logo
    try:
        with Image.open(path) as image:
            return image.copy()
    except OSError:
        return None


def connect_sync(s: settings_mod.TerminalSettings, journal: SqliteJournal, *, transport: Any = None
                 ) -> SyncService | None:
    """The sync service of an enrolled terminal (a key in the data folder and a server URL), else None."""
    key = enrollment.load_key(s.data_dir)
    server_url = journal.sync_state().get("server_url")
    if key is None or not server_url:
        return None
    client = SyncClient(server_url, journal.identity.terminal_id, key, transport=transport, clock=journal.clock)
    return SyncService(journal, client)
