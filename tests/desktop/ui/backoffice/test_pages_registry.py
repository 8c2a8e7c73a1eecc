"""Where each section's page comes from: its module's ``build(context)``, or a plain notice when the module is not
installed in this version of the till."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QLabel, QWidget

from desktop.presenters.backoffice.shell import SECTIONS
from desktop.ui.backoffice import pages

pytestmark = [pytest.mark.gui, pytest.mark.qt_log_ignore(r"This plugin does not support propagateSizeHints")]


def test_every_section_has_a_page_module():
    assert set(pages.PAGE_MODULES) == {s.key for s in SECTIONS}


def test_a_section_whose_page_is_not_installed_says_so(qtbot, monkeypatch):
    monkeypatch.setitem(pages.PAGE_MODULES, "transfers", "no_such_page")
    page = pages.build("transfers", "Transferencias", context=None)  # never reaches a build()
    qtbot.addWidget(page)
    assert page.objectName() == "page-transfers"
    notice = page.findChild(QLabel, "page-transfers-missing")
    assert notice.text() == "«Transferencias» aún no está disponible en esta versión de la caja."
    assert isinstance(page, QWidget)
