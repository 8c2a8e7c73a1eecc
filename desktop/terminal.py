"""Composition root of a store terminal without its windows: journal, drivers and services, wired once.

``build`` is the only place that chooses implementations; the Qt app, the headless demo, the CLI and the tests
all start here, with the clock, the id factory and the printer injected.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import uuid6
from argon2 import PasswordHasher

from desktop import settings as settings_mod
from desktop.drivers import printers
from desktop.drivers.ports import CashDrawer, ReceiptPrinter
from desktop.drivers.receipt import PaperWidth
from desktop.journal import read_models
from desktop.journal.sqlite_store import Identity, SqliteJournal
from desktop.net.sync_client import SyncClient
from desktop.services import enrollment
from desktop.services.auth import AuthService
from desktop.services.catalog import CatalogService
from desktop.services.checkout import CheckoutService
from desktop.services.receipts import ReceiptService, StoreHeader
from desktop.services.shifts import ShiftService
from desktop.services.sync import SyncService
from shared import barcodes
from shared.events import registry

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now().astimezone()


def new_uuid7() -> str:
    return str(uuid6.uuid7())


@dataclass
class Terminal:
    """Everything one terminal process runs on."""

    settings: settings_mod.TerminalSettings
    journal: SqliteJournal
    catalog: CatalogService
    auth: AuthService
    receipts: ReceiptService
    checkout: CheckoutService
    shifts: ShiftService
    printer: ReceiptPrinter
    sync: SyncService | None = None

    def close(self) -> None:
        if self.sync is not None:
            self.sync.close()
        self.journal.close()


def label_layout(s: settings_mod.TerminalSettings) -> barcodes.LabelLayout:
    rules = tuple(barcodes.LabelRule(p, barcodes.ValueKind.WEIGHT, s.label_item_digits)
                  for p in s.label_prefixes_weight)
    rules += tuple(barcodes.LabelRule(p, barcodes.ValueKind.PRICE, s.label_item_digits)
                   for p in s.label_prefixes_price)
    return barcodes.LabelLayout(rules)


def build(s: settings_mod.TerminalSettings, *, clock: Clock = system_clock, new_id: Callable[[], str] = new_uuid7,
          printer: ReceiptPrinter | None = None, drawer: CashDrawer | None = None,
          hasher: PasswordHasher | None = None, create: bool = False) -> Terminal:
    """Open (or with ``create``, create) the terminal's journal and wire its services.

    Raises:
        JournalError: the journal cannot be opened (missing, locked, read-only, corrupt); nothing is changed.
    """
    codec = registry.build_codec()
    if create and not s.journal_path.exists():
        s.data_dir.mkdir(parents=True, exist_ok=True)
        journal = SqliteJournal.create(s.journal_path, Identity(s.tenant_id, s.store_id, s.terminal_id),
                                       codec=codec, clock=clock, new_id=new_id)
    else:
        journal = SqliteJournal.open(s.journal_path, codec=codec, clock=clock, new_id=new_id)
    printer = printer or printers.open_printer(s.printer_config())
    drawer = drawer or printers.EscposCashDrawer(printer)
    auth = AuthService(journal, hasher, max_failures=s.max_pin_failures,
                       lockout=timedelta(minutes=s.lockout_minutes))

    def user_name(user_id: str) -> str:
        record = read_models.user(journal.conn, user_id)
        return record[0] if record else user_id

    header = StoreHeader(s.store.name, s.store.rut, s.store.giro, s.store.address, s.terminal_id)
    receipts = ReceiptService(journal, printer, header, PaperWidth.parse(s.printer.width), user_name)
    catalog = CatalogService(journal.conn, label_layout(s))
    checkout = CheckoutService(journal, catalog, auth, receipts, new_id, discount_limit_pct=s.discount_limit_pct)
    shifts = ShiftService(journal, auth, receipts, drawer, new_id)
    return Terminal(s, journal, catalog, auth, receipts, checkout, shifts, printer, connect_sync(s, journal))


def connect_sync(s: settings_mod.TerminalSettings, journal: SqliteJournal, *, transport: Any = None
                 ) -> SyncService | None:
    """The sync service of an enrolled terminal (a key in the data folder and a server URL), else None."""
    key = enrollment.load_key(s.data_dir)
    server_url = journal.sync_state().get("server_url")
    if key is None or not server_url:
        return None
    client = SyncClient(server_url, journal.identity.terminal_id, key, transport=transport, clock=journal.clock)
    return SyncService(journal, client)
