"""Purchase lines keep their package factor (``purchase_lines.package_factor``), so a supplier's next document for
the same item inherits it (``desktop.services.purchases``).

The factor is the event's ``PurchaseLine.package_factor`` as decimal text (``"12"``, ``"2.5"``): units (or kg) of the
store's product per unit of QtyItem. Existing rows take the factor their ``purchase.received`` payload records, in
one pass over the journal's purchase events (``json_each`` of their lines joined to the rows); lines of events
written before the factor existed keep 1.

Revision ID: 0008
Revises: 0007
"""

from alembic import op

revision = "0008"
down_revision = "0007"


def upgrade() -> None:
    op.execute("ALTER TABLE purchase_lines ADD COLUMN package_factor TEXT NOT NULL DEFAULT '1'")
    op.execute("""UPDATE purchase_lines SET package_factor = f.factor
        FROM (SELECT json_extract(e.payload, '$.purchase_id') AS purchase_id,
                     json_extract(l.value, '$.line_no') AS line_no,
                     CAST(json_extract(l.value, '$.package_factor') AS TEXT) AS factor
              FROM events e, json_each(e.payload, '$.lines') l
              WHERE e.type = 'purchase.received'
                AND json_extract(l.value, '$.package_factor') IS NOT NULL) AS f
        WHERE purchase_lines.purchase_id = f.purchase_id AND purchase_lines.line_no = f.line_no
          AND f.factor <> '1'""")
