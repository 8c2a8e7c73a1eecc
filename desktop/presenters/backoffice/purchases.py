"""The back office's Compras page: which of its sections shows, who may register (the administrador; a supervisor
sees it read-only), and the supplier-XML registration (``desktop.presenters.purchase``) for the signed-in manager.

Plain Python (no Qt): ``desktop.ui.backoffice.purchases_page`` draws ``PurchasesView``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from desktop.presenters.purchase import PurchasePresenter
from desktop.services import purchases
from desktop.services.auth import AuthService, User
from desktop.services.catalog import CatalogService
from shared import roles

SECTIONS = (("xml", "XML del proveedor"),)
"""The page's sections: (key, button text)."""
READ_ONLY = "Sólo lectura: las compras las registra un administrador."


@dataclass(frozen=True, slots=True)
class PurchasesView:
    """``section`` is one key of :data:`SECTIONS`; ``can_edit`` False for a supervisor (read-only);
    ``message`` (``error``: a problem) is what the last action said."""

    section: str = "xml"
    can_edit: bool = False
    message: str = ""
    error: bool = False


class PurchasesPresenter:
    """The Compras page of ``user`` (the one signed in to the back office)."""

    def __init__(self, service: purchases.PurchaseService, auth: AuthService, catalog: CatalogService, user: User,
                 on_change: Callable[[PurchasesView], None] = lambda v: None) -> None:
        self.service, self.auth, self.catalog, self.user = service, auth, catalog, user
        self.on_change = on_change
        can_edit = user.role is roles.Role.ADMIN
        self.view = PurchasesView(can_edit=can_edit, message="" if can_edit else READ_ONLY)

    def _emit(self, view: PurchasesView) -> PurchasesView:
        self.view = view
        self.on_change(view)
        return view

    def show(self, section: str) -> PurchasesView:
        """Show ``section`` (a key of :data:`SECTIONS`; anything else is ignored)."""
        if section not in dict(SECTIONS):
            return self.view
        return self._emit(replace(self.view, section=section))

    def xml(self) -> PurchasePresenter | None:
        """A registration of a supplier's XML by the signed-in administrador (None, with the reason shown, for a
        read-only user)."""
        if not self.view.can_edit:
            self._emit(replace(self.view, message=READ_ONLY, error=True))
            return None
        return PurchasePresenter(self.service, self.auth, self.catalog, self.user.user_id, manager=self.user)

    def registered(self, message: str) -> PurchasesView:
        """What the XML registration said when it closed ("" when nothing was registered)."""
        return self._emit(replace(self.view, message=message, error=False))
