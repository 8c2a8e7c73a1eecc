"""The credential tables fail closed: ``auth_terminal_keys``, ``auth_enrollment_codes``, ``auth_hq_logins``,
``dte_tenants`` and ``tenant_ids`` go under the tenant policy (RLS enabled and forced), and the lookups that must
happen before a tenant is known go through narrow ``SECURITY DEFINER`` functions (``rls.LOOKUP_FUNCTIONS``) that
answer one row or one fact. Until now the app role could read every tenant's password hashes and keys with no
tenant set.

Revision ID: 0017
Revises: 0016
"""

from alembic import op

from syncserver.migrations import rls

revision = "0017"
down_revision = "0016"

TABLES = ("auth_terminal_keys", "auth_enrollment_codes", "auth_hq_logins", "dte_tenants", "tenant_ids")

_DEFINER = "SECURITY DEFINER SET search_path = pg_catalog, pg_temp"

FUNCTIONS = {
    "auth_terminal_key(p_terminal_id text)": f"""
        RETURNS TABLE (terminal_id text, tenant_id bigint, store_id text, public_key text, status text)
        LANGUAGE sql STABLE {_DEFINER} AS $$
            SELECT k.terminal_id, k.tenant_id, k.store_id, k.public_key, k.status FROM public.auth_terminal_keys k
            WHERE k.terminal_id = p_terminal_id $$""",
    "auth_terminal_key_taken(p_terminal_id text, p_public_key text)": f"""
        RETURNS boolean LANGUAGE sql STABLE {_DEFINER} AS $$
            SELECT EXISTS (SELECT 1 FROM public.auth_terminal_keys k
                           WHERE k.terminal_id = p_terminal_id OR k.public_key = p_public_key) $$""",
    "auth_enrolment_code(p_code_hash text)": f"""
        RETURNS TABLE (tenant_id bigint, store_id text, terminal_name text, expires_at timestamptz,
                       used_at timestamptz)
        LANGUAGE sql VOLATILE {_DEFINER} AS $$
            SELECT c.tenant_id, c.store_id, c.terminal_name, c.expires_at, c.used_at
            FROM public.auth_enrollment_codes c WHERE c.code_hash = p_code_hash FOR UPDATE $$""",
    "auth_hq_login(p_email text)": f"""
        RETURNS TABLE (tenant_id bigint, password_hash text, failures integer, locked_until timestamptz)
        LANGUAGE sql VOLATILE {_DEFINER} AS $$
            SELECT l.tenant_id, l.password_hash, l.failures, l.locked_until FROM public.auth_hq_logins l
            WHERE l.email = p_email FOR UPDATE $$""",
    "auth_hq_invite(p_invite_hash text)": f"""
        RETURNS TABLE (email text, tenant_id bigint, invite_expires_at timestamptz)
        LANGUAGE sql VOLATILE {_DEFINER} AS $$
            SELECT l.email, l.tenant_id, l.invite_expires_at FROM public.auth_hq_logins l
            WHERE l.invite_hash = p_invite_hash FOR UPDATE $$""",
    "auth_hq_email_taken(p_email text)": f"""
        RETURNS boolean LANGUAGE sql STABLE {_DEFINER} AS $$
            SELECT EXISTS (SELECT 1 FROM public.auth_hq_logins l WHERE l.email = p_email) $$""",
    "tenant_any()": f"""
        RETURNS boolean LANGUAGE sql STABLE {_DEFINER} AS $$
            SELECT EXISTS (SELECT 1 FROM public.tenant_ids) $$""",
    "tenant_next_id()": f"""
        RETURNS bigint LANGUAGE sql STABLE {_DEFINER} AS $$
            SELECT coalesce(max(t.tenant_id), 0) + 1 FROM public.tenant_ids t $$""",
    "tenant_id_taken(p_tenant_id bigint)": f"""
        RETURNS boolean LANGUAGE sql STABLE {_DEFINER} AS $$
            SELECT EXISTS (SELECT 1 FROM public.tenant_ids t WHERE t.tenant_id = p_tenant_id) $$""",
    "dte_tenant_list()": f"""
        RETURNS SETOF bigint LANGUAGE sql STABLE {_DEFINER} AS $$
            SELECT d.tenant_id FROM public.dte_tenants d ORDER BY d.tenant_id $$""",
}


def upgrade() -> None:
    for table in TABLES:
        rls.enable_tenant_rls(table)
        op.execute(rls.lookup_policy(table))
    for signature, body in FUNCTIONS.items():
        op.execute(f"CREATE FUNCTION {signature} {body}")
        op.execute(f"REVOKE ALL ON FUNCTION {signature} FROM PUBLIC")
        op.execute(f"GRANT EXECUTE ON FUNCTION {signature} TO {rls.APP_ROLE}")


def downgrade() -> None:
    for signature in FUNCTIONS:
        op.execute(f"DROP FUNCTION {signature}")
    for table in TABLES:
        op.execute(f"DROP POLICY {rls.LOOKUP_POLICY} ON {table}")
        op.execute(f"DROP POLICY tenant_isolation ON {table}")
        op.execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
    op.execute(f"REVOKE UPDATE ON dte_tenants, tenant_ids FROM {rls.APP_ROLE}")
