"""What the ``almacen dte`` subcommands share: reading the file they are given, and reporting on stdout (JSON) and
stderr (``ERROR: ...`` lines, in Spanish) the way the rest of the CLI does."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

DEFAULT_DATA = Path(os.environ.get("ALMACEN_DATA", Path.home() / ".local/share/almacen/terminal"))
"""The till's data folder when ``--data``/``--journal`` is not given: ``$ALMACEN_DATA`` or the user's share folder."""


def error(message: str) -> None:
    """Print ``ERROR: message`` on stderr."""
    print(f"ERROR: {message}", file=sys.stderr)


def read_input(path: Path) -> bytes | None:
    """The bytes of ``path``; None when it cannot be read, after printing why (``ERROR: no se puede leer ...``)."""
    try:
        return path.read_bytes()
    except OSError as exc:
        error(f"no se puede leer {path}: {exc.strerror}")
        return None


def print_json(report: dict[str, Any]) -> None:
    """Print ``report`` on stdout as indented JSON, accents as they are (not ``\\u`` escapes)."""
    print(json.dumps(report, indent=2, ensure_ascii=False))
