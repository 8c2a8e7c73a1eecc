"""The back office's Clientes page: the store's customers with their fiado balance, limit, use and overdue days
(found by name, RUT or phone), a customer created or edited with fiado enabled and its limit (administrador;
a supervisor reads), the store's fiado settings, and a customer's movements for a date range with its
estado de cuenta as a PDF (``desktop.services.fiado``, ``desktop.journal.fiado_queries``; docs/fiado.md).

Plain Python (no Qt): ``desktop.ui.backoffice.customers_page`` draws ``CustomersView``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Protocol

from desktop.presenters.backoffice import lines
from desktop.presenters.backoffice.suppliers import check_rut
from desktop.services.auth import User
from shared import errors, es_cl, fiado, money, roles, text_fold
from shared import rut as rut_mod

READ_ONLY = "Sólo lectura: los clientes y su fiado los crea y edita un administrador."
NO_SERVICE = "Esta caja muestra los clientes pero no los guarda (le falta el servicio de fiado)."
SECTIONS = (("list", "Clientes"), ("profile", "Ficha y fiado"), ("movements", "Movimientos"),
            ("settings", "Ajustes de fiado"))
LIST_COLUMNS = ("Cliente", "Saldo", "Límite", "Uso", "Mora")
MOVEMENT_COLUMNS = ("Fecha", "Documento", "Cargo", "Abono", "Saldo")
FIELDS = ("name", "rut", "phone", "address", "notes")
"""The profile's fields, in the order shown."""
OVERPAYMENT = (("credit", "Queda a favor del cliente"), ("refuse", "Se rechaza"))
"""What a payment larger than the balance does (``shared.events.fiado.OVERPAYMENT_POLICIES``), in words."""
LIST_LIMIT = 200
"""Customers listed at once (a search narrows them)."""
SHOWN_MOVEMENTS = 500
"""Movements drawn on screen at once (a shorter range shows the rest; the PDF has them all)."""


# --- what the page reads and calls ---------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class CustomerRow:
    """A customer in the list: profile, fiado account (``limit`` CLP, 0 when never set), ``balance`` CLP (what
    they owe; negative: saldo a favor), ``oldest_unpaid_at`` (ISO journal time of the oldest charge not yet paid,
    ``""`` none) and ``flag`` (the master's or the till's reason to look at it, Spanish; ``""`` none)."""

    customer_id: str
    name: str
    rut: str
    phone: str
    enabled: bool
    limit: int
    balance: int
    oldest_unpaid_at: str = ""
    flag: str = ""


@dataclass(frozen=True, slots=True)
class Profile:
    """A customer's profile as saved (``rut`` compact or ``""``)."""

    customer_id: str
    name: str
    rut: str
    phone: str
    address: str
    notes: str


@dataclass(frozen=True, slots=True)
class StatementLine:
    """One movement of an estado de cuenta: its day, the document ("Boleta N° 123", "Abono en efectivo"), the
    charge or the credit (CLP, one of them 0) and the running balance after it."""

    day: date
    document: str
    cargo: int
    abono: int
    balance: int


@dataclass(frozen=True, slots=True)
class StatementData:
    """A customer's movements from ``start`` to ``end`` (both included): the balance before, the lines, after."""

    opening: int
    lines: tuple[StatementLine, ...]
    closing: int


@dataclass(frozen=True, slots=True)
class Settings:
    """The store's fiado settings: ``offline_allowance`` CLP and ``overpayment`` (``credit`` or ``refuse``)."""

    offline_allowance: int
    overpayment: str


class CustomerSource(Protocol):
    """The till's read models of customers and fiado (``customer_sources.JournalCustomers``)."""

    def customers(self, search: str, only_with_balance: bool, overdue_only: bool,
                  limit: int) -> list[CustomerRow]:
        """Matching ``search`` (name, RUT with or without dots, phone digits; "" all), most owed first."""
        ...

    def customer(self, customer_id: str) -> CustomerRow | None: ...

    def profile(self, customer_id: str) -> Profile | None: ...

    def statement(self, customer_id: str, start: date, end: date) -> StatementData: ...

    def settings(self) -> Settings: ...


