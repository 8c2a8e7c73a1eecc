"""Read models of the terminal: looking a product up by its SKU, searching it by the words of its name."""

from __future__ import annotations

from desktop.journal import read_models


def test_a_sku_is_found_as_written_through_the_primary_key_and_in_any_case(terminal):
    conn = terminal.journal.conn
    sku = conn.execute("SELECT sku FROM products ORDER BY sku LIMIT 1").fetchone()[0]
    assert read_models.by_sku(conn, sku).sku == sku
    assert read_models.by_sku(conn, sku.lower()).sku == sku
    assert read_models.by_sku(conn, sku.swapcase()).sku == sku
    assert read_models.by_sku(conn, sku + "-no-existe") is None


def test_a_hyphenated_word_is_found_by_its_parts_and_by_its_joined_form(terminal):
    conn = terminal.journal.conn
    for typed in ("cocacola", "coca cola", "Coca-Cola", "COCA COLA", "cocacol", "cóca-cola 1,5"):
        assert [p.sku for p in read_models.search(conn, typed)] == ["COC-15"], typed
    assert read_models.search(conn, "colacoca") == []


def test_the_joined_forms_follow_a_renamed_product_and_a_rebuild(terminal):
    conn = terminal.journal.conn
    with conn:
        conn.execute("UPDATE products SET name = 'Pepsi-Cola 1,5 L', brand = 'Pep.Co' WHERE sku = 'COC-15'")
    assert read_models.search(conn, "cocacola") == []
    assert [p.sku for p in read_models.search(conn, "pepsicola")] == ["COC-15"]
    assert [p.sku for p in read_models.search(conn, "pepco")] == ["COC-15"]
    terminal.journal.rebuild_projections()
    assert [p.sku for p in read_models.search(conn, "cocacola")] == ["COC-15"]
    assert read_models.search(conn, "pepsicola") == []
