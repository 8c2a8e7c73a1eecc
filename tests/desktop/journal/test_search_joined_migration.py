"""Migration 0016: a journal whose product search only knew separate words finds "Coca-Cola" by "cocacola" once
opened again (its products indexed again), and still by "coca cola"."""

from __future__ import annotations

import sqlite3

from desktop.journal import migrate, read_models


def test_an_existing_journal_finds_hyphenated_names_by_their_joined_form(make_terminal, tmp_path):
    data = tmp_path / "caja"
    make_terminal(data_dir=data).close()
    conn = sqlite3.connect(data / "journal.sqlite3")  # back to how 0001 left the search table
    conn.executescript("""
        DROP TRIGGER products_ai; DROP TRIGGER products_ad; DROP TRIGGER products_au;
        DROP TABLE products_fts; DROP VIEW products_search;
        CREATE VIRTUAL TABLE products_fts USING fts5(name, brand, category, content='products',
            content_rowid='rowid', tokenize='unicode61 remove_diacritics 2', prefix='2 3');
        INSERT INTO products_fts(products_fts) VALUES ('rebuild');
        UPDATE alembic_version SET version_num = '0015';""")
    assert [r[0] for r in conn.execute("SELECT rowid FROM products_fts WHERE products_fts MATCH '\"cocacola\"*'")] == []
    conn.close()

    term = make_terminal(data_dir=data, fresh=False)
    conn = term.journal.conn
    assert migrate.current_revision(conn) == migrate.SCHEMA_HEAD
    for typed in ("cocacola", "coca cola", "Coca-Cola"):
        assert [p.sku for p in read_models.search(conn, typed)] == ["COC-15"], typed
