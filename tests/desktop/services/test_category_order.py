"""HQ's ``categories`` change at the till: the tab order it publishes is journaled (``catalog.categories_ordered``)
and the categories follow it, the latest order winning, those HQ did not name after them by name; a rebuild of the
projections gives the same order."""

from __future__ import annotations

from desktop import cli
from desktop.journal import read_models
from desktop.services.sync import SyncService
from tests.desktop.services.test_emisor_header import Feed


def test_the_tabs_follow_hqs_latest_order_and_a_rebuild_keeps_it(terminal) -> None:
    by_name = terminal.catalog.categories()
    assert by_name == sorted(by_name) and len(by_name) >= 3  # before HQ says anything: by name
    first, second, *rest = by_name
    feed = Feed()
    feed.add("categories", "order", {"names": [second, first]})
    feed.add("categories", "order", {"names": [rest[-1], second, "Sin productos aún"]})  # the latest wins
    assert SyncService(terminal.journal, feed).pull() == 2

    expected = [rest[-1], second, *sorted(c for c in by_name if c not in (rest[-1], second))]
    assert terminal.catalog.categories() == expected  # a category with no product makes no tab
    assert [e.type for e in terminal.journal.read()].count("catalog.categories_ordered") == 2
    digest = cli.projection_digest(terminal.journal.conn)
    terminal.journal.rebuild_projections()
    assert cli.projection_digest(terminal.journal.conn) == digest
    assert read_models.categories(terminal.journal.conn) == expected
