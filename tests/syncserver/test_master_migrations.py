"""Master migrations that change existing rows, run on a master that already holds them: 0009 marks the quarantine
rows of refused tax documents (whose sales were folded when received) ``folded``, so a rebuild folds those sales
again; 0012 reopens envelopes closed by a STATUS 99 without track id so their documents are asked; 0018 stops
on a master where two tenants share a RUT; 0026 adds the joined forms to the products' search text; 0042 counts
the stock held into the Stock page's kept rows."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest
import sqlalchemy.exc
from alembic import command
from alembic.config import Config
from psycopg.conninfo import conninfo_to_dict, make_conninfo
from sqlalchemy import create_engine

import syncserver
from shared import catalog_import

MIGRATIONS = Path(syncserver.__file__).resolve().parent / "migrations"


def _upgrade(admin_url: str, revision: str) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    engine = create_engine("postgresql+psycopg://", connect_args=conninfo_to_dict(make_conninfo(admin_url)))
    try:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
    finally:
        engine.dispose()


def test_rows_of_refused_documents_written_before_0009_are_marked_folded(pg_database: str) -> None:
    _upgrade(pg_database, "0008")
    rows = [
        (1, "sale.completed", "folio 4 del tipo 39 ya fue emitido: documento duplicado",
         '{"tipo": 39, "folio": 4, "sale_id": "v1"}'),
        (2, "sale.returned", "folio 999 del tipo 61 no está asignado a esta caja",
         '{"tipo": 61, "folio": 999, "sale_id": "d1"}'),
        (3, "sale.completed", "el campo number (9223372036854775808) está fuera del rango que el servidor puede"
                              " guardar", '{"sale_id": "v2", "number": 9223372036854775808}'),
        (4, "sale.completed", "SaleCompleted: 'lines'", '{"tipo": 39, "folio": 5, "sale_id": "v3"}'),
    ]
    with psycopg.connect(pg_database) as conn:
        conn.execute("INSERT INTO tenants (tenant_id, name) VALUES (1, 'Almacén')")
        for seq, type_, reason, payload in rows:
            conn.execute("INSERT INTO quarantine (tenant_id, terminal_id, epoch, seq, type, version, reason, payload)"
                         " VALUES (1, 't1', 1, %s, %s, 1, %s, %s)", (seq, type_, reason, payload))
    _upgrade(pg_database, "head")
    with psycopg.connect(pg_database) as conn:
        marked = conn.execute("SELECT seq, folded FROM quarantine ORDER BY seq").fetchall()
        conn.execute("INSERT INTO quarantine (tenant_id, terminal_id, epoch, seq, type, version, reason, payload)"
                     " VALUES (1, 't1', 1, 5, 'x', 1, 'x', '{}')")
        assert conn.execute("SELECT folded FROM quarantine WHERE seq = 5").fetchone() == (False,)
    assert marked == [(1, True), (2, True), (3, False), (4, False)]


def test_envelopes_closed_by_a_status_99_without_track_id_before_0012_are_asked_again(pg_database: str) -> None:
    """Before the forwarder asked documents one by one, such an envelope was closed with its documents left ``sent``
    and no verdict: 0012 reopens it (due now) so they are asked; others stay as they were."""
    _upgrade(pg_database, "0011")
    envelopes = [  # (envelope_id, kind, state, sii_estado, track_id, documents' state)
        (1, "EnvioBOLETA", "done", "STATUS 99", None, "sent"),      # stuck: reopened
        (2, "EnvioDTE", "done", "STATUS 99", None, "sent"),         # stuck: reopened
        (3, "ConsumoFolios", "done", "STATUS 99", None, None),      # no documents: as it was
        (4, "EnvioBOLETA", "done", "EPR", "1001", "accepted"),      # a verdict: as it was
        (5, "EnvioDTE", "done", "STATUS 99", None, "accepted"),     # its documents answered: as it was
    ]
    with psycopg.connect(pg_database) as conn:
        conn.execute("INSERT INTO tenants (tenant_id, name) VALUES (1, 'Almacén')")
        for envelope_id, kind, state, estado, track, documents in envelopes:
            conn.execute("INSERT INTO dte_envelopes (tenant_id, envelope_id, kind, xml, state, sii_estado, track_id,"
                         " attempts, next_attempt_at) VALUES (1, %s, %s, 'x', %s, %s, %s, 3, now() + interval '1 day')",
                         (envelope_id, kind, state, estado, track))
            if documents is not None:
                conn.execute("INSERT INTO dte_outbox (tenant_id, tipo, folio, state, envelope_id) VALUES"
                             " (1, 39, %s, %s, %s)", (envelope_id, documents, envelope_id))
    _upgrade(pg_database, "head")
    with psycopg.connect(pg_database) as conn:
        rows = conn.execute("SELECT envelope_id, state, attempts, next_attempt_at <= now() FROM dte_envelopes"
                            " ORDER BY envelope_id").fetchall()
    assert rows == [(1, "sent", 0, True), (2, "sent", 0, True), (3, "done", 3, False), (4, "done", 3, False),
                    (5, "done", 3, False)]


def test_tenants_with_emisor_data_before_0014_get_it_on_the_change_feed(pg_database: str) -> None:
    _upgrade(pg_database, "0013")
    with psycopg.connect(pg_database, autocommit=True) as conn:
        conn.execute("INSERT INTO tenants (tenant_id, name, rut) VALUES (1, 'Don Pepe', '76.235.291-5'),"
                     " (2, 'Sin emisor', '')")
        conn.execute("INSERT INTO change_counters (tenant_id, last_change_id) VALUES (1, 41)")
        conn.execute("INSERT INTO tenant_emisor (tenant_id, razon_social, giro, acteco, direccion, comuna,"
                     " sucursal_sii, resolucion_fecha, resolucion_numero) VALUES (1, 'Almacenes Don Pepe SpA',"
                     " 'Almacén', '{471100}', 'Av. Providencia 1234', 'Providencia', 81234567, '2024-03-15', 80)")
    _upgrade(pg_database, "head")
    with psycopg.connect(pg_database) as conn:
        rows = conn.execute("SELECT tenant_id, change_id, kind, key, store_id, data FROM changes").fetchall()
        counter = conn.execute("SELECT last_change_id FROM change_counters WHERE tenant_id = 1").fetchone()
    assert counter == (42,)
    assert rows == [(1, 42, "emisor", "emisor", None, {
        "rut": "76.235.291-5", "razon_social": "Almacenes Don Pepe SpA", "giro": "Almacén", "acteco": [471100],
        "direccion": "Av. Providencia 1234", "comuna": "Providencia", "ciudad": "", "sucursal_sii": 81234567,
        "resolucion_fecha": "2024-03-15", "resolucion_numero": 80, "unidad_sii": ""})]


def test_0018_stops_on_a_master_where_two_tenants_share_a_rut_and_names_them(pg_database: str) -> None:
    _upgrade(pg_database, "0017")
    with psycopg.connect(pg_database, autocommit=True) as conn:
        conn.execute("INSERT INTO tenants (tenant_id, name, rut) VALUES (1, 'Don Pepe', '76.235.291-5'),"
                     " (2, 'Sin RUT', ''), (3, 'Sin RUT', ''), (4, 'Copia', '76235291-5')")
    with pytest.raises(sqlalchemy.exc.DBAPIError, match=r"un RUT es una sola empresa, y en esta base lo comparten"
                                                           r" varias \(RUT 76.235.291-5: tenants 1, 4\)"):
        _upgrade(pg_database, "head")
    with psycopg.connect(pg_database, autocommit=True) as conn:
        conn.execute("UPDATE tenants SET rut = '77.888.999-0' WHERE tenant_id = 4")
    _upgrade(pg_database, "head")
    with psycopg.connect(pg_database) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone() >= ("0018",)


def test_products_saved_before_0026_are_found_by_the_joined_form_of_a_hyphenated_word(pg_database: str) -> None:
    _upgrade(pg_database, "0025")
    product = {"sku": "COC-15", "name": "Coca-Cola 1,5 L", "brand": "Coca-Cola", "category": "Bebidas",
               "plu": None, "barcodes": ["7801610001196"]}
    before = " coca cola 1 5 l coca cola bebidas coc 15 7801610001196 "  # what the app wrote then
    with psycopg.connect(pg_database, autocommit=True) as conn:
        conn.execute("INSERT INTO tenants (tenant_id, name) VALUES (1, 'Almacén')")
        conn.execute("INSERT INTO products (tenant_id, sku, name, brand, price, category, sold_by, barcodes,"
                     " search_text) VALUES (1, 'COC-15', 'Coca-Cola 1,5 L', 'Coca-Cola', 1990, 'Bebidas', 'unit',"
                     " %s, %s)", (product["barcodes"], before))
    _upgrade(pg_database, "head")
    with psycopg.connect(pg_database) as conn:
        [(after,)] = conn.execute("SELECT search_text FROM products").fetchall()
    assert after == catalog_import.search_text(product)
    assert " cocacola" in after and " coc15" in after


def test_stock_held_before_0042_is_counted_into_the_kept_stock_rows(pg_database: str) -> None:
    _upgrade(pg_database, "0041")
    with psycopg.connect(pg_database, autocommit=True) as conn:
        conn.execute("INSERT INTO tenants (tenant_id, name) VALUES (1, 'Almacén')")
        conn.execute("INSERT INTO stock (tenant_id, warehouse_id, sku, quantity) VALUES (1, 'centro', 'ACE-1', 4),"
                     " (1, 'centro', 'PAN-1', -2)")
        conn.execute("INSERT INTO cost_state (tenant_id, store_id, sku, on_hand, unit_cost, state) VALUES"
                     " (1, 'centro', 'ACE-1', 4, 1500.5, '{}')")
    _upgrade(pg_database, "head")
    with psycopg.connect(pg_database) as conn:
        rows = conn.execute("SELECT store_id, warehouse_id, sku, name, quantity, value, negative FROM stock_rows"
                            " ORDER BY sku").fetchall()
        sums = conn.execute("SELECT store_id, rows, value, alerts, alerts_value FROM stock_rows_stores").fetchall()
        marks = conn.execute("SELECT tenant_id FROM stock_rows_marks").fetchall()
    assert rows == [("centro", "centro", "ACE-1", "ACE-1", 4, 6002, False),
                    ("centro", "centro", "PAN-1", "PAN-1", -2, 0, True)]
    assert (sums, marks) == ([("centro", 2, 6002, 1, 0)], [(1,)])
