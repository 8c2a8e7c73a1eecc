"""HQ sessions kept by the server, failure counters for rate limits, and the audit trail.

- ``hq_sessions`` (tenant table): one row per signed-in browser; the cookie holds a random token and only its
  SHA-256 is stored here. A session ends when revoked (logout, the owner, a deactivation or password reset), after
  ``hq_session_idle_minutes`` without a request or after ``hq_session_max_hours`` in all.
- ``auth_throttle`` (no tenant: counted before any tenant is known): failures per HQ account, per address and per
  address at the terminals' enrolment, keyed by the SHA-256 of the key, with the lock-out they earned.
- ``audit_log`` (tenant table, append-only: a trigger refuses UPDATE and DELETE): failed and refused logins,
  lock-outs, sessions ended, refused enrolments and requests, quarantined events, account changes.

Revision ID: 0016
Revises: 0015
"""

from alembic import op

from syncserver.migrations import rls

revision = "0016"
down_revision = "0015"


def upgrade() -> None:
    rls.create_tenant_table("hq_sessions", """tenant_id bigint NOT NULL, session_id bigserial NOT NULL,
        token_hash text NOT NULL UNIQUE, email text NOT NULL, created_at timestamptz NOT NULL,
        last_seen_at timestamptz NOT NULL, address text NOT NULL DEFAULT '', user_agent text NOT NULL DEFAULT '',
        revoked_at timestamptz, revoked_reason text, revoked_by text,
        PRIMARY KEY (tenant_id, session_id)""")
    op.execute("GRANT USAGE ON SEQUENCE hq_sessions_session_id_seq TO almacen_app")
    op.execute("CREATE INDEX hq_sessions_open ON hq_sessions (tenant_id, email) WHERE revoked_at IS NULL")
    op.execute("""CREATE TABLE auth_throttle (scope text NOT NULL, key_hash text NOT NULL,
        failures integer NOT NULL DEFAULT 0, strikes integer NOT NULL DEFAULT 0, last_failure_at timestamptz,
        locked_until timestamptz, PRIMARY KEY (scope, key_hash))""")
    op.execute("GRANT SELECT, INSERT, UPDATE, DELETE ON auth_throttle TO almacen_app")
    rls.create_tenant_table("audit_log", """tenant_id bigint NOT NULL, audit_id bigserial NOT NULL,
        at timestamptz NOT NULL, kind text NOT NULL, actor text NOT NULL DEFAULT '',
        address text NOT NULL DEFAULT '', detail text NOT NULL DEFAULT '',
        PRIMARY KEY (tenant_id, audit_id)""")
    op.execute("GRANT USAGE ON SEQUENCE audit_log_audit_id_seq TO almacen_app")
    op.execute("CREATE INDEX audit_log_by_time ON audit_log (tenant_id, at DESC, audit_id DESC)")
    op.execute("CREATE INDEX audit_log_by_kind ON audit_log (tenant_id, kind, at DESC)")
    op.execute("""CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'audit_log is append-only';
        END $$""")
    op.execute("CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log"
               " FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()")


def downgrade() -> None:
    op.execute("DROP TABLE audit_log")
    op.execute("DROP FUNCTION audit_log_append_only()")
    op.execute("DROP TABLE auth_throttle")
    op.execute("DROP TABLE hq_sessions")
