"""The customer dialog's presenter (factura): find a known customer by part of its RUT or name, or type a new one;
the data are checked as the SII requires before the factura is asked for.

Plain Python (no Qt): ``CustomerView`` says what to show; ``fill`` is set once when a known customer was picked (the
view copies it into the fields), ``chosen`` when the data were accepted.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from desktop.services.customers import CustomerInvalid, CustomerService, check, check_rut
from shared.events.sales import CustomerData

FIELDS = ("rut", "razon_social", "giro", "direccion", "comuna")


@dataclass(frozen=True, slots=True)
class CustomerView:
    matches: tuple[tuple[str, str], ...] = ()
    """Known customers for what was typed in the search: ``(rut, "Razón social · 76.123.456-0")``."""
    message: str = ""
    error: bool = False
    field: str = ""
    """The field the error is about (one of :data:`FIELDS`), to mark it."""
    fill: CustomerData | None = None
    chosen: CustomerData | None = None


class CustomerPresenter:
    """One customer dialog. ``initial`` fills the fields (the customer already chosen for this sale)."""

    def __init__(self, customers: CustomerService, initial: CustomerData | None = None,
                 on_change: Callable[[CustomerView], None] = lambda v: None) -> None:
        self.customers = customers
        self.on_change = on_change
        self.view = CustomerView(fill=initial, message="Busque un cliente guardado o escriba sus datos")

    def _render(self, **changes: object) -> CustomerView:
        fresh: dict[str, object] = {"message": "", "error": False, "field": "", "fill": None, **changes}
        self.view = replace(self.view, **fresh)  # type: ignore[arg-type]
        self.on_change(self.view)
        return self.view

    def search(self, text: str) -> CustomerView:
        """Typed in the search field: the known customers matching it (nothing for an empty text)."""
        if not text.strip():
            return self._render(matches=())
        found = self.customers.search(text)
        message = ("Toque el cliente para usar sus datos" if found else
                   f"No hay clientes guardados con «{text.strip()}»: escriba sus datos")
        return self._render(matches=tuple((m.customer.rut, m.label) for m in found), message=message)

    def pick(self, rut: str) -> CustomerView:
        """A known customer was touched: its data fill the fields, to check and accept."""
        found = self.customers.get(rut)
        if found is None:
            return self._render(message="Ese cliente ya no está guardado", error=True)
        return self._render(fill=found, matches=(), message=f"{found.razon_social}: revise los datos y toque "
                                                            "«Emitir factura»")

    def rut_entered(self, text: str) -> CustomerView:
        """The RUT field was left: a known RUT fills the other fields; a wrong dígito verificador is said at once."""
        if not text.strip():
            return self.view
        try:
            check_rut(text)
        except CustomerInvalid as exc:
            return self._render(message=str(exc), error=True, field=exc.field)
        found = self.customers.get(text)
        if found is None:
            return self._render(message="Cliente nuevo: complete sus datos")
        return self._render(fill=found, message=f"Cliente guardado: {found.razon_social}")

    def submit(self, rut: str, razon_social: str, giro: str, direccion: str, comuna: str) -> CustomerView:
        """«Emitir factura»: the data checked (``chosen`` set), or what is wrong and in which field."""
        try:
            data = check(rut, razon_social, giro, direccion, comuna)
        except CustomerInvalid as exc:
            return self._render(message=str(exc), error=True, field=exc.field)
        return self._render(chosen=data, message=f"Factura a {data.razon_social}")
