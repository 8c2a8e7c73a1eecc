"""Migration 0009 on a master that already holds quarantine rows: the rows of refused tax documents (whose sales were
folded when received) are marked ``folded``, so a rebuild folds those sales again; every other row stays out."""

from __future__ import annotations

from pathlib import Path

import psycopg
from alembic import command
from alembic.config import Config
from psycopg.conninfo import conninfo_to_dict, make_conninfo
from sqlalchemy import create_engine

import syncserver

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
