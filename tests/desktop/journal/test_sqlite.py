"""The terminal journal on real SQLite files: chain, gapless seq, projections, rebuild, and files it refuses."""

from __future__ import annotations

import os
import sqlite3
from decimal import Decimal
from pathlib import Path

import pytest

from desktop import cli
from desktop.journal import migrate, read_models
from desktop.journal.errors import JournalError, JournalProblem
from desktop.journal.sqlite_store import Identity, SqliteJournal
from shared import errors
from shared.events import catalog as catalog_events
from shared.events import registry
from shared.sale import Tender, TenderKind


def _deps(clock):
    counter = iter(range(1, 10**6))
    return {"codec": registry.build_codec(), "clock": clock, "new_id": lambda: f"id-{next(counter)}"}


def _sell(term, code="7801234567894", cash=5000):
    term.checkout.scan(code)
    return term.checkout.complete((Tender(TenderKind.CASH, cash),))


def test_pragmas_are_wal_and_full_sync(terminal):
    conn = terminal.journal.conn
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL


def test_seq_is_gapless_and_chain_verifies(selling):
    for _ in range(5):
        _sell(selling)
    seqs = [e.seq for e in selling.journal.read()]
    assert seqs == list(range(1, len(seqs) + 1))
    assert selling.journal.verify() == len(seqs)


def test_events_are_immutable_in_the_file(selling):
    _sell(selling)
    with pytest.raises(sqlite3.IntegrityError, match="immutable"):
        selling.journal.conn.execute("UPDATE events SET payload = '{}' WHERE seq = 1")
    with pytest.raises(sqlite3.IntegrityError, match="immutable"):
        selling.journal.conn.execute("DELETE FROM events WHERE seq = 1")


def test_tampering_with_the_file_is_detected(selling, tmp_path):
    _sell(selling)
    path = selling.journal.path
    selling.close()
    raw = sqlite3.connect(path)
    raw.execute("DROP TRIGGER events_append_only_update")
    raw.execute("UPDATE events SET payload = replace(payload, '\"total\":1150', '\"total\":150')"
                " WHERE type = 'sale.completed'")
    raw.commit()
    raw.close()
    journal = SqliteJournal.open(path, **_deps(selling.journal.clock))
    with pytest.raises(errors.ChainBroken, match="alterado"):
        journal.verify()
    journal.close()


def test_sale_updates_stock_and_shift_in_the_same_transaction(selling):
    before = read_models.stock_on_hand(selling.journal.conn, "LEC-1")
    done = _sell(selling)
    assert read_models.stock_on_hand(selling.journal.conn, "LEC-1") == before - 1
    shift = read_models.open_shift(selling.journal.conn)
    assert shift is not None and shift.sales_count == 1 and shift.received["cash"] == done.settlement.cash_due


def test_stock_may_go_negative_and_weighed_stock_is_exact(selling):
    with pytest.raises(errors.WeightRequired):
        selling.checkout.scan("1001")  # Pan Batido needs a weight
    assert selling.checkout.sale.lines == ()
    from desktop.services.catalog import Match
    product = read_models.by_plu(selling.journal.conn, "1001")
    selling.checkout.add_match(Match(product, "1001"), "15.512")
    selling.checkout.complete((Tender(TenderKind.DEBIT, selling.checkout.sale.totals().total),))
    assert read_models.stock_on_hand(selling.journal.conn, "PAN-1") == Decimal("-0.512")


def test_rebuild_projections_gives_identical_read_models(selling, capsys):
    for code in ("7801234567894", "7801610001196", "7801234567894"):
        _sell(selling, code)
    selling.shifts.cash_in(selling.checkout.cashier, 1000, "Sencillo")
    before = cli.projection_digest(selling.journal.conn)
    replayed = selling.journal.rebuild_projections()
    assert replayed == selling.journal.head[0]
    assert cli.projection_digest(selling.journal.conn) == before
    assert read_models.search(selling.journal.conn, "leche colun")[0].sku == "LEC-1"


def test_rebuild_projections_command(selling, capsys):
    _sell(selling)
    data = selling.settings.data_dir
    selling.close()
    assert cli.main(["pos", "rebuild-projections", "--data", str(data)]) == 0
    assert '"identical": true' in capsys.readouterr().out


def test_schema_head_matches_alembic_scripts():
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(Path(migrate.__file__).with_name("migrations")))
    assert ScriptDirectory.from_config(config).get_current_head() == migrate.SCHEMA_HEAD


def test_a_second_pos_on_the_same_journal_is_refused(terminal):
    with pytest.raises(JournalError) as info:
        SqliteJournal.open(terminal.journal.path, **_deps(terminal.journal.clock))
    assert info.value.problem is JournalProblem.LOCKED
    assert "otro programa" in info.value.message


