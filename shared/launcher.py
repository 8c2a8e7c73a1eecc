"""The ``almacen`` command: finds its parts (``pos``, ``dte``, ``server``) through entry points, so neither app
imports the other.

A part is a :class:`Part` registered in ``pyproject.toml`` under ``[project.entry-points."almacen.commands"]``
(``pos = "desktop.cli:POS"``). Only the part named on the command line is imported (``almacen pos run`` never
loads the server); help and unknown names load them all to list them.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from importlib import metadata
from typing import Any

GROUP = "almacen.commands"


@dataclass(frozen=True, slots=True)
class Part:
    """One part of the ``almacen`` command (``pos``, ``dte``, ``server``).

    Attributes:
        add_parser: registers the part's sub-command on an ``add_subparsers()`` object; each leaf command sets
            ``func(args) -> int``.
        run: calls ``args.func(args)`` and turns the part's errors into a message on stderr and an exit code.
    """

    add_parser: Callable[[Any], argparse.ArgumentParser]
    run: Callable[[argparse.Namespace], int]


def installed() -> dict[str, Callable[[], Part]]:
    """The parts in the installed metadata (``uv sync`` writes it from ``pyproject.toml``): name → loader."""
    return {ep.name: _loader(ep) for ep in metadata.entry_points(group=GROUP)}


def _loader(ep: metadata.EntryPoint) -> Callable[[], Part]:
    def load() -> Part:
        part = ep.load()
        if not isinstance(part, Part):
            raise TypeError(f"entry point {ep.name} = {ep.value} is a {type(part).__name__}, not a launcher.Part")
        return part

    return load


def parser(commands: Mapping[str, Part]) -> argparse.ArgumentParser:
    """The root parser with ``commands`` registered (in name order)."""
    root = argparse.ArgumentParser(prog="almacen", description="Almacén: punto de venta offline-first.")
    parts = root.add_subparsers(dest="part", required=True, metavar="{" + ",".join(sorted(commands)) + "}")
    for name in sorted(commands):
        commands[name].add_parser(parts)
    return root


def main(argv: Sequence[str] | None = None, commands: Mapping[str, Callable[[], Part]] | None = None) -> int:
    """``almacen PART ...``: parse with the part named first and let it run; exit code of the part.

    Args:
        argv: the arguments after the program name (default ``sys.argv[1:]``).
        commands: name → loader of each part (default :func:`installed`).
    """
    args_list = list(sys.argv[1:] if argv is None else argv)
    found = installed() if commands is None else dict(commands)
    if not found:
        print("almacen: no hay comandos instalados (ejecute scripts/setup: uv sync instala 'almacen.commands')",
              file=sys.stderr)
        return 2
    first = args_list[0] if args_list else ""
    chosen = {first: found[first]()} if first in found else {name: load() for name, load in found.items()}
    args = parser(chosen).parse_args(args_list)
    return chosen[args.part].run(args)


if __name__ == "__main__":
    sys.exit(main())
