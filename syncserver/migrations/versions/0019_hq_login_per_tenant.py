"""An e-mail logs in to one business per server, and an invitation does not tell whether it logs in elsewhere.

``auth_hq_logins`` is keyed by (tenant, e-mail): an owner may invite any e-mail and gets the same answer and the
same pending account whether or not another tenant uses it; the unique index ``auth_hq_logins_active_email`` keeps
one login *with a password* per e-mail, so accepting such an invitation is refused (the code's holder is told).
``auth_hq_login`` finds that one login; ``auth_hq_email_taken`` says whether an e-mail logs in anywhere (creating
a business or an admin's login, which get a password at once).

Revision ID: 0019
Revises: 0018
"""

from alembic import op

revision = "0019"
down_revision = "0018"

_DEFINER = "SECURITY DEFINER SET search_path = pg_catalog, pg_temp"


def _functions(active_only: bool) -> list[str]:
    active = " AND l.password_hash <> ''" if active_only else ""
    return [
        f"""CREATE OR REPLACE FUNCTION auth_hq_login(p_email text)
            RETURNS TABLE (tenant_id bigint, password_hash text, failures integer, locked_until timestamptz)
            LANGUAGE sql VOLATILE {_DEFINER} AS $$
                SELECT l.tenant_id, l.password_hash, l.failures, l.locked_until FROM public.auth_hq_logins l
                WHERE l.email = p_email{active} FOR UPDATE $$""",
        f"""CREATE OR REPLACE FUNCTION auth_hq_email_taken(p_email text)
            RETURNS boolean LANGUAGE sql STABLE {_DEFINER} AS $$
                SELECT EXISTS (SELECT 1 FROM public.auth_hq_logins l WHERE l.email = p_email{active}) $$""",
    ]


def upgrade() -> None:
    op.execute("ALTER TABLE auth_hq_logins DROP CONSTRAINT auth_hq_logins_pkey")
    op.execute("ALTER TABLE auth_hq_logins ADD CONSTRAINT auth_hq_logins_pkey PRIMARY KEY (tenant_id, email)")
    op.execute("CREATE UNIQUE INDEX auth_hq_logins_active_email ON auth_hq_logins (email)"
               " WHERE password_hash <> ''")
    for statement in _functions(active_only=True):
        op.execute(statement)


def downgrade() -> None:
    for statement in _functions(active_only=False):
        op.execute(statement)
    op.execute("DROP INDEX auth_hq_logins_active_email")
    op.execute("ALTER TABLE auth_hq_logins DROP CONSTRAINT auth_hq_logins_pkey")
    op.execute("ALTER TABLE auth_hq_logins ADD CONSTRAINT auth_hq_logins_pkey PRIMARY KEY (email)")