class FiadoActions(Protocol):
    """The till's fiado service acting as the user inside; each raises ``shared.errors.PosError`` with a Spanish
    message for bad input (nothing journaled then)."""

    def save_customer(self, customer_id: str, name: str, rut: str, phone: str, address: str, notes: str) -> str:
        """Create (``customer_id`` ``""``) or edit a customer; returns its id."""
        ...

    def set_account(self, customer_id: str, enabled: bool, limit: int) -> None: ...

    def set_settings(self, allowance: int, overpayment: str) -> None: ...

    def statement_pdf(self, customer_id: str, start: date, end: date, path: Path) -> Path: ...


# --- the page -----------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class ListLine:
    """A row of the list as shown: the name, RUT · phone under it, balance, limit, use and overdue in words;
    ``flag`` is ``"over"`` (over its limit or flagged), ``"overdue"`` (owes for 30 days or more) or ``""``."""

    name: str
    detail: str
    balance: str
    limit: str
    use: str
    overdue: str
    flag: str = ""


@dataclass(frozen=True, slots=True)
class Form:
    """The customer being written, as typed; ``rut_check`` what the RUT's check says; ``editing`` the id of the
    customer opened (``""``: a new one); ``enabled`` and ``limit`` its fiado as typed."""

    name: str = ""
    rut: str = ""
    phone: str = ""
    address: str = ""
    notes: str = ""
    rut_check: str = ""
    rut_ok: bool = False
    editing: str = ""
    enabled: bool = False
    limit: str = ""


@dataclass(frozen=True, slots=True)
class CustomersView:
    """``rows`` (:class:`ListLine`) for ``search`` and the filters; ``selected`` the row opened in ``form``;
    ``customer`` its name ("" none opened) and ``account`` its balance in words; ``movements`` follow
    :data:`MOVEMENT_COLUMNS` for ``start``..``end`` (as typed, DD-MM-AAAA) with ``opening`` and ``closing``;
    ``allowance`` and ``overpayment`` the store's settings as typed; ``file`` the PDF last written; ``flag`` the
    opened customer's flags in full (the master's, Spanish; "" none)."""

    section: str = "list"
    search: str = ""
    only_with_balance: bool = False
    overdue_only: bool = False
    rows: tuple[ListLine, ...] = ()
    total: str = ""
    selected: int | None = None
    form: Form = Form()
    customer: str = ""
    account: str = ""
    start: str = ""
    end: str = ""
    movements: tuple[tuple[str, ...], ...] = ()
    opening: str = ""
    closing: str = ""
    allowance: str = ""
    overpayment: str = "credit"
    file: str = ""
    can_edit: bool = False
    message: str = ""
    error: bool = False
    flag: str = ""


OVERDUE_FLAG_DAYS = 30
"""A balance unpaid more than this many days is shown in amber (``fiado_queries.OVERDUE_DAYS``: «Con mora»)."""


def day_text(d: date) -> str:
    return f"{d:%d-%m-%Y}"


def parse_day(text: str, what: str) -> date:
    """A day typed as ``07-12-2026``, ``7/12/2026`` or ``2026-12-07``.

    Raises:
        InvalidInput: with the Spanish reason naming ``what`` ("Desde", "Hasta").
    """
    cleaned = text.strip().replace("/", "-").replace(".", "-")
    parts = cleaned.split("-")
    try:
        if len(parts) == 3 and len(parts[0]) == 4:
            return date(int(parts[0]), int(parts[1]), int(parts[2]))
        if len(parts) == 3:
            return date(int(parts[2]), int(parts[1]), int(parts[0]))
    except ValueError:
        pass
    raise errors.InvalidInput(f"Fecha «{what}» no válida: «{text.strip()}» (escriba día-mes-año, p. ej. 01-12-2026)")


