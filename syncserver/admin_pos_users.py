"""``almacen server admin pos-user-*``: the tills' users from the console, through the same service as HQ's page
(``syncserver.pos_users``); the PIN is asked twice (or read from a file), never taken from the command line."""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from shared import clock as clock_mod
from shared.errors import PosError

if TYPE_CHECKING:
    from psycopg_pool import AsyncConnectionPool

Add = Callable[[str, Callable[[argparse.Namespace], int], str], argparse.ArgumentParser]
Run = Callable[[argparse.Namespace, Callable[["AsyncConnectionPool"], Awaitable[Any]]], Any]


class PosUserCommandError(PosError):
    """A POS user command cannot be done (the message says why, in Spanish)."""


def register(add: Add, run: Run) -> None:
    """Add the POS user commands with ``add(name, func, help)``; they reach the database with ``run(args, work)``
    (``admin.add_parser``'s and ``admin._run``: passed in, so this module does not import ``admin``)."""
    p = add("pos-user-add", cmd_add, "crear un usuario de caja (cajero, supervisor o administrador; pide el PIN)")
    p.add_argument("tenant_id", type=int, metavar="TENANT")
    p.add_argument("name", metavar="NOMBRE")
    p.add_argument("--rol", required=True, choices=["cajero", "supervisor", "administrador"])
    p.add_argument("--tienda", required=True, action="append", metavar="STORE_ID", help="repetible")
    p.add_argument("--pin-file", type=Path, metavar="FILE", help="leer el PIN de este archivo")
    p.set_defaults(run=run)
    p = add("pos-users", cmd_list, "listar los usuarios de caja de un tenant (JSON, sin los PIN)")
    p.add_argument("tenant_id", type=int, metavar="TENANT")
    p.set_defaults(run=run)
    p = add("pos-user-pin", cmd_pin, "cambiar el PIN de un usuario de caja (pide el PIN nuevo)")
    p.add_argument("tenant_id", type=int, metavar="TENANT")
    p.add_argument("user_id", metavar="USER_ID")
    p.set_defaults(run=run)
    p.add_argument("--pin-file", type=Path, metavar="FILE", help="leer el PIN de este archivo")
    p = add("pos-user-deactivate", cmd_deactivate, "desactivar un usuario de caja (queda quién, cuándo y por qué)")
    p.add_argument("tenant_id", type=int, metavar="TENANT")
    p.add_argument("user_id", metavar="USER_ID")
    p.set_defaults(run=run)
    p.add_argument("--motivo", required=True)
    p = add("pos-user-reactivate", cmd_reactivate, "reactivar un usuario de caja desactivado")
    p.add_argument("tenant_id", type=int, metavar="TENANT")
    p.add_argument("user_id", metavar="USER_ID")
    p.set_defaults(run=run)


def _pin(args: argparse.Namespace) -> str:
    if args.pin_file is not None:
        try:
            return str(args.pin_file.read_text("utf-8")).strip()
        except OSError as exc:
            raise PosUserCommandError(f"no se pudo leer {args.pin_file}: {exc.strerror}") from None
    first = getpass.getpass("PIN (4 a 6 dígitos): ")
    if getpass.getpass("Repita el PIN: ") != first:
        raise PosUserCommandError("los PIN no coinciden")
    return first


def _by() -> str:
    return f"consola ({getpass.getuser()})"


def _now() -> datetime:
    return clock_mod.utc_clock()


def cmd_add(args: argparse.Namespace) -> int:
    """``pos-user-add TENANT NOMBRE --rol R --tienda S [--tienda S2] [--pin-file F]``: prints the new user's id."""
    from argon2 import PasswordHasher

    from shared import clock
    from syncserver import pos_users

    pin = _pin(args)

    async def work(pool: AsyncConnectionPool) -> str:
        try:
            row = await pos_users.create(pool, args.tenant_id, user_id=clock.new_uuid7(), name=args.name,
                                         role=args.rol, stores=args.tienda, pin=pin, by=_by(), at=_now(),
                                         hasher=PasswordHasher())
        except pos_users.PosUserError as exc:
            raise PosUserCommandError(exc.detail) from None
        return row.user_id

    user_id = args.run(args, work)
    print(user_id)
    print(f"Usuario de caja {args.name} creado ({args.rol}); las cajas de {', '.join(args.tienda)} lo recibirán en"
          " su próxima sincronización", file=sys.stderr)
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    """``pos-users TENANT``: one JSON object per user (id, name, role, stores, active, deactivation)."""
    from syncserver import pos_users

    async def work(pool: AsyncConnectionPool) -> list[dict[str, Any]]:
        rows, _stores = await pos_users.list_users(pool, args.tenant_id)
        return [{"user_id": r.user_id, "name": r.name, "role": r.role, "stores": r.stores, "active": r.active,
                 "deactivated_by": r.deactivated_by, "deactivated_reason": r.deactivated_reason,
                 "deactivated_at": r.deactivated_at.isoformat() if r.deactivated_at else None} for r in rows]

    print(json.dumps(args.run(args, work), ensure_ascii=False, indent=2))
    return 0


def cmd_pin(args: argparse.Namespace) -> int:
    """``pos-user-pin TENANT USER_ID [--pin-file F]``."""
    from argon2 import PasswordHasher

    from syncserver import pos_users

    pin = _pin(args)

    async def work(pool: AsyncConnectionPool) -> None:
        try:
            await pos_users.reset_pin(pool, args.tenant_id, args.user_id, pin, at=_now(), hasher=PasswordHasher())
        except pos_users.PosUserError as exc:
            raise PosUserCommandError(exc.detail) from None

    args.run(args, work)
    print(f"PIN de {args.user_id} cambiado", file=sys.stderr)
    return 0


def _set_active(args: argparse.Namespace, active: bool) -> int:
    from syncserver import pos_users

    async def work(pool: AsyncConnectionPool) -> None:
        try:
            await pos_users.set_active(pool, args.tenant_id, args.user_id, active, by=_by(),
                                       reason=getattr(args, "motivo", ""), at=_now())
        except pos_users.PosUserError as exc:
            raise PosUserCommandError(exc.detail) from None

    args.run(args, work)
    print(f"Usuario {args.user_id} {'reactivado' if active else 'desactivado'}", file=sys.stderr)
    return 0


def cmd_deactivate(args: argparse.Namespace) -> int:
    """``pos-user-deactivate TENANT USER_ID --motivo M``."""
    return _set_active(args, False)


def cmd_reactivate(args: argparse.Namespace) -> int:
    """``pos-user-reactivate TENANT USER_ID``."""
    return _set_active(args, True)
