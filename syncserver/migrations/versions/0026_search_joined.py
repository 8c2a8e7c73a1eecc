"""HQ's searches also find a hyphenated, dotted or slashed word by its joined form ("cocacola" finds "Coca-Cola"):
``products.search_text`` gets the fold of the same text with ``- . / '`` left out (``catalog_import.search_text``),
refilled here for the rows there are (the app writes it on every save).

Revision ID: 0026
Revises: 0025
"""

from alembic import op

revision = "0026"
down_revision = "0025"

_FOLD = """trim(regexp_replace(lower(translate({text},
    'ÁÉÍÓÚÜÑáéíóúüñÀÈÌÒÙàèìòù', 'AEIOUUNaeiouunAEIOUaeiou')), '[^[:alnum:]]+', ' ', 'g'))"""
_TEXT = "concat_ws(' ', name, brand, category, sku, plu, array_to_string(barcodes, ' '))"


def upgrade() -> None:
    joined = _FOLD.format(text=f"translate({_TEXT}, '-./''’‐', '')")
    op.execute(f"UPDATE products SET search_text = ' ' || {_FOLD.format(text=_TEXT)} || ' ' || {joined} || ' '")


def downgrade() -> None:
    op.execute(f"UPDATE products SET search_text = ' ' || {_FOLD.format(text=_TEXT)} || ' '")
