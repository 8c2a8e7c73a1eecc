"""Migration 0018: a journal with sales from before the report rollups gets them folded once it is opened again,
equal to the rollups the same sales leave when journaled at head."""

from __future__ import annotations

import sqlite3

from desktop.journal import migrate, report_projection
from shared.sale import Tender, TenderKind


def test_an_existing_journal_gets_its_sales_in_the_rollups(make_terminal, tmp_path):
    data = tmp_path / "caja"
    term = make_terminal(data_dir=data)
    ana = term.auth.sign_in("ana", "1234")
    term.checkout.start(ana, term.shifts.open(ana, 10_000).shift_id)
    for codes in (("7801234567894", "7801610001196"), ("7800000000016",)):
        for code in codes:
            term.checkout.scan(code)
        term.checkout.complete((Tender(TenderKind.DEBIT, term.checkout.sale.totals().total),))
    at_head = [term.journal.conn.execute(f"SELECT * FROM {t} ORDER BY 1, 2, 3").fetchall()
               for t in report_projection.TABLES]
    assert at_head[0] and at_head[2]
    term.close()
    conn = sqlite3.connect(data / "journal.sqlite3")  # back to how 0017 left it
    conn.executescript("""
        DROP TABLE report_sales; DROP TABLE report_tenders; DROP TABLE report_product_days;
        DROP TABLE report_product_months; UPDATE alembic_version SET version_num = '0017';""")
    conn.close()

    again = make_terminal(data_dir=data, fresh=False)
    conn2 = again.journal.conn
    assert migrate.current_revision(conn2) == migrate.SCHEMA_HEAD
    assert conn2.execute("SELECT count(*) FROM meta WHERE key = 'refold'").fetchone()[0] == 0
    assert [conn2.execute(f"SELECT * FROM {t} ORDER BY 1, 2, 3").fetchall()
            for t in report_projection.TABLES] == at_head
