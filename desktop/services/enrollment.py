"""Enrolling a terminal with HQ: a new Ed25519 key (kept in the data folder, never in the journal) and identity.

The key lives in ``<data_dir>/terminal.key`` (mode 0600); the server URL lives in the journal's sync state.
An empty journal takes HQ's identity; one with entries keeps its terminal id and must belong to the code's store.
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from desktop.journal.sqlite_store import Identity, SqliteJournal
from desktop.net.sync_client import SyncClient
from shared import errors, signing

KEY_FILE = "terminal.key"


class EnrollmentError(errors.PosError):
    """Enrollment failed; the message says why in words for the shop owner."""


@dataclass(frozen=True, slots=True)
class Registered:
    """What HQ assigned: the tenant and store of the code; ``terminal_id`` is the one this terminal sent."""

    server_url: str
    tenant_id: int
    store_id: str
    terminal_id: str


def key_path(data_dir: Path) -> Path:
    return data_dir / KEY_FILE


def load_key(data_dir: Path) -> bytes | None:
    path = key_path(data_dir)
    return path.read_bytes() if path.exists() else None


def register(data_dir: Path, server_url: str, code: str, terminal_id: str, *, transport: Any = None) -> Registered:
    """Send a new public key with the one-time code and keep the private key in ``data_dir``.

    Raises:
        EnrollmentError: already enrolled, HQ refused the code (unknown, used, expired), or no connection.
    """
    if key_path(data_dir).exists():
        raise EnrollmentError("esta caja ya está enrolada (existe terminal.key)")
    private = signing.new_private_key()
    client = SyncClient(server_url, terminal_id, private, transport=transport)
    try:
        answer = client.enroll(code, signing.public_key(private))
    except errors.PosError as exc:
        message = exc.detail if hasattr(exc, "detail") else str(exc)
        raise EnrollmentError(f"HQ no aceptó el enrolamiento: {message}") from None
    finally:
        client.close()
    data_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(key_path(data_dir), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(private)
    return Registered(server_url.rstrip("/"), int(answer["tenant_id"]), str(answer["store_id"]), terminal_id)


def enroll_existing(journal: SqliteJournal, data_dir: Path, server_url: str, code: str, *,
                    transport: Any = None) -> Registered:
    """Enrol a till whose journal exists. An empty journal (a new till's first run) takes HQ's tenant and store and
    a new terminal id; one with entries keeps its terminal id and HQ's tenant and store must match it.

    Raises:
        EnrollmentError: as :func:`register`, or a code issued for another tenant or store (the key is removed).
    """
    ident = journal.identity
    empty = journal.head[0] == 0
    terminal_id = str(uuid.uuid4()) if empty else ident.terminal_id
    registered = register(data_dir, server_url, code, terminal_id, transport=transport)
    if empty:
        journal.adopt_identity(Identity(registered.tenant_id, registered.store_id, terminal_id, ident.epoch))
    elif (ident.tenant_id, ident.store_id) != (registered.tenant_id, registered.store_id):
        key_path(data_dir).unlink()
        raise EnrollmentError(f"el código es de la tienda {registered.store_id} (tenant {registered.tenant_id}), "
                              f"pero esta caja es de {ident.store_id} (tenant {ident.tenant_id})")
    journal.set_sync_state(server_url=registered.server_url)
    return registered
