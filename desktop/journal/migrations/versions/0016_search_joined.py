"""The product search also finds a hyphenated, dotted or slashed word by its joined form ("cocacola" finds
"Coca-Cola"): ``products_fts`` gets a ``joined`` column (name and brand without ``- . / '``), read through the
``products_search`` view and kept by the same triggers; the existing rows are indexed again.

Revision ID: 0016
Revises: 0015
"""

from alembic import op

revision = "0016"
down_revision = "0015"

# name and brand with the characters that join a word's parts removed: the tokenizer folds case and accents
_JOINED = ("replace(replace(replace(replace(replace(replace({t}.name || ' ' || {t}.brand,"
           " '-', ''), '.', ''), '/', ''), '''', ''), '’', ''), '‐', '')")


def _triggers(columns: str, values: str) -> list[str]:
    new = values.format(t="new", joined=_JOINED.format(t="new"))
    old = values.format(t="old", joined=_JOINED.format(t="old"))
    return [
        f"""CREATE TRIGGER products_ai AFTER INSERT ON products BEGIN
            INSERT INTO products_fts(rowid, {columns}) VALUES ({new}); END""",
        f"""CREATE TRIGGER products_ad AFTER DELETE ON products BEGIN
            INSERT INTO products_fts(products_fts, rowid, {columns}) VALUES ('delete', {old}); END""",
        f"""CREATE TRIGGER products_au AFTER UPDATE ON products BEGIN
            INSERT INTO products_fts(products_fts, rowid, {columns}) VALUES ('delete', {old});
            INSERT INTO products_fts(rowid, {columns}) VALUES ({new}); END""",
    ]


def _drop() -> None:
    for trigger in ("products_ai", "products_ad", "products_au"):
        op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    op.execute("DROP TABLE IF EXISTS products_fts")


def upgrade() -> None:
    _drop()
    op.execute(f"""CREATE VIEW IF NOT EXISTS products_search AS SELECT p.rowid AS id, p.name, p.brand, p.category,
        {_JOINED.format(t="p")} AS joined FROM products p""")
    op.execute("""CREATE VIRTUAL TABLE products_fts USING fts5(
        name, brand, category, joined, content='products_search', content_rowid='id',
        tokenize='unicode61 remove_diacritics 2', prefix='2 3')""")
    for sql in _triggers("name, brand, category, joined",
                         "{t}.rowid, {t}.name, {t}.brand, {t}.category, {joined}"):
        op.execute(sql)
    op.execute("INSERT INTO products_fts(products_fts) VALUES ('rebuild')")


def downgrade() -> None:
    _drop()
    op.execute("DROP VIEW IF EXISTS products_search")
    op.execute("""CREATE VIRTUAL TABLE products_fts USING fts5(
        name, brand, category, content='products', content_rowid='rowid',
        tokenize='unicode61 remove_diacritics 2', prefix='2 3')""")
    for sql in _triggers("name, brand, category", "{t}.rowid, {t}.name, {t}.brand, {t}.category"):
        op.execute(sql)
    op.execute("INSERT INTO products_fts(products_fts) VALUES ('rebuild')")
