"""The ``almacen`` launcher: parts found through entry points, only the named one imported."""

from __future__ import annotations

import argparse
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from shared import launcher

ROOT = Path(__file__).resolve().parents[2]


def fake_part(name: str, loaded: list[str]) -> Callable[[], launcher.Part]:
    def add_parser(subparsers: Any) -> argparse.ArgumentParser:
        parser: argparse.ArgumentParser = subparsers.add_parser(name, help=f"la parte {name}")
        parser.add_argument("value", type=int)
        parser.set_defaults(func=lambda args: args.value)
        return parser

    def run(args: argparse.Namespace) -> int:
        return int(args.func(args)) + 100

    def load() -> launcher.Part:
        loaded.append(name)
        return launcher.Part(add_parser, run)

    return load


def test_only_the_named_part_is_loaded_and_runs() -> None:
    loaded: list[str] = []
    parts = {"uno": fake_part("uno", loaded), "dos": fake_part("dos", loaded)}
    assert launcher.main(["dos", "7"], parts) == 107
    assert loaded == ["dos"]


def test_help_lists_every_part(capsys: pytest.CaptureFixture[str]) -> None:
    loaded: list[str] = []
    with pytest.raises(SystemExit) as exited:
        launcher.main(["--help"], {"uno": fake_part("uno", loaded), "dos": fake_part("dos", loaded)})
    assert exited.value.code == 0
    assert sorted(loaded) == ["dos", "uno"]
    assert "la parte uno" in capsys.readouterr().out


def test_no_installed_parts_is_a_clear_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert launcher.main(["pos"], {}) == 2
    assert "uv sync" in capsys.readouterr().err


def test_the_installed_parts_are_the_terminal_dte_and_server() -> None:
    parts = launcher.installed()
    assert sorted(parts) == ["dte", "pos", "server"]
    assert all(isinstance(load(), launcher.Part) for load in parts.values())


@pytest.mark.parametrize(("argv", "foreign"), [(["pos", "verify", "--help"], "syncserver"),
                                               (["dte", "verify", "--help"], "syncserver"),
                                               (["server", "db-url", "--help"], "desktop")])
def test_a_part_does_not_import_the_other_app(argv: list[str], foreign: str) -> None:
    script = ("import sys\nfrom shared import launcher\ntry:\n    launcher.main(sys.argv[1:])\nexcept SystemExit:\n"
              "    pass\nprint(sorted({m.split('.')[0] for m in sys.modules} & {'desktop', 'syncserver'}))\n")
    out = subprocess.run([sys.executable, "-c", script, *argv], cwd=ROOT, capture_output=True, text=True, check=True)
    imported = out.stdout.strip().splitlines()[-1]
    assert foreign not in imported and imported != "[]", out.stdout
