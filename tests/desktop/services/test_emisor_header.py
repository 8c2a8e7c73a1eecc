"""The emisor and the POS users HQ publishes, applied at the till from the change feed: the printed header and the
resolution legend come from HQ's emisor once it arrived (terminal.toml's before, and the till says so); a user's
PIN hash, a new PIN and a deactivation reach the sign-in; a rebuild of the projections gives the same."""

from __future__ import annotations

from pathlib import Path

from argon2 import PasswordHasher

from desktop import cli
from desktop.drivers.escpos_decode import decode
from desktop.journal import read_models
from desktop.services import receipts
from desktop.services.sync import SyncService
from shared import errors
from shared.sale import Tender, TenderKind

SAMPLES = Path(__file__).parents[2] / "data" / "sii" / "samples"
EMISOR = {"rut": "76235291-5", "razon_social": "Almacenes Don Pepe SpA", "giro": "Venta al por menor en almacenes",
          "acteco": [471100], "direccion": "Av. Providencia 1234", "comuna": "Providencia", "ciudad": "Santiago",
          "sucursal_sii": 81234567, "resolucion_fecha": "2024-03-15", "resolucion_numero": 80, "unidad_sii": ""}
FAST = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


class Feed:
    """The server's side of ``GET /sync/pull``: the changes HQ published, in id order."""

    def __init__(self) -> None:
        self.changes: list[dict[str, object]] = []

    def add(self, kind: str, key: str, data: dict[str, object]) -> None:
        self.changes.append({"id": len(self.changes) + 1, "kind": kind, "key": key, "data": data})

    def close(self) -> None:
        pass

    def push(self, batch, pending=0):  # type: ignore[no-untyped-def]
        raise AssertionError("not used")

    def pull(self, cursor: int, limit: int = 500):  # type: ignore[no-untyped-def]
        rows = [c for c in self.changes if int(c["id"]) > cursor][:limit]  # type: ignore[call-overload]
        return rows, (rows[-1]["id"] if rows else cursor), len(rows) == limit

    def new_epoch(self) -> int:
        raise AssertionError("not used")


def _boleta_text(term) -> str:  # type: ignore[no-untyped-def]
    ana = term.auth.sign_in("ana", "1234")
    shift = term.shifts.current() or term.shifts.open(ana, 0)
    term.checkout.start(ana, shift.shift_id)
    term.checkout.scan("7801234567894")
    term.checkout.complete((Tender(TenderKind.CASH, 5000),))
    term.receipts.wait_idle()
    return " ".join(" ".join(decode(term.printer.jobs[-1]).lines).split())


def test_the_header_is_terminal_tomls_until_hq_sends_the_emisor_then_hqs(make_terminal) -> None:
    term = make_terminal()
    term.checkout.folios.load_caf((SAMPLES / "caf_T39_cert_76235291-5_F1-20.xml").read_bytes())
    before = _boleta_text(term)
    assert "Almacén Don Pepe" in before and "Res. 0 de 2026" in before
    assert term.receipts.current_header()[2] is False
    term.receipts.test_print()
    term.receipts.wait_idle()
    assert "HQ aún no envía los datos del emisor" in " ".join(" ".join(decode(term.printer.jobs[-1]).lines).split())

    feed = Feed()
    feed.add("emisor", "emisor", {**EMISOR, "razon_social": "Primera Razón Social"})
    feed.add("emisor", "emisor", EMISOR)  # the latest wins
    sync = SyncService(term.journal, feed)
    assert sync.pull() == 2
    after = _boleta_text(term)
    for printed in ("Almacenes Don Pepe SpA", "RUT 76.235.291-5", "Venta al por menor en almacenes",
                    "Av. Providencia 1234, Providencia · Sucursal SII 81234567", "Res. 80 de 2024"):
        assert printed in after, printed
    assert "Almacén Don Pepe" not in after and "Independencia" not in after and "Primera" not in after
    header, resolution, from_hq = term.receipts.current_header()
    assert (header.name, resolution, from_hq) == ("Almacenes Don Pepe SpA", (80, 2024), True)
    # the Z report's header is the same, and no longer warns
    term.shifts.close(term.auth.sign_in("ana", "1234"), {TenderKind.CASH: 0})  # prints the Z report
    term.receipts.wait_idle()
    z = " ".join(" ".join(decode(term.printer.jobs[-1]).lines).split())
    assert "REPORTE Z" in z and "Almacenes Don Pepe SpA" in z and "Av. Providencia 1234" in z
    assert "HQ aún no envía" not in z
    # the emisor is a journaled fact: a rebuild gives the same read model
    digest = cli.projection_digest(term.journal.conn)
    term.journal.rebuild_projections()
    assert cli.projection_digest(term.journal.conn) == digest
    assert read_models.emisor(term.journal.conn).razon_social == "Almacenes Don Pepe SpA"


