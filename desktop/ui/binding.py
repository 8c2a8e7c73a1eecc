"""Glue between a Qt-free presenter and the widgets that draw its view.

Presenters call ``on_change(view)`` synchronously after every intent; on the GUI thread that is all the
binding a widget needs: each renderer gets the new frozen view and redraws from it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, TypeVar

V = TypeVar("V")


class Presenter(Protocol):
    on_change: Callable[[Any], None]
    view: Any


def bind(presenter: Presenter, *renderers: Callable[[V], None], initial: bool = True) -> None:
    """Make every renderer draw each new view of ``presenter`` (and, with ``initial``, the current one now)."""

    def render(view: V) -> None:
        for draw in renderers:
            draw(view)

    presenter.on_change = render
    if initial:
        render(presenter.view)
