"""The sale screen with electronic documents: the folio warning in the status bar, and a full return of the sale
found by its boleta's folio on the return screen, with a supervisor's PIN."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QLabel, QTableWidget

from shared.sale import Tender, TenderKind

pytestmark = [pytest.mark.gui, pytest.mark.qt_log_ignore(r"This plugin does not support propagateSizeHints")]

SAMPLES = Path(__file__).parents[2] / "data" / "sii" / "samples"


def test_folio_warning_and_a_full_return(ui, terminal, qtbot):
    ui.start_selling()
    status = ui.window.findChild(QLabel, "status-folios")
    assert status.isVisible() and status.text() == "Sin folios: conecte a HQ"
    for tipo in (39, 61):
        terminal.checkout.folios.load_caf((SAMPLES / f"caf_T{tipo}_cert_76235291-5_F1-20.xml").read_bytes())
    ui.scan("7801234567894")
    sale = terminal.checkout.complete((Tender(TenderKind.CASH, 2000),)).event
    ui.window.sale.refresh()
    assert status.text() == "Quedan 19 folios: conecte a HQ"

    ui.click("action-return")
    dialog = ui.dialog("return-dialog")
    recent = ui.find(QTableWidget, "return-recent", dialog)
    assert [recent.item(0, c).text() for c in (0, 2, 3)] == ["N° 1", f"Boleta N° {sale.document.folio}", "$1.150"]
    ui.keypad(str(sale.document.folio), dialog)  # the boleta's folio, typed: the one sale that matches opens
    ui.click("return-find", dialog)
    assert ui.text("return-title", dialog) == f"Devolución de la boleta N° {sale.document.folio}"
    ui.click("return-all", dialog)
    ui.click("return-ok", dialog)
    auth = ui.dialog("auth-dialog")
    assert f"boleta N° {sale.document.folio}" in ui.text("auth-hint", auth)
    ui.click("reason-0", auth)
    ui.keypad("9999", auth)
    ui.click("auth-ok", auth)
    qtbot.waitUntil(lambda: ui.closed("return-dialog"))
    assert ui.closed("auth-dialog")
    assert ui.text("message") == "Devolución lista: nota de crédito N° 1. Devuelva $1.150 en efectivo"
