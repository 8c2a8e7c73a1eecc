"""The back office's frame: who may enter (an administrador in full, a supervisor read-only), its sections, the
section on screen and the number of stock alerts."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal

from desktop.services.auth import User
from shared import es_cl, money, roles


@dataclass(frozen=True, slots=True)
class Section:
    """A section of the back office: ``key`` (the page's name, ``section-<key>`` on screen) and its title."""

    key: str
    title: str


SECTIONS = (
    Section("products", "Productos"),
    Section("stock", "Stock"),
    Section("kardex", "Kardex"),
    Section("transfers", "Transferencias"),
    Section("counts", "Toma de inventario"),
    Section("mermas", "Mermas"),
    Section("suppliers", "Proveedores"),
    Section("purchases", "Compras"),
    Section("customers", "Clientes"),
    Section("reports", "Reportes"),
)
"""In the order of the side bar."""

READ_ONLY_NOTE = "Solo lectura"
"""The header's note for a supervisor (each page says why a field cannot be changed)."""


def access(role: roles.Role) -> str:
    """``"full"`` (administrador), ``"read"`` (supervisor) or ``""`` (a cashier goes on to the shift)."""
    return {roles.Role.ADMIN: "full", roles.Role.SUPERVISOR: "read"}.get(role, "")


def alerts_text(count: int) -> str:
    """What the badge says: ``""`` for none, ``"1 alerta de stock"``, ``"12 alertas de stock"``."""
    if count <= 0:
        return ""
    return f"{es_cl.number(count)} alerta{'s' if count != 1 else ''} de stock"


def day(iso: str) -> str:
    """An ISO journal time as people read it: ``"07-12-2026 14:05"`` (``""`` stays ``""``)."""
    if not iso:
        return ""
    try:
        moment = datetime.fromisoformat(iso)
    except ValueError:
        return iso
    return f"{moment:%d-%m-%Y %H:%M}"


def date(iso: str) -> str:
    """An ISO journal time's day: ``"07-12-2026"`` (``""`` stays ``""``)."""
    return day(iso)[:10]


def quantity(value: Decimal, sold_by: str) -> str:
    """Units as a whole number (``"12"``), kg with 3 places (``"0,512 kg"``); es-CL separators."""
    if sold_by == "kg":
        return money.format_kg(value)
    return es_cl.number(value.quantize(Decimal(1)) if value == value.to_integral_value() else value)


@dataclass(frozen=True, slots=True)
class ShellView:
    user: str = ""
    role: str = ""
    read_only: bool = True
    section: str = SECTIONS[0].key
    sections: tuple[Section, ...] = SECTIONS
    alerts: int = 0
    alerts_text: str = ""
    notice: str = ""
    message: str = ""
    error: bool = False


class BackOfficePresenter:
    """Enter with a signed-in user, move between sections, keep the alert count; ``leave`` clears it all."""

    def __init__(self, alerts: Callable[[], int], on_change: Callable[[ShellView], None] = lambda v: None) -> None:
        self.count_alerts = alerts
        self.on_change = on_change
        self.user: User | None = None
        self.view = ShellView()

    def _emit(self, view: ShellView) -> ShellView:
        self.view = view
        self.on_change(view)
        return view

    def enter(self, user: User, section: str = "") -> ShellView:
        """Open the back office for ``user``; a cashier is refused (``error``), a supervisor reads only."""
        level = access(user.role)
        if not level:
            return self._emit(replace(ShellView(), message="El back office es para el administrador de la tienda",
                                      error=True))
        self.user = user
        read_only = level == "read"
        keys = {s.key for s in SECTIONS}
        count = self.count_alerts()
        return self._emit(ShellView(user=user.name, role=user.role.label, read_only=read_only,
                                    section=section if section in keys else SECTIONS[0].key, alerts=count,
                                    alerts_text=alerts_text(count), notice=READ_ONLY_NOTE if read_only else ""))

    def show(self, key: str) -> ShellView:
        """Bring section ``key`` on screen (an unknown key changes nothing)."""
        if self.user is None or key not in {s.key for s in SECTIONS} or key == self.view.section:
            return self.view
        return self._emit(replace(self.view, section=key, message="", error=False))

    def refresh_alerts(self) -> ShellView:
        """Count the alerts again (after a sale, a pull, a count or a merma)."""
        count = self.count_alerts()
        if count == self.view.alerts:
            return self.view
        return self._emit(replace(self.view, alerts=count, alerts_text=alerts_text(count)))

    def say(self, message: str, error: bool = False) -> ShellView:
        """A word from a page for the frame's message line."""
        return self._emit(replace(self.view, message=message, error=error))

    def leave(self) -> ShellView:
        self.user = None
        return self._emit(ShellView())
