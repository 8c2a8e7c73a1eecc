"""Archive files of old, acknowledged months (``desktop.journal.archive``): one row per verified file, and the
events' DELETE trigger that now lets go only of rows such a row covers (UPDATE stays refused). Nothing to refold.

Revision ID: 0022
Revises: 0021
"""

from alembic import op

revision = "0022"
down_revision = "0021"


def upgrade() -> None:
    op.execute("""CREATE TABLE IF NOT EXISTS archives (
        name TEXT PRIMARY KEY,
        epoch INTEGER NOT NULL,
        first_seq INTEGER NOT NULL,
        last_seq INTEGER NOT NULL,
        month TEXT NOT NULL,
        prev_hash TEXT NOT NULL,
        last_hash TEXT NOT NULL,
        first_at TEXT NOT NULL,
        last_at TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        bytes INTEGER NOT NULL,
        archived_at TEXT NOT NULL,
        UNIQUE (epoch, first_seq),
        CHECK (first_seq >= 1 AND last_seq >= first_seq)
    )""")
    op.execute("""CREATE TRIGGER IF NOT EXISTS archives_immutable_update BEFORE UPDATE ON archives
       BEGIN SELECT RAISE(ABORT, 'journal archives are immutable'); END""")
    op.execute("""CREATE TRIGGER IF NOT EXISTS archives_immutable_delete BEFORE DELETE ON archives
       BEGIN SELECT RAISE(ABORT, 'journal archives are immutable'); END""")
    op.execute("DROP TRIGGER IF EXISTS events_append_only_delete")
    op.execute("""CREATE TRIGGER events_append_only_delete BEFORE DELETE ON events
       WHEN NOT EXISTS (SELECT 1 FROM archives a WHERE a.epoch = old.epoch
                        AND old.seq BETWEEN a.first_seq AND a.last_seq)
       BEGIN SELECT RAISE(ABORT, 'journal events are immutable'); END""")


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS events_append_only_delete")
    op.execute("""CREATE TRIGGER events_append_only_delete BEFORE DELETE ON events
       BEGIN SELECT RAISE(ABORT, 'journal events are immutable'); END""")
    op.execute("DROP TABLE IF EXISTS archives")
