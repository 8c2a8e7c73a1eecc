"""The one stylesheet of the till: high contrast, large type and finger-sized targets for a 10" touch screen."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

TOUCH_MIN = 56
"""Minimum height in px of anything a finger must hit (Apple/Google ask for ≥44–48 px)."""

SCREEN = (1024, 600)
"""The smallest screen the till runs on (a 10" touch panel), in px."""
DIALOG_MAX_HEIGHT = 540
"""A dialog's height in px must fit under the window manager's title bar on that screen (600 - 60 spare)."""

INK = "#111827"
BLUE = "#1d4ed8"
GREEN = "#15803d"
RED = "#b91c1c"
PAPER = "#eef2f6"

STYLESHEET = f"""
QWidget {{ font-family: "DejaVu Sans", "Segoe UI", sans-serif; font-size: 18px; color: {INK}; }}
QMainWindow, QDialog, QStackedWidget > QWidget {{ background: {PAPER}; }}
QLabel {{ background: transparent; }}

QLineEdit {{ background: white; border: 2px solid #94a3b8; border-radius: 10px; padding: 4px 12px;
             min-height: 44px; font-size: 24px; selection-background-color: {BLUE}; }}
QLineEdit:focus {{ border-color: {BLUE}; }}

QPushButton {{ background: white; border: 2px solid #cbd5e1; border-bottom: 3px solid #94a3b8;
               border-radius: 12px; padding: 4px 14px; font-size: 19px; font-weight: 600; }}
QPushButton:pressed {{ background: #dbeafe; }}
QPushButton:checked {{ background: {BLUE}; color: white; border-color: #1e3a8a; }}
QPushButton:disabled {{ color: #94a3b8; background: #e2e8f0; border-color: #e2e8f0; }}
QPushButton[role="primary"] {{ background: {BLUE}; color: white; border-color: #1e3a8a; }}
QPushButton[role="pay"] {{ background: {GREEN}; color: white; border-color: #14532d; font-size: 28px;
                           font-weight: 800; padding: 4px 28px; }}
QPushButton[role="pay"]:pressed {{ background: #166534; }}
QPushButton[role="pay"]:disabled {{ background: #a7c4b0; color: #f0fdf4; border-color: #a7c4b0; }}
QPushButton[role="action"] {{ padding: 4px 6px; font-size: 17px; }}
QPushButton[role="alert"] {{ background: #fef3c7; color: #78350f; border-color: #f0d68a; font-weight: 800; }}
QPushButton[role="danger"] {{ color: {RED}; border-color: #fca5a5; }}
QPushButton[role="key"] {{ font-size: 26px; font-weight: 700; }}
QPushButton[role="user"] {{ font-size: 22px; text-align: left; padding-left: 24px; }}
QPushButton[role="tile"] {{ border-radius: 12px; padding: 6px; }}
QLabel[role="tile-name"] {{ font-size: 17px; font-weight: 600; }}
QLabel[role="tile-price"] {{ font-size: 20px; font-weight: 800; color: {GREEN}; }}
QLabel[role="tile-price"][weighed="true"] {{ color: #9a3412; }}

QTableView#cart {{ background: white; border: 2px solid #cbd5e1; border-radius: 10px; font-size: 18px;
                   selection-background-color: #bfdbfe; selection-color: {INK}; outline: 0; }}
QHeaderView::section {{ background: #e2e8f0; color: #334155; font-size: 15px; font-weight: 700;
                        padding: 6px 8px; border: none; }}
QScrollBar:vertical {{ width: 26px; background: #e2e8f0; border-radius: 8px; }}
QScrollBar::handle:vertical {{ background: #94a3b8; border-radius: 8px; min-height: 48px; }}
QScrollBar::add-line, QScrollBar::sub-line {{ height: 0; width: 0; }}
QScrollArea {{ border: none; background: transparent; }}
QScrollArea > QWidget > QWidget {{ background: transparent; }}

QTabBar::tab {{ min-height: 48px; padding: 0 20px; margin-right: 6px; font-size: 18px; font-weight: 700;
                background: #e2e8f0; border-radius: 10px; }}
QTabBar::tab:selected {{ background: {BLUE}; color: white; }}
QTabBar::scroller {{ width: 0; }}
QTabBar QToolButton {{ width: 0; border: none; }}

QFrame#total-box {{ background: {INK}; border-radius: 12px; }}
QFrame#total-box QLabel {{ color: white; }}
QLabel#total-caption {{ font-size: 22px; font-weight: 700; color: #cbd5e1; }}
QLabel#total {{ font-size: 44px; font-weight: 800; }}
QLabel#items, QLabel#discount {{ font-size: 16px; color: #cbd5e1; }}
QLabel#message {{ font-size: 17px; font-weight: 600; color: #1e3a8a; }}
QLabel[error="true"], QLabel#message[error="true"] {{ color: {RED}; font-weight: 700; }}
QLabel[role="title"] {{ font-size: 26px; font-weight: 800; }}
QLabel[role="hint"] {{ font-size: 17px; color: #475569; }}
QLabel#sign-in-empty {{ font-size: 22px; background: #fef3c7; color: #5c3c00; border: 2px solid #f0d68a;
                        border-radius: 12px; padding: 20px; }}
QLabel#sign-in-notice {{ font-size: 15px; color: #9a3412; }}
QLabel#change {{ font-size: 60px; font-weight: 800; color: {GREEN}; }}
QLabel#pay-total {{ font-size: 40px; font-weight: 800; }}
QLabel#due {{ font-size: 24px; font-weight: 700; }}
QFrame#entry-box {{ background: white; border: 2px solid #94a3b8; border-radius: 10px; }}
QLabel#entry {{ font-size: 34px; font-weight: 800; }}
QLabel#change[done="true"] {{ font-size: 80px; }}
QLabel#change[short="true"] {{ font-size: 40px; color: #9a3412; }}

QFrame#scale-panel {{ background: white; border: 2px solid #cbd5e1; border-radius: 14px; }}
QLabel#scale-weight {{ font-size: 60px; font-weight: 800; font-family: "DejaVu Sans Mono", monospace; }}
QLabel#scale-price {{ font-size: 36px; font-weight: 800; color: {GREEN}; }}
QLabel#scale-state {{ font-size: 22px; font-weight: 800; border-radius: 10px; padding: 6px 12px; }}
QLabel#scale-state[level="ok"] {{ background: #dcfce7; color: #14532d; }}
QLabel#scale-state[level="wait"] {{ background: #fef3c7; color: #78350f; }}
QLabel#scale-state[level="error"] {{ background: #fee2e2; color: {RED}; }}
QLabel#scale-tare, QLabel#scale-message {{ font-size: 16px; color: #475569; }}

QComboBox {{ background: white; border: 2px solid #94a3b8; border-radius: 10px; padding: 2px 12px;
             min-height: 44px; font-size: 19px; }}
QComboBox:disabled {{ background: #e2e8f0; color: #94a3b8; border-color: #cbd5e1; }}
QComboBox::drop-down {{ border: none; width: 36px; }}
QComboBox::down-arrow {{ image: url(:/qt-project.org/styles/commonstyle/images/arrow-down-32.png);
                         width: 20px; height: 20px; }}
QComboBox::down-arrow:disabled {{ image: none; }}
QComboBox QAbstractItemView {{ font-size: 20px; selection-background-color: {BLUE}; }}
QComboBox QAbstractItemView::item {{ min-height: 48px; }}
QLabel[role="section"] {{ font-size: 19px; font-weight: 800; color: #1e3a8a; padding-top: 2px; }}
QLabel[role="caption"] {{ font-size: 14px; color: #475569; }}
QDialog#devices-dialog QLabel#scale-weight {{ font-size: 40px; }}
QDialog#devices-dialog QLabel[role="title"] {{ font-size: 22px; }}

QStatusBar {{ background: #1f2937; }}
QStatusBar QLabel {{ color: white; font-size: 15px; padding: 0 6px; }}
QStatusBar QLabel#status-connection {{ color: #fca5a5; font-weight: 700; }}
QStatusBar QLabel#status-connection[online="true"] {{ color: #86efac; font-weight: 400; }}
QStatusBar QLabel#status-pending {{ color: #fde68a; font-weight: 700; }}
QStatusBar QLabel#status-printer[error="true"], QStatusBar QLabel#status-folios[error="true"] {{
    color: #fca5a5; font-weight: 700; }}
QStatusBar::item {{ border: none; }}
"""


def set_flag(widget: QWidget, name: str, value: bool | str) -> None:
    """Set a dynamic property used by a stylesheet selector (``[error="true"]``, ``[level="ok"]``) and re-apply
    the style."""
    if widget.property(name) == value:
        return
    widget.setProperty(name, value)
    widget.style().unpolish(widget)
    widget.style().polish(widget)
