"""Migration 0017: a journal written before fiado existed (its sales, its factura receptors) opens with the fiado
tables empty, keeps its receptors apart, and takes customers and charges from then on."""

from __future__ import annotations

import sqlite3

from desktop import cli
from desktop.journal import fiado_queries, migrate
from shared.events import customers
from shared.events import fiado as ev
from shared.sale import Tender, TenderKind

ROSA = "0190a000-0000-7000-8000-00000000a001"
TABLES = ("people", "customer_aliases", "fiado_accounts", "fiado_entries", "fiado_balances", "fiado_payments",
          "fiado_settings", "suspended_sales")


def test_a_journal_from_before_fiado_opens_with_empty_fiado_tables(make_terminal, tmp_path):
    data = tmp_path / "caja"
    term = make_terminal(data_dir=data)
    ana = term.auth.sign_in("ana", "1234")
    term.checkout.start(ana, term.shifts.open(ana, 0).shift_id)
    term.checkout.scan("7801234567894")
    term.checkout.complete((Tender(TenderKind.DEBIT, term.checkout.sale.totals().total),))
    term.journal.append(customers.CustomerSaved("76086428-5", "Ferretería El Ñandú Ltda.", "Ferretería",
                                                "Av. Matta 123", "Santiago"))
    term.close()
    conn = sqlite3.connect(data / "journal.sqlite3")  # back to how 0016 left the file
    conn.executescript("".join(f"DROP TABLE {t};" for t in TABLES) + "UPDATE alembic_version SET version_num = '0016';")
    conn.close()

    term = make_terminal(data_dir=data, fresh=False)
    conn = term.journal.conn
    assert migrate.current_revision(conn) == migrate.SCHEMA_HEAD
    assert all(conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] == 0 for t in TABLES)
    assert conn.execute("SELECT razon_social FROM customers").fetchall() == [("Ferretería El Ñandú Ltda.",)]
    assert fiado_queries.find_customers(conn, "") == []  # a factura receptor is not a fiado customer
    term.journal.append(ev.CustomerProfileSaved(ROSA, "Rosa Muñoz", "", "", "", "", "ana"),
                        ev.FiadoAccountSet(ROSA, True, 20_000, "admin"))
    assert fiado_queries.account(conn, ROSA).headroom == 20_000
    before = cli.projection_digest(conn)
    term.journal.rebuild_projections()
    assert cli.projection_digest(conn) == before
