"""HQ accounts with roles, stores with their SII sucursal, warehouses with their kind; nothing deleted.

- ``tenant_ids``: the ids of every tenant (kept by a trigger on ``tenants``), readable without a tenant set so that
  the first-run page can tell an empty server and ``tenant-create`` can pick the next id (ids only, like
  ``dte_tenants``).
- ``hq_users``: the stores an encargado is assigned (``stores``), who created the account and when, and who
  deactivated it, when and why. Roles: ``owner`` (dueño), ``accountant`` (contador), ``manager`` (encargado).
- ``auth_hq_logins``: a one-time invitation or reset code (only its SHA-256) and its expiry; an account that has
  not set its password yet has an empty ``password_hash`` (no password matches it).
- ``stores``: comuna, ciudad and the SII's código de sucursal (the documents of the store carry them), and the
  deactivation trail; ``warehouses``: ``kind`` (``sala`` de ventas or ``bodega``) and the deactivation trail.

Revision ID: 0015
Revises: 0014
"""

from alembic import op

revision = "0015"
down_revision = "0014"

_TRAIL = ("ADD COLUMN deactivated_at timestamptz, ADD COLUMN deactivated_by text,"
          " ADD COLUMN deactivated_reason text")


def upgrade() -> None:
    op.execute("CREATE TABLE tenant_ids (tenant_id bigint PRIMARY KEY)")
    op.execute("GRANT SELECT, INSERT ON tenant_ids TO almacen_app")
    op.execute("""CREATE FUNCTION tenant_ids_add() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            INSERT INTO tenant_ids (tenant_id) VALUES (NEW.tenant_id) ON CONFLICT DO NOTHING;
            RETURN NEW;
        END $$""")
    op.execute("CREATE TRIGGER tenant_ids_add AFTER INSERT ON tenants FOR EACH ROW EXECUTE FUNCTION tenant_ids_add()")
    op.execute("INSERT INTO tenant_ids (tenant_id) SELECT tenant_id FROM tenants")
    op.execute("ALTER TABLE hq_users ADD COLUMN stores text[] NOT NULL DEFAULT '{}',"
               " ADD COLUMN created_at timestamptz NOT NULL DEFAULT now(),"
               " ADD COLUMN created_by text NOT NULL DEFAULT '', " + _TRAIL)
    op.execute("ALTER TABLE auth_hq_logins ADD COLUMN invite_hash text UNIQUE,"
               " ADD COLUMN invite_expires_at timestamptz")
    op.execute("ALTER TABLE stores ADD COLUMN comuna text NOT NULL DEFAULT '',"
               " ADD COLUMN ciudad text NOT NULL DEFAULT '', ADD COLUMN sucursal_sii bigint,"
               " ADD COLUMN created_at timestamptz NOT NULL DEFAULT now(), " + _TRAIL)
    op.execute("ALTER TABLE warehouses ADD COLUMN kind text NOT NULL DEFAULT 'sala', " + _TRAIL)


def downgrade() -> None:
    op.execute("ALTER TABLE warehouses DROP COLUMN kind, DROP COLUMN deactivated_at, DROP COLUMN deactivated_by,"
               " DROP COLUMN deactivated_reason")
    op.execute("ALTER TABLE stores DROP COLUMN comuna, DROP COLUMN ciudad, DROP COLUMN sucursal_sii,"
               " DROP COLUMN created_at, DROP COLUMN deactivated_at, DROP COLUMN deactivated_by,"
               " DROP COLUMN deactivated_reason")
    op.execute("ALTER TABLE auth_hq_logins DROP COLUMN invite_hash, DROP COLUMN invite_expires_at")
    op.execute("ALTER TABLE hq_users DROP COLUMN stores, DROP COLUMN created_at, DROP COLUMN created_by,"
               " DROP COLUMN deactivated_at, DROP COLUMN deactivated_by, DROP COLUMN deactivated_reason")
    op.execute("DROP TRIGGER tenant_ids_add ON tenants")
    op.execute("DROP FUNCTION tenant_ids_add()")
    op.execute("DROP TABLE tenant_ids")
