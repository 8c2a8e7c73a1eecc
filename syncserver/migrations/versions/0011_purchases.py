"""Purchases (compras) folded from the terminals' ``purchase.received`` events: the suppliers' signed DTEs the stores
registered, for HQ's "Compras" page (the month's IVA crédito fiscal).

``purchases`` has one row per supplier document, keyed by what identifies it (``supplier_rut``, ``tipo``,
``folio``: a document is registered once per tenant): the event that registered it (``purchase_id``, store,
terminal, epoch/seq, the terminal's ISO ``occurred_at`` as ``registered_at``), the supplier as written on the
document (RUTEmisor ``12345678-5``, RznSoc, GiroEmis), FchEmis (``fecha_emision``), the warehouse the goods went to
and the amounts as on paper, positive also for a nota de crédito (CLP: MntNeto, MntExe, IVA — the crédito fiscal —,
ImptoReten as ``other_taxes``, MntTotal). When two tills register the same document, the first registration the
master receives stays and the other is quarantined (``syncserver.ingest.conflicts``), so a rebuild, which skips
quarantined events, keeps the same one. Purchases received before this migration fill the tables at the next
``almacen server admin rebuild-projections``.

``purchase_lines`` are the kept registration's Detalle lines (``line_no`` NroLinDet, the store's ``sku`` or NULL
when no product matched, the supplier's ``code``, ``description`` NmbItem, ``quantity`` QtyItem with up to 6
decimals — Dec12_6 in DTE_v10.xsd —, ``unit``, ``unit_cost`` and ``cost`` CLP neto, ``amount`` MontoItem, ``exento``).
Same row-level security as 0001 and 0007; DELETE like 0004, so a rebuild can refold them.

Revision ID: 0011
Revises: 0010
"""

from alembic import op

from syncserver.migrations import rls

revision = "0011"
down_revision = "0010"

TENANT_TABLES = {
    "purchases": """tenant_id bigint NOT NULL, supplier_rut text NOT NULL, tipo integer NOT NULL, folio bigint NOT NULL,
        purchase_id text NOT NULL, store_id text NOT NULL, terminal_id text NOT NULL, epoch integer NOT NULL,
        seq bigint NOT NULL, registered_at text NOT NULL, supplier_name text NOT NULL, supplier_giro text NOT NULL,
        fecha_emision date NOT NULL, warehouse text NOT NULL, neto bigint NOT NULL, exento bigint NOT NULL,
        iva bigint NOT NULL, other_taxes bigint NOT NULL, total bigint NOT NULL,
        PRIMARY KEY (tenant_id, supplier_rut, tipo, folio)""",
    "purchase_lines": """tenant_id bigint NOT NULL, supplier_rut text NOT NULL, tipo integer NOT NULL,
        folio bigint NOT NULL, line_no integer NOT NULL, purchase_id text NOT NULL, sku text, code text NOT NULL,
        description text NOT NULL, quantity numeric(15,6) NOT NULL, unit text NOT NULL, unit_cost bigint NOT NULL,
        cost bigint NOT NULL, amount bigint NOT NULL, exento boolean NOT NULL,
        PRIMARY KEY (tenant_id, supplier_rut, tipo, folio, line_no)""",
}

INDEXES = [
    "CREATE INDEX purchases_by_month ON purchases (tenant_id, fecha_emision, store_id)",
]


def upgrade() -> None:
    for name, columns in TENANT_TABLES.items():
        op.execute(f"CREATE TABLE {name} ({columns})")
    for statement in INDEXES:
        op.execute(statement)
    for name in TENANT_TABLES:
        rls.enable_tenant_rls(name, rls.READ_WRITE_DELETE)


def downgrade() -> None:
    for name in reversed(list(TENANT_TABLES)):
        op.execute(f"DROP TABLE {name}")
