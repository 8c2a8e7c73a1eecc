"""POS users as HQ keeps them, and the emisor on the change feed.

``users`` (the tills' users, until now only projected from the tills' ``user.enrolled`` events) gains the stores a
user works in (``stores``: store ids; the user's PIN hash reaches those stores' tills), the ``version`` of its last
edit, who created it and when, and who deactivated it, when and why (``deactivated_*``: a user is never deleted).
The tenants that already have emisor data get one ``emisor`` change on the feed (the data
``syncserver.dte.emisor.feed_data`` publishes from now on), so their tills print the same header as the XML.

Revision ID: 0014
Revises: 0013
"""

from alembic import op

revision = "0014"
down_revision = "0013"


def upgrade() -> None:
    op.execute("ALTER TABLE users ADD COLUMN stores text[] NOT NULL DEFAULT '{}',"
               " ADD COLUMN version integer NOT NULL DEFAULT 1, ADD COLUMN created_by text NOT NULL DEFAULT '',"
               " ADD COLUMN created_at timestamptz, ADD COLUMN updated_at timestamptz,"
               " ADD COLUMN deactivated_at timestamptz, ADD COLUMN deactivated_by text,"
               " ADD COLUMN deactivated_reason text")
    op.execute("CREATE INDEX users_by_name ON users (tenant_id, name, user_id)")
    # one change per tenant with emisor data: the counter moves by one, the row takes the new id
    op.execute("""WITH emisores AS (
            SELECT e.tenant_id, jsonb_build_object(
                'rut', coalesce(t.rut, ''), 'razon_social', e.razon_social, 'giro', e.giro,
                'acteco', to_jsonb(coalesce(e.acteco, '{}')), 'direccion', e.direccion, 'comuna', e.comuna,
                'ciudad', e.ciudad, 'sucursal_sii', e.sucursal_sii,
                'resolucion_fecha', to_char(e.resolucion_fecha, 'YYYY-MM-DD'),
                'resolucion_numero', coalesce(e.resolucion_numero, 0),
                'unidad_sii', coalesce(e.unidad_sii, '')) AS data
            FROM tenant_emisor e JOIN tenants t ON t.tenant_id = e.tenant_id),
        counters AS (
            INSERT INTO change_counters (tenant_id, last_change_id) SELECT tenant_id, 1 FROM emisores
            ON CONFLICT (tenant_id) DO UPDATE SET last_change_id = change_counters.last_change_id + 1
            RETURNING tenant_id, last_change_id)
        INSERT INTO changes (tenant_id, change_id, kind, key, data)
        SELECT c.tenant_id, c.last_change_id, 'emisor', 'emisor', e.data
        FROM counters c JOIN emisores e ON e.tenant_id = c.tenant_id""")


def downgrade() -> None:
    op.execute("DELETE FROM changes WHERE kind = 'emisor'")
    op.execute("DROP INDEX users_by_name")
    op.execute("ALTER TABLE users DROP COLUMN stores, DROP COLUMN version, DROP COLUMN created_by,"
               " DROP COLUMN created_at, DROP COLUMN updated_at, DROP COLUMN deactivated_at,"
               " DROP COLUMN deactivated_by, DROP COLUMN deactivated_reason")
