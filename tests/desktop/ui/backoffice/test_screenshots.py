"""Each back-office section at 1024×600, saved to artifacts/screenshots/backoffice_<section>.png for people to look
at; the window must not need more room than the 10" screen gives."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QPushButton, QWidget

from desktop.presenters.backoffice.shell import SECTIONS
from tests.desktop.ui.backoffice.kit import stock_story

pytestmark = [pytest.mark.gui, pytest.mark.qt_log_ignore(r"This plugin does not support propagateSizeHints")]


def test_screenshot_of_every_section(ui, terminal):
    stock_story(terminal)
    ui.sign_in("rosa", "0000")
    screen = ui.find(QWidget, "back-office")
    for section in SECTIONS:
        ui.click(f"section-{section.key}", screen)
        if section.key == "products":
            ui.scan_into("products-search", "7802920000015")  # Huevos: a crossed price
        elif section.key == "kardex":
            ui.scan_into("kardex-search", "7801234567894")
        hint = ui.window.minimumSizeHint()
        assert hint.width() <= 1024 and hint.height() <= 600, section.key
        assert (ui.window.width(), ui.window.height()) == (1024, 600)
        assert ui.find(QPushButton, f"section-{section.key}", screen).isChecked()
        path = ui.screenshot(ui.window, f"backoffice_{section.key}.png")
        assert path.stat().st_size > 10_000


def test_screenshot_of_the_keyboard_and_the_sale_badge(ui, terminal):
    stock_story(terminal)
    ui.sign_in("rosa", "0000")
    screen = ui.find(QWidget, "back-office")
    ui.click("section-stock", screen)
    ui.click("back-office-keyboard", screen)
    assert ui.find(QWidget, "touch-keyboard", screen).isVisible()
    hint = ui.window.minimumSizeHint()
    assert hint.width() <= 1024 and hint.height() <= 600
    ui.screenshot(ui.window, "backoffice_keyboard.png")
    ui.click("back-office-keyboard", screen)
    ui.click("back-office-till", screen)
    ui.keypad("20000", ui.find(QWidget, "open-shift-screen"))
    ui.click("open-shift")
    badge = ui.find(QPushButton, "sale-back-office")
    assert badge.text() == "Administración · ⚠ 2"
    hint = ui.window.minimumSizeHint()
    assert hint.width() <= 1024 and hint.height() <= 600
    ui.screenshot(ui.window, "backoffice_sale_badge.png")


def test_screenshot_of_a_supervisor_reading(ui, terminal):
    stock_story(terminal)
    ui.sign_in("marta", "9999")
    ui.scan_into("products-search", "7801234567894")
    assert "Solo lectura" in ui.text("back-office-notice")
    ui.screenshot(ui.window, "backoffice_supervisor.png")
