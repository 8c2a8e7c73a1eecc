"""The bundle's own smoke sale: ``almacen --smoke-sale DATA OUT`` (scripts/smoke-desktop runs it in the bundle).

On an enrolled till (``almacen pos enroll URL CODE --demo --data DATA``): opens the real main window (Qt from the
bundle: the platform plugin named by ``QT_QPA_PLATFORM``, fonts, PNG writer) and saves it as ``OUT/window.png``,
then Ana signs in, opens a shift, scans the first barcode and pays it exactly, through the presenters the window
uses; then one sync round. ``OUT/smoke.json`` says what happened; the exit code is 0 only when the sale was
committed, the journal verifies and the server acknowledged it.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def run(data: Path, out: Path) -> int:
    from PySide6.QtWidgets import QApplication

    from desktop import settings as settings_mod
    from desktop import terminal as terminal_mod
    from desktop.demo import seed
    from desktop.journal import read_models
    from desktop.presenters.payment import PaymentPresenter
    from desktop.ui import app as ui_app

    out.mkdir(parents=True, exist_ok=True)
    report: dict[str, object] = {"qt_platform": ""}
    qt = QApplication.instance() or QApplication(sys.argv[:1])
    report["qt_platform"] = QApplication.platformName()
    from shared.dte import drawing

    report["pdf_fonts"] = str(drawing.DEJAVU_DIR)  # the bundle's own copy (almacen_entry)
    term = terminal_mod.build(settings_mod.load(data))
    try:
        window = ui_app.build_window(term)
        window.show()
        qt.processEvents()
        report["window_png"] = window.grab().save(str(out / "window.png"))
        session = terminal_mod.session_presenter(term)
        _user_id, name, _role, pin = seed.DEMO_USERS[0]
        session.sign_in(next(u for u, n, _r in read_models.users(term.journal.conn) if n == name), pin)
        session.open_shift("20000")
        shift = term.shifts.current()
        assert shift is not None and session.user is not None
        sale = terminal_mod.sale_presenter(term)
        sale.start(session.user, shift.shift_id, shift.number)
        code = term.journal.conn.execute("SELECT code FROM barcodes ORDER BY code LIMIT 1").fetchone()[0]
        sale.scan(code)
        pay = PaymentPresenter(term.checkout)
        pay.exact()
        pay.finish()
        pay.close()
        done = pay.completed
        report["sale"] = None if done is None else {"sale_id": done.event.sale_id, "total": pay.total}
        report["journal_events"] = term.journal.verify()
        assert term.sync is not None, "la caja no está enrolada"
        status = term.sync.sync_once(term.journal.clock())
        report["sync"] = {"online": status.online, "pending": status.pending}
        window.close()
    finally:
        term.close()
    (out / "smoke.json").write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", "utf-8")
    ok = bool(report["sale"]) and report["sync"] == {"online": True, "pending": 0} and report["window_png"]
    return 0 if ok else 1
