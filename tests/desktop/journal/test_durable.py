"""desktop/journal/durable.py: files and folders synced; a folder is not opened on Windows (it refuses)."""

from __future__ import annotations

from pathlib import Path

import pytest

from desktop.journal import durable


def test_a_file_and_its_folder_are_synced(tmp_path: Path) -> None:
    written = tmp_path / "diario.sqlite3"
    written.write_bytes(b"x")
    durable.sync_file(written)
    durable.sync_folder(tmp_path)
    with pytest.raises(FileNotFoundError):
        durable.sync_folder(tmp_path / "no-existe")


def test_on_windows_a_folder_is_left_to_ntfs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(durable.os, "name", "nt")
    durable.sync_folder(tmp_path / "no-existe")  # not opened at all: Windows would refuse a folder
