"""Read models of the terminal: looking a product up by its SKU."""

from __future__ import annotations

from desktop.journal import read_models


def test_a_sku_is_found_as_written_through_the_primary_key_and_in_any_case(terminal):
    conn = terminal.journal.conn
    sku = conn.execute("SELECT sku FROM products ORDER BY sku LIMIT 1").fetchone()[0]
    assert read_models.by_sku(conn, sku).sku == sku
    assert read_models.by_sku(conn, sku.lower()).sku == sku
    assert read_models.by_sku(conn, sku.swapcase()).sku == sku
    assert read_models.by_sku(conn, sku + "-no-existe") is None
