"""Making a written file, and a folder's entries after a rename, durable on disk before the journal relies on them."""

from __future__ import annotations

import os
from pathlib import Path


def sync_file(path: Path) -> None:
    """Flush ``path``'s written bytes to the disk (``fsync``). Raises: OSError."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def sync_folder(folder: Path) -> None:
    """Flush ``folder``'s entries (a file created or renamed in it) to the disk. On Windows nothing: a folder cannot
    be opened to sync it there, and NTFS journals the rename itself. Raises: OSError (some network shares refuse)."""
    if os.name != "nt":
        sync_file(folder)