def test_locked_database_refuses_commit_with_clear_error(selling, tmp_path):
    other = sqlite3.connect(selling.journal.path, timeout=0)
    other.execute("BEGIN EXCLUSIVE")
    selling.journal.conn.execute("PRAGMA busy_timeout = 50")
    with pytest.raises(JournalError) as info:
        selling.shifts.cash_in(selling.checkout.cashier, 500, "Sencillo")
    assert info.value.problem is JournalProblem.LOCKED
    other.rollback()
    other.close()
    assert selling.journal.verify() == selling.journal.head[0]


def test_read_only_journal_is_refused_and_untouched(terminal):
    path = terminal.journal.path
    terminal.close()
    before = path.read_bytes()
    os.chmod(path, 0o444)
    try:
        with pytest.raises(JournalError) as info:
            SqliteJournal.open(path, **_deps(terminal.journal.clock))
        assert info.value.problem is JournalProblem.READ_ONLY
    finally:
        os.chmod(path, 0o644)
    assert path.read_bytes() == before


def test_corrupt_journal_is_refused_and_never_overwritten(terminal, capsys):
    path = terminal.journal.path
    data_dir = terminal.settings.data_dir
    terminal.close()
    for suffix in ("-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    raw = bytearray(path.read_bytes())
    raw[4096:8192] = b"\xde\xad\xbe\xef" * 1024
    path.write_bytes(bytes(raw))
    assert cli.main(["pos", "verify", "--data", str(data_dir)]) == 4
    assert "dañado" in capsys.readouterr().err
    assert path.read_bytes() == bytes(raw)


def test_garbage_file_is_not_a_journal(tmp_path, clock):
    path = tmp_path / "journal.sqlite3"
    path.write_bytes(b"esto no es una base de datos" * 200)
    with pytest.raises(JournalError) as info:
        SqliteJournal.open(path, **_deps(clock))
    assert info.value.problem is JournalProblem.CORRUPT
    assert path.read_bytes() == b"esto no es una base de datos" * 200


def test_missing_journal_and_create_never_overwrites(tmp_path, clock):
    with pytest.raises(JournalError) as info:
        SqliteJournal.open(tmp_path / "nada.sqlite3", **_deps(clock))
    assert info.value.problem is JournalProblem.MISSING
    existing = tmp_path / "existing.sqlite3"
    existing.write_bytes(b"precious")
    with pytest.raises(JournalError):
        SqliteJournal.create(existing, Identity(1, "s", "t"), **_deps(clock))
    assert existing.read_bytes() == b"precious"


def test_disk_full_during_commit_keeps_the_cart_and_completes_nothing(selling):
    selling.checkout.scan("7801234567894")
    selling.checkout.scan("7801610001196")
    cart = selling.checkout.sale
    head = selling.journal.head
    conn = selling.journal.conn
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    conn.execute(f"PRAGMA max_page_count = {pages}")
    from dataclasses import replace
    # 800 lines named with 120 characters (the most a name may have): new pages the "disk" no longer has
    lines = tuple(replace(x, line_id=n, name=f"{x.name} {'x' * 120}"[:120])
                  for n, x in enumerate(cart.lines * 400, start=1))
    selling.checkout.sale = replace(cart, lines=lines, next_line_id=len(lines) + 1)
    with pytest.raises(JournalError) as info:
        selling.checkout.complete((Tender(TenderKind.CASH, 10**9),))
    assert info.value.problem is JournalProblem.DISK_FULL
    assert "no se guardó" in info.value.message
    assert selling.journal.head == head
    assert read_models.last_sale_number(conn) == 0
    assert selling.checkout.sale.lines  # the cart is still there to charge again
    conn.execute(f"PRAGMA max_page_count = {10**9}")
    selling.checkout.sale = cart
    done = selling.checkout.complete((Tender(TenderKind.CASH, 10_000),))
    assert done.event.number == 1


def test_product_edit_reaches_lookup_and_search(terminal):
    terminal.journal.append(catalog_events.ProductUpserted(
        "LEC-1", "Leche Descremada Colun 1 L", 1090, "Lácteos", "unit", ("7801234567894",), None, "Colun",
        False, True))
    product = read_models.by_barcode(terminal.journal.conn, "7801234567894")
    assert product is not None and product.price == 1090
    assert [p.sku for p in read_models.search(terminal.journal.conn, "descremada")] == ["LEC-1"]
    assert read_models.search(terminal.journal.conn, "entera") == []


def test_an_older_journal_is_migrated_on_open(tmp_path, clock):
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import create_engine

    path = tmp_path / "journal.sqlite3"
    sqlite3.connect(path).close()
    config = Config()
    config.set_main_option("script_location", str(Path(migrate.__file__).with_name("migrations")))
    engine = create_engine(f"sqlite:///{path}")
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0001")
        connection.exec_driver_sql("INSERT INTO meta VALUES ('tenant_id', '1'), ('store_id', 's'),"
                                   " ('terminal_id', 't'), ('epoch', '1')")
    engine.dispose()
    journal = SqliteJournal.open(path, **_deps(clock))
    try:
        assert migrate.current_revision(journal.conn) == migrate.SCHEMA_HEAD
        indexes = {r[0] for r in journal.conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
        assert "barcodes_sku" in indexes
    finally:
        journal.close()


def test_saved_customers_keep_their_order_through_the_0007_migration(tmp_path, clock):
    """Customers projected before 0007 get the epoch and seq of their latest ``customer.saved`` entry."""
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import create_engine

    from shared.events import customers as customer_events

    path = tmp_path / "journal.sqlite3"
    journal = SqliteJournal.create(path, Identity(1, "s", "t"), **_deps(clock))
    for rut, name in (("76123456-0", "Uno"), ("77777777-7", "Dos"), ("76123456-0", "Uno bis")):
        journal.append(customer_events.CustomerSaved(rut, name, "Giro", "Calle 1", "Santiago"))
    journal.close()
    conn = sqlite3.connect(path)  # back to how 0006 left the table
    conn.executescript("ALTER TABLE customers DROP COLUMN updated_epoch; UPDATE customers SET updated_seq = 0;"
                       " ALTER TABLE purchase_lines DROP COLUMN package_factor; DROP TABLE emisor;"
                       " UPDATE alembic_version SET version_num = '0006';")
    conn.close()
    config = Config()
    config.set_main_option("script_location", str(Path(migrate.__file__).with_name("migrations")))
    engine = create_engine(f"sqlite:///{path}")
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
    engine.dispose()
    journal = SqliteJournal.open(path, **_deps(clock))
    try:
        rows = journal.conn.execute("SELECT rut, updated_epoch, updated_seq FROM customers ORDER BY rut").fetchall()
        assert rows == [("76123456-0", 1, 3), ("77777777-7", 1, 2)]
        assert [c[1] for c in read_models.customers(journal.conn)] == ["Uno bis", "Dos"]
    finally:
        journal.close()


def test_a_creation_cut_short_leaves_no_half_made_journal(tmp_path, clock, monkeypatch):
    path = tmp_path / "journal.sqlite3"

    def killed(draft):  # the till dies while the schema is being created
        raise SystemExit(137)

    monkeypatch.setattr(migrate, "upgrade", killed)
    with pytest.raises(SystemExit):
        SqliteJournal.create(path, Identity(1, "s", "t"), **_deps(clock))
    assert not path.exists()  # the next start sees no journal (and creates it), never "not an Almacén journal"
    monkeypatch.undo()
    journal = SqliteJournal.create(path, Identity(1, "s", "t"), **_deps(clock))
    try:
        assert journal.identity == Identity(1, "s", "t") and journal.head[0] == 0
        assert not list(tmp_path.glob("*.nuevo*"))
    finally:
        journal.close()


def test_an_impossible_fact_is_never_journaled(selling):
    """The journal checks each event's rules (``shared.events.rules``) before sealing it: a sale of −5 units (a
    bug's: the cart's own totals refuse it first) or of half a bottle is refused with the field named, nothing is
    written, and the cart can still be charged."""
    from dataclasses import replace

    from shared.events import rules

    selling.checkout.scan("7801234567894")
    cart = selling.checkout.sale
    head = selling.journal.head
    line = cart.lines[0]
    selling.checkout.sale = replace(cart, lines=(replace(line, quantity=Decimal(-5)),))
    with pytest.raises(errors.InvalidAmount):
        selling.checkout.complete((Tender(TenderKind.CASH, 10_000),))
    selling.checkout.sale = replace(cart, lines=(replace(line, quantity=Decimal("0.5")),))
    with pytest.raises(rules.RuleBroken, match=r"No se registró la venta: el campo lines\[0\]\.quantity \(0\.5\)"):
        selling.checkout.complete((Tender(TenderKind.CASH, 10_000),))
    assert selling.journal.head == head and read_models.last_sale_number(selling.journal.conn) == 0
    selling.checkout.sale = cart
    assert selling.checkout.complete((Tender(TenderKind.CASH, 10_000),)).event.number == 1