def local_day(iso: str) -> date | None:
    """The store's calendar day (Chile) of an ISO journal time (``None`` for ``""`` or an unreadable one)."""
    try:
        return fiado.local_date(iso)
    except (errors.PosError, ValueError):
        return None


def chile_today() -> date:
    """Today in the store's calendar (``shared.fiado.CHILE``), as statements and overdue days count."""
    return datetime.now(fiado.CHILE).date()


def overdue_days(oldest_unpaid_at: str, today: date) -> int | None:
    """Days since the oldest charge not yet paid (``None`` when nothing is owed)."""
    day = local_day(oldest_unpaid_at) if oldest_unpaid_at else None
    return None if day is None else max(0, (today - day).days)


def use_percent(balance: int, limit: int) -> int | None:
    """How much of the limit is used, in whole percent rounded half up (``None`` without a limit)."""
    if limit <= 0:
        return None
    return (max(balance, 0) * 100 + limit // 2) // limit


def days_text(days: int | None) -> str:
    if days is None:
        return ""
    return "hoy" if days == 0 else f"{days} día{'s' if days != 1 else ''}"


def balance_text(balance: int) -> str:
    """What a customer owes: ``$12.300``; saldo a favor ``$500 a favor``."""
    return f"{money.format_clp(-balance)} a favor" if balance < 0 else money.format_clp(balance)


def line_of(row: CustomerRow, today: date) -> ListLine:
    days = overdue_days(row.oldest_unpaid_at, today) if row.balance > 0 else None
    use = use_percent(row.balance, row.limit) if row.enabled else None
    over = bool(row.flag) or (row.enabled and row.balance > row.limit)
    rut = rut_mod.format(row.rut) if row.rut else ""
    marked = f"⚑ {_short(row.flag)}" if row.flag else ""  # first: a long line is cut at its end
    detail = " · ".join(part for part in (marked, rut, row.phone, "" if row.flag or not over else "Sobre el límite")
                        if part)
    flag = "over" if over else ("overdue" if days is not None and days > OVERDUE_FLAG_DAYS else "")
    return ListLine(row.name, detail, balance_text(row.balance) if row.balance else "$0",
                    money.format_clp(row.limit) if row.enabled else "Sin fiado",
                    f"{use}\u00a0%" if use is not None else "", days_text(days), flag)


FLAG_SHOWN = 60
"""Most characters of a flag's text the list shows under the name (the whole text is in the form, ``flag``)."""


def _short(text: str) -> str:
    return text if len(text) <= FLAG_SHOWN else text[:FLAG_SHOWN - 1].rstrip() + "…"


def account_text(row: CustomerRow, today: date) -> str:
    """"Debe $12.300 de $50.000 (25 %) · disponible $37.700 · 12 días de mora"."""
    owes = (f"Saldo a favor {money.format_clp(-row.balance)}" if row.balance < 0 else
            f"Debe {money.format_clp(row.balance)}")
    if not row.enabled:
        return f"{owes} · sin fiado habilitado"
    parts = [f"{owes} de {money.format_clp(row.limit)} ({use_percent(row.balance, row.limit)}\u00a0%)",
             f"disponible {money.format_clp(max(row.limit - row.balance, 0))}"]
    days = overdue_days(row.oldest_unpaid_at, today) if row.balance > 0 else None
    if days:
        parts.append(f"{days_text(days)} de mora")
    if row.balance > row.limit:
        parts.append("sobre el límite")
    return " · ".join(parts)


def month_range(today: date, back: int = 0) -> tuple[date, date]:
    """The month ``back`` months before ``today``'s: its first day and its last (today for this month)."""
    first = today.replace(day=1)
    for _ in range(back):
        first = (first - timedelta(days=1)).replace(day=1)
    if back == 0:
        return first, today
    following = (first + timedelta(days=32)).replace(day=1)
    return first, following - timedelta(days=1)


class CustomersPresenter:
    """The Clientes page of ``user`` (an administrador edits; a supervisor reads and prints)."""

    def __init__(self, source: CustomerSource, actions: FiadoActions | None, user: User,
                 today: Callable[[], date] = chile_today, pdf_folder: Callable[[], Path] = Path.cwd,
                 on_change: Callable[[CustomersView], None] = lambda v: None) -> None:
        self.source, self.actions, self.user = source, actions, user
        self.today, self.pdf_folder = today, pdf_folder
        self.on_change = on_change
        self._ids: list[str] = []
        can_edit = user.role is roles.Role.ADMIN and actions is not None
        start, end = month_range(today())
        settings = source.settings()
        self.read_only = READ_ONLY if user.role is not roles.Role.ADMIN else NO_SERVICE
        self.view = self._listed(CustomersView(
            can_edit=can_edit, message="" if can_edit else self.read_only, start=day_text(start), end=day_text(end),
            allowance=es_cl.number(settings.offline_allowance), overpayment=settings.overpayment))

    def _emit(self, view: CustomersView) -> CustomersView:
        self.view = view
        self.on_change(view)
        return view

    def _listed(self, view: CustomersView) -> CustomersView:
        found = self.source.customers(view.search, view.only_with_balance, view.overdue_only, LIST_LIMIT)
        self._ids = [c.customer_id for c in found]
        today = self.today()
        owed = sum(c.balance for c in found if c.balance > 0)
        total = (f"{len(found)} cliente{'s' if len(found) != 1 else ''} · deben {money.format_clp(owed)}"
                 if found else "")
        selected = self._ids.index(view.form.editing) if view.form.editing in self._ids else None
        return replace(view, rows=tuple(line_of(c, today) for c in found), selected=selected, total=total)

    def _refused(self, message: str) -> CustomersView:
        return self._emit(replace(self.view, message=message, error=True))

    # --- the list -------------------------------------------------------------------------------------------
    def show(self, section: str) -> CustomersView:
        if section not in dict(SECTIONS):
            return self.view
        if section == "movements" and self.view.form.editing and not self.view.movements:
            return self.statement(section="movements")
        return self._emit(replace(self.view, section=section, message="" if self.view.can_edit else self.read_only,
                                  error=False))

    def refresh(self) -> CustomersView:
        """Read the customers again (a sale or a pull may have moved balances)."""
        view = self._listed(self.view)
        if view.form.editing:
            row = self.source.customer(view.form.editing)
            view = replace(view, account=account_text(row, self.today()) if row is not None else "")
        return self._emit(view)

    def search(self, text: str) -> CustomersView:
        """Customers whose name, RUT or phone match ``text`` (accents, case, dots and dashes ignored)."""
        return self._emit(self._listed(replace(self.view, search=text)))

    def filter(self, *, only_with_balance: bool | None = None, overdue_only: bool | None = None) -> CustomersView:
        """Only those who owe; only those with an unpaid charge (overdue days)."""
        view = replace(self.view,
                       only_with_balance=self.view.only_with_balance if only_with_balance is None
                       else only_with_balance,
                       overdue_only=self.view.overdue_only if overdue_only is None else overdue_only)
        return self._emit(self._listed(view))

    def open(self, row: int) -> CustomersView:
        """Open the customer of ``row``: its profile and fiado in the form."""
        if not 0 <= row < len(self._ids):
            return self.view
        return self._open(self._ids[row])

    def _open(self, customer_id: str, message: str = "") -> CustomersView:
        profile = self.source.profile(customer_id)
        row = self.source.customer(customer_id)
        if profile is None or row is None:
            return self._refused("Ese cliente ya no está en esta caja")
        check, ok = check_rut(profile.rut)
        form = Form(profile.name, rut_mod.format(profile.rut) if profile.rut else "", profile.phone,
                    profile.address, profile.notes, check, ok, editing=customer_id, enabled=row.enabled,
                    limit=es_cl.number(row.limit) if row.limit else "")
        view = self._listed(replace(self.view, form=form, customer=profile.name, flag=row.flag,
                                    account=account_text(row, self.today()), section="profile", movements=(),
                                    opening="", closing="", file="", error=False,
                                    message=message or ("" if self.view.can_edit else self.read_only)))
        return self._emit(view)

    def new(self) -> CustomersView:
        """An empty form for a new customer."""
        return self._emit(replace(self.view, form=Form(), selected=None, customer="", account="", flag="", movements=(),
                                  opening="", closing="", file="", section="profile",
                                  message="" if self.view.can_edit else self.read_only, error=False))

    # --- the form -------------------------------------------------------------------------------------------
    def type(self, name: str, text: str) -> CustomersView:
        """What was typed in field ``name`` (one of :data:`FIELDS`, or ``limit``); the RUT is checked at once."""
        if name not in (*FIELDS, "limit"):
            return self.view
        f = self.view.form
        form = {"name": lambda: replace(f, name=text), "rut": lambda: replace(f, rut=text),
                "phone": lambda: replace(f, phone=text), "address": lambda: replace(f, address=text),
                "notes": lambda: replace(f, notes=text), "limit": lambda: replace(f, limit=text)}[name]()
        if name == "rut":
            check, ok = check_rut(text)
            form = replace(form, rut_check=check, rut_ok=ok)
        return self._emit(replace(self.view, form=form))

    def set_fiado(self, enabled: bool) -> CustomersView:
        return self._emit(replace(self.view, form=replace(self.view.form, enabled=enabled)))

    def save(self) -> CustomersView:
        """Save the profile and, when it changed, its fiado (enabled and limit). The limit is read before anything
        is saved, so a bad one (zero, not a number) saves nothing; a refusal keeps everything typed."""
        f = self.view.form
        if not self.view.can_edit or self.actions is None:
            return self._refused(self.read_only)
        try:
            limit = money.parse_clp(f.limit) if f.limit.strip() else 0
        except errors.InvalidAmount as exc:
            return self._refused(f"Límite de fiado no válido: {exc.reason}")
        if f.enabled and limit <= 0:
            return self._refused("Para habilitar el fiado escriba un límite mayor que $0")
        before = self.source.customer(f.editing) if f.editing else None
        try:
            customer_id = self.actions.save_customer(f.editing, f.name, f.rut, f.phone, f.address, f.notes)
            changed = (before is None and f.enabled) or (
                before is not None and (before.enabled != f.enabled or (f.enabled and before.limit != limit)))
            if changed:
                kept = limit if f.enabled or before is None else before.limit  # disabling keeps the limit it had
                self.actions.set_account(customer_id, f.enabled, kept)
        except errors.PosError as exc:
            return self._refused(lines.describe_error(exc))
        done = f"Cliente guardado: {f.name.strip()}"
        if changed:
            done += (f" · fiado hasta {money.format_clp(limit)}" if f.enabled else " · fiado deshabilitado")
        return self._open(customer_id, done)

    # --- movements and the estado de cuenta -----------------------------------------------------------------
    def set_range(self, start: str | None = None, end: str | None = None) -> CustomersView:
        """The dates as typed (read when the movements are asked for)."""
        return self._emit(replace(self.view, start=self.view.start if start is None else start,
                                  end=self.view.end if end is None else end))

    def month(self, back: int = 0) -> CustomersView:
        """This month (``back`` 0) or the one before (1): its movements at once."""
        start, end = month_range(self.today(), back)
        self.view = replace(self.view, start=day_text(start), end=day_text(end))
        return self.statement()

    def _range(self) -> tuple[date, date]:
        start = parse_day(self.view.start, "Desde")
        end = parse_day(self.view.end, "Hasta")
        if start > end:
            raise errors.InvalidInput("La fecha «Desde» es posterior a «Hasta»")
        return start, end

    def statement(self, section: str = "movements") -> CustomersView:
        """The opened customer's movements from ``start`` to ``end``: opening balance, each line, closing."""
        customer_id = self.view.form.editing
        if not customer_id:
            return self._refused("Abra primero un cliente de la lista")
        try:
            start, end = self._range()
        except errors.InvalidInput as exc:
            return self._emit(replace(self.view, section=section, movements=(), opening="", closing="",
                                      message=str(exc), error=True))
        data = self.source.statement(customer_id, start, end)
        movements = tuple((day_text(line.day), line.document,
                           money.format_clp(line.cargo) if line.cargo else "",
                           money.format_clp(line.abono) if line.abono else "", balance_text(line.balance))
                          for line in data.lines[:SHOWN_MOVEMENTS])
        count = len(data.lines)
        message = (f"{es_cl.number(count)} movimiento{'s' if count != 1 else ''} del {day_text(start)} al "
                   f"{day_text(end)}" if count else f"Sin movimientos del {day_text(start)} al {day_text(end)}")
        if count > SHOWN_MOVEMENTS:
            message += (f": se muestran los primeros {es_cl.number(SHOWN_MOVEMENTS)} (acorte el período para ver el "
                        "resto; el PDF los tiene todos)")
        return self._emit(replace(self.view, section=section, movements=movements,
                                  opening=f"Saldo al {day_text(start - timedelta(days=1))}: "
                                          f"{balance_text(data.opening)}",
                                  closing=f"Saldo al {day_text(end)}: {balance_text(data.closing)}",
                                  file="", message=message, error=False))

    def pdf(self, folder: Path | None = None) -> CustomersView:
        """The estado de cuenta of the opened customer for the range as a PDF in ``folder`` (the till's folder of
        exports when None): ``estado-de-cuenta-<name>-<start>-<end>.pdf``; ``file`` names it."""
        customer_id = self.view.form.editing
        if not customer_id:
            return self._refused("Abra primero un cliente de la lista")
        if self.actions is None:
            return self._refused("Esta caja no genera estados de cuenta")
        try:
            start, end = self._range()
        except errors.InvalidInput as exc:
            return self._refused(str(exc))
        target = (folder or self.pdf_folder()) / f"estado-de-cuenta-{slug(self.view.customer)}-{start:%Y%m%d}-" \
                                                 f"{end:%Y%m%d}.pdf"
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            path = self.actions.statement_pdf(customer_id, start, end, target)
        except (errors.PosError, OSError) as exc:
            return self._refused(f"No se pudo guardar el estado de cuenta: {exc}")
        return self._emit(replace(self.view, file=str(path), error=False,
                                  message=f"Estado de cuenta guardado: {path}"))

    # --- the store's settings -------------------------------------------------------------------------------
    def type_allowance(self, text: str) -> CustomersView:
        return self._emit(replace(self.view, allowance=text))

    def set_overpayment(self, policy: str) -> CustomersView:
        if policy not in dict(OVERPAYMENT):
            return self.view
        return self._emit(replace(self.view, overpayment=policy))

    def save_settings(self) -> CustomersView:
        """Save the offline allowance and the overpayment policy; a bad amount saves nothing."""
        if not self.view.can_edit or self.actions is None:
            return self._refused(self.read_only)
        try:
            allowance = money.parse_clp(self.view.allowance) if self.view.allowance.strip() else 0
        except errors.InvalidAmount as exc:
            return self._refused(f"Monto sin conexión no válido: {exc.reason}")
        try:
            self.actions.set_settings(allowance, self.view.overpayment)
        except errors.PosError as exc:
            return self._refused(lines.describe_error(exc))
        saved = self.source.settings()
        return self._emit(replace(self.view, allowance=es_cl.number(saved.offline_allowance),
                                  overpayment=saved.overpayment, error=False,
                                  message=f"Ajustes de fiado guardados: sin conexión hasta "
                                          f"{money.format_clp(saved.offline_allowance)} por cliente; un abono "
                                          f"mayor que la deuda {dict(OVERPAYMENT)[saved.overpayment].lower()}"))


def slug(name: str) -> str:
    """A customer's name fit for a file name: ``"José Pérez"`` → ``"jose-perez"``."""
    return "-".join(text_fold.words(name)) or "cliente"
