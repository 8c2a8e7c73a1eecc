"""One RUT is one tenant: a unique index on the tenants' RUT (compared as digits and check digit, so
``76.086.428-5`` and ``76086428-5`` are the same), the yes/no function ``tenant_rut_taken`` that tenant creation asks
first, and ``caf_held_elsewhere``, which tells a CAF import whether another tenant holds a CAF of that RUT, type and
an overlapping range. Tenants cannot read each other's rows, so both answer yes or no and nothing else.

An existing master where two tenants share a RUT cannot be upgraded: the migration stops naming them.

Revision ID: 0018
Revises: 0017
"""

from alembic import op

from syncserver.migrations import rls

revision = "0018"
down_revision = "0017"


def rut_key(column: str) -> str:
    """SQL for the comparable form of a RUT column or parameter: digits and K, upper case, no leading zeros."""
    return f"upper(ltrim(regexp_replace({column}, '[^0-9kK]', '', 'g'), '0'))"


_DEFINER = "SECURITY DEFINER SET search_path = pg_catalog, pg_temp"

FUNCTIONS = {
    "tenant_rut_taken(p_rut text)": f"""
        RETURNS boolean LANGUAGE sql STABLE {_DEFINER} AS $$
            SELECT EXISTS (SELECT 1 FROM public.tenants t
                           WHERE t.rut <> '' AND {rut_key('t.rut')} = {rut_key('p_rut')}) $$""",
    # "elsewhere": any tenant but the one the caller's transaction is set to (none set: nothing is elsewhere)
    "caf_held_elsewhere(p_rut text, p_tipo integer, p_desde bigint, p_hasta bigint)": f"""
        RETURNS boolean LANGUAGE sql STABLE {_DEFINER} AS $$
            SELECT EXISTS (SELECT 1 FROM public.cafs c
                           WHERE c.tenant_id <> NULLIF(current_setting('app.tenant_id', true), '')::bigint
                             AND {rut_key('c.rut')} = {rut_key('p_rut')} AND c.tipo = p_tipo
                             AND c.desde <= p_hasta AND c.hasta >= p_desde) $$""",
}


def upgrade() -> None:
    op.execute(f"""DO $$
        DECLARE clash text;
        BEGIN
            SELECT string_agg(format('RUT %s: tenants %s', rut, ids), '; ') INTO clash FROM (
                SELECT min(rut) AS rut, string_agg(tenant_id::text, ', ' ORDER BY tenant_id) AS ids
                FROM tenants WHERE rut <> '' GROUP BY {rut_key('rut')} HAVING count(*) > 1) AS shared;
            IF clash IS NOT NULL THEN
                RAISE EXCEPTION 'un RUT es una sola empresa, y en esta base lo comparten varias (%): deje el RUT'
                    ' en una sola antes de actualizar', clash;
            END IF;
        END $$""")
    op.execute(f"CREATE UNIQUE INDEX tenants_rut_unique ON tenants (({rut_key('rut')})) WHERE rut <> ''")
    for table in ("tenants", "cafs"):
        op.execute(rls.lookup_policy(table))
    for signature, body in FUNCTIONS.items():
        op.execute(f"CREATE FUNCTION {signature} {body}")
        op.execute(f"REVOKE ALL ON FUNCTION {signature} FROM PUBLIC")
        op.execute(f"GRANT EXECUTE ON FUNCTION {signature} TO {rls.APP_ROLE}")


def downgrade() -> None:
    for signature in FUNCTIONS:
        op.execute(f"DROP FUNCTION {signature}")
    for table in ("tenants", "cafs"):
        op.execute(f"DROP POLICY {rls.LOOKUP_POLICY} ON {table}")
    op.execute("DROP INDEX tenants_rut_unique")