def test_the_stores_own_address_and_sucursal_replace_the_emisors_on_every_header(make_terminal) -> None:
    term = make_terminal()
    term.checkout.folios.load_caf((SAMPLES / "caf_T39_cert_76235291-5_F1-20.xml").read_bytes())
    store_id = term.journal.identity.store_id
    feed = Feed()
    feed.add("emisor", "emisor", EMISOR)
    feed.add("store", "otra", {"store_id": "otra", "name": "Otra", "direccion": "Calle Falsa 1", "comuna": "Maipú",
                               "ciudad": "Santiago", "sucursal_sii": 1, "active": True})  # another store's: ignored
    feed.add("store", store_id, {"store_id": store_id, "name": "Centro", "direccion": "", "comuna": "", "ciudad": "",
                                 "sucursal_sii": None, "active": True})
    sync = SyncService(term.journal, feed)
    assert sync.pull() == 2
    assert read_models.store(term.journal.conn, "otra") is None
    assert "Av. Providencia 1234, Providencia · Sucursal SII 81234567" in _boleta_text(term)  # no data: casa matriz

    feed.add("store", store_id, {"store_id": store_id, "name": "Centro", "direccion": "Irarrázaval 3456",
                                 "comuna": "Ñuñoa", "ciudad": "", "sucursal_sii": 81234999, "active": True})
    sync.pull()
    boleta = _boleta_text(term)
    assert "Irarrázaval 3456, Ñuñoa · Sucursal SII 81234999" in boleta and "Providencia" not in boleta
    assert "Almacenes Don Pepe SpA" in boleta and "RUT 76.235.291-5" in boleta  # the emisor's name and RUT stay
    term.receipts.test_print()
    term.receipts.wait_idle()
    term.shifts.close(term.auth.sign_in("ana", "1234"), {TenderKind.CASH: 0})
    term.receipts.wait_idle()
    z = " ".join(" ".join(decode(term.printer.jobs[-1]).lines).split())
    assert "Irarrázaval 3456, Ñuñoa" in z and "Providencia" not in z

    feed.add("store", store_id, {"store_id": store_id, "name": "Centro", "direccion": "", "comuna": "",
                                 "ciudad": "", "sucursal_sii": 81234999, "active": True})  # only the code
    sync.pull()
    assert term.receipts.current_header()[0].address == "Av. Providencia 1234, Providencia · Sucursal SII 81234999"
    digest = cli.projection_digest(term.journal.conn)
    term.journal.rebuild_projections()
    assert cli.projection_digest(term.journal.conn) == digest


def test_users_from_hq_reach_the_sign_in_and_their_pin_changes_and_deactivation_too(make_terminal) -> None:
    term = make_terminal(rows=[])
    feed = Feed()
    feed.add("user", "u-rosa", {"user_id": "u-rosa", "name": "Carla Núñez", "role": "supervisor",
                                "pin_hash": FAST.hash("2468"), "active": True})
    sync = SyncService(term.journal, feed)
    sync.pull()
    assert "Carla Núñez" in [u.name for u in term.auth.users()]
    assert term.auth.sign_in("u-rosa", "2468").name == "Carla Núñez"
    feed.add("user", "u-rosa", {"user_id": "u-rosa", "name": "Carla Núñez", "role": "supervisor",
                                "pin_hash": FAST.hash("1357"), "active": True})
    sync.pull()
    try:
        term.auth.sign_in("u-rosa", "2468")
        raise AssertionError("the old PIN still works")
    except errors.WrongPin:
        pass
    assert term.auth.sign_in("u-rosa", "1357").name == "Carla Núñez"
    feed.add("user", "u-rosa", {"user_id": "u-rosa", "name": "Carla Núñez", "role": "supervisor",
                                "pin_hash": FAST.hash("1357"), "active": False})
    sync.pull()
    assert "Carla Núñez" not in [u.name for u in term.auth.users()]
    try:
        term.auth.sign_in("u-rosa", "1357")
        raise AssertionError("a deactivated user signed in")
    except errors.WrongPin:
        pass


def test_no_emisor_notice_says_how_to_fix_it() -> None:
    assert "HQ (página Emisor)" in receipts.NO_EMISOR
