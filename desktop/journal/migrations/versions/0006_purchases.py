"""Purchases registered from suppliers' signed DTEs (projections of ``purchase.received``).

Revision ID: 0006
Revises: 0005
"""


revision = "0006"
down_revision = "0005"


def upgrade() -> None:
    pass
