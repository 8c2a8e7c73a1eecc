"""The first-run wizard's presenter: step 1's messages (address, code refused for each reason, server unreachable),
step 2's pull page by page with counts, a failure that keeps what arrived and a retry that continues, stopping,
and step 3's choice of a USB printer the device page found."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from desktop.drivers.scale_sim import ScaleSimulator
from desktop.drivers.scales.driver import PortInfo
from desktop.drivers.scales.probe import probe_ports
from desktop.presenters.devices import DevicesPresenter
from desktop.presenters.enrollment import EnrollPresenter, PullCounts
from desktop.services import enrollment
from desktop.services.sync import SyncService
from shared import sync

CAF = (Path(__file__).parents[2] / "data" / "sii" / "samples" / "caf_T39_cert_76235291-5_F1-20.xml")


def _hq(refusal: str | None, ident: Any) -> httpx.MockTransport:
    def answer(request: httpx.Request) -> httpx.Response:
        if refusal == "offline":
            raise httpx.ConnectError("connection refused")
        if refusal:
            return httpx.Response(400, json={"error": "enrollment", "message": refusal})
        return httpx.Response(200, json={"terminal_id": ident.terminal_id, "tenant_id": ident.tenant_id,
                                         "store_id": ident.store_id, "epoch": 1})
    return httpx.MockTransport(answer)


class Feed:
    """HQ's pull: pages of changes; ``fail_at`` makes that page's request fail once (a dropped connection)."""

    def __init__(self, pages: list[list[dict[str, Any]]], fail_at: int | None = None) -> None:
        self.pages, self.fail_at, self.asked = pages, fail_at, []

    def pull(self, cursor: int, limit: int = 500) -> tuple[list[dict[str, Any]], int, bool]:
        self.asked.append(cursor)
        if cursor == self.fail_at:
            self.fail_at = None
            raise sync.SyncError("offline", "sin conexión con el servidor (ReadTimeout)")
        return self.pages[cursor], cursor + 1, cursor + 1 < len(self.pages)

    def close(self) -> None: ...
    def push(self, batch: sync.PushBatch, pending: int = 0) -> sync.Ack: raise AssertionError
    def new_epoch(self) -> int: raise AssertionError


def _product(i: int) -> dict[str, Any]:
    return {"kind": "product", "data": {"sku": f"N-{i}", "name": f"Nuevo {i}", "price": 990 + i,
                                        "category": "Abarrotes", "sold_by": "unit", "barcodes": []}}


PAGES = [
    [{"kind": "emisor", "data": {"rut": "76235291-5", "razon_social": "Almacenes Don Pepe SpA"}},
     {"kind": "user", "data": {"user_id": "u-carla", "name": "Carla", "role": "cajero", "pin_hash": "$argon2id$x"}},
     _product(1), _product(2)],
    [_product(3), {"kind": "folio_lease", "data": {"tipo": 39, "desde": 1, "hasta": 10,
                                                  "caf_xml": CAF.read_bytes().decode("latin-1")}}],
    [_product(4)],
]


@pytest.fixture
def wizard(terminal, monkeypatch):
    def make(refusal: str | None = None, feed: Feed | None = None) -> EnrollPresenter:
        real = enrollment.register
        hq = _hq(refusal, terminal.journal.identity)
        monkeypatch.setattr(enrollment, "register", lambda *a, **k: real(*a, **{**k, "transport": hq}))
        service = SyncService(terminal.journal, feed or Feed(PAGES))
        return EnrollPresenter(terminal.journal, terminal.settings.data_dir, lambda: service)
    return make


@pytest.mark.parametrize(("refusal", "said"), [
    ("offline", "No se pudo conectar con el servidor http://hq.local:8700"),
    ("este código ya fue usado", "ya fue usado por otra caja. Pida un código nuevo"),
    ("este código expiró: pida uno nuevo en HQ", "Ese código expiró"),
    ("código de enrolamiento desconocido", "HQ no conoce ese código"),
])
def test_a_refused_or_unreachable_enrolment_says_why_and_stays_on_step_one(wizard, terminal, refusal, said):
    presenter = wizard(refusal)
    view = presenter.enroll("hq.local:8700", "k7q2-9xmd")
    assert (view.step, view.error) == ("connect", True) and said in view.message
    assert not enrollment.key_path(terminal.settings.data_dir).exists()  # no half-enrolled till: a retry works


def test_address_and_code_are_asked_for(wizard):
    presenter = wizard()
    assert "dirección del servidor" in presenter.enroll("", "K7Q2").message
    assert "código de un solo uso" in presenter.enroll("http://hq.local:8700", " ").message
    assert presenter.view.step == "connect"


def test_the_pull_counts_what_arrives_keeps_it_through_a_failure_and_a_retry_continues(wizard, terminal):
    feed = Feed(PAGES, fail_at=1)
    presenter = wizard(feed=feed)
    view = presenter.enroll("http://hq.local:8700/", "K7Q2-9XMD")
    assert view.step == "pull" and terminal.journal.sync_state()["server_url"] == "http://hq.local:8700"
    assert presenter.start_pull().pulling
    view = presenter.pull_page()
    assert view.counts == PullCounts(store=1, users=1, products=2, folios=0) and view.pulling
    view = presenter.pull_page()  # the connection drops
    assert not view.pulling and view.error and "Lo recibido queda guardado" in view.message
    assert terminal.catalog.by_sku("N-2") is not None  # what arrived stays
    presenter.start_pull()
    while presenter.view.pulling:
        presenter.pull_page()
    view = presenter.view
    assert view.pulled and not view.error and view.counts == PullCounts(1, 1, 4, 1)
    assert feed.asked == [0, 1, 1, 2]  # the retry asked again from where it stopped, nothing twice
    assert view.message == "Listo: 4 productos, 1 usuario y 1 rango de folios y los datos tributarios de la tienda."
    assert presenter.to_devices().step == "devices"
    assert presenter.finish().done


def test_stopping_the_pull_keeps_what_arrived_and_says_the_till_will_finish_alone(wizard):
    presenter = wizard()
    presenter.enroll("http://hq.local:8700", "K7Q2-9XMD")
    presenter.start_pull()
    presenter.pull_page()
    view = presenter.cancel_pull()
    assert not view.pulling and not view.pulled and "terminará de recibir sola" in view.message
    assert presenter.pull_page().counts.products == 2  # a page asked after stopping does nothing


def test_a_store_without_pos_users_is_told_how_to_fix_it():
    assert "HQ › Usuarios" in EnrollPresenter.summary(PullCounts(products=3))
    assert "Usuarios" not in EnrollPresenter.summary(PullCounts(users=1, products=3))


def test_a_usb_printer_found_is_chosen_and_none_found_keeps_the_configured_one(terminal):
    found = DevicesPresenter(terminal, terminal.receipts, ports=list, usb=lambda: [("0416:5011", "0416:5011 · POS-80")])
    view = EnrollPresenter.prefer_detected(found)
    assert (view.form.printer_kind, view.form.printer_target) == ("usb", "0416:5011")
    assert "Impresora USB encontrada: 0416:5011 · POS-80" in EnrollPresenter.detected(view)
    found.close()
    none = DevicesPresenter(terminal, terminal.receipts, ports=list, usb=list)
    before = none.view.form
    view = EnrollPresenter.prefer_detected(none)
    assert view.form == before
    assert "No se encontró una impresora USB" in EnrollPresenter.detected(view)
    none.close()


def test_skipping_is_remembered(wizard, terminal):
    presenter = wizard()
    assert presenter.skip().done
    assert not EnrollPresenter.needed(terminal.journal, False)



def test_a_new_tills_empty_journal_takes_hqs_store_and_a_used_one_must_match(tmp_path, terminal, monkeypatch):
    from desktop import settings as settings_mod
    from desktop import terminal as terminal_mod
    from desktop.drivers.fakes import FakePrinter

    real = enrollment.register
    rosas = enrollment.Registered("", 7, "rosas", "")
    monkeypatch.setattr(enrollment, "register", lambda *a, **k: real(*a, **{**k, "transport": _hq(None, rosas)}))
    used = EnrollPresenter(terminal.journal, terminal.settings.data_dir, lambda: None)  # a till that has sold
    view = used.enroll("http://hq.local:8700", "K7Q2")
    assert view.error and "pero esta caja es de" in view.message
    assert not enrollment.key_path(terminal.settings.data_dir).exists()
    new = terminal_mod.build(settings_mod.TerminalSettings(data_dir=tmp_path / "new"), create=True,
                             printer=FakePrinter())
    try:
        presenter = EnrollPresenter(new.journal, new.settings.data_dir, lambda: None)
        presenter.enroll("http://hq.local:8700", "K7Q2")
        ident = new.journal.identity
        assert (ident.tenant_id, ident.store_id) == (7, "rosas") and ident.terminal_id != "caja-1"
        path = new.journal.path
    finally:
        new.close()
    reopened = terminal_mod.build(settings_mod.TerminalSettings(data_dir=path.parent), printer=FakePrinter())
    try:
        assert reopened.journal.identity == ident  # kept in the file
    finally:
        reopened.close()


def test_a_scale_answering_on_a_serial_port_is_chosen_with_its_protocol_and_port(terminal):
    missing = PortInfo("/dev/ttyNOSUCHPORT9", "", "")
    with ScaleSimulator("cas_ecr", grams=1234) as simulator:
        devices = DevicesPresenter(terminal, terminal.receipts, usb=list,
                                   ports=lambda: [missing, PortInfo(simulator.port, "USB-Serial", "")])
        view = EnrollPresenter.prefer_detected(devices)
        devices.close()
    assert (view.form.scale_protocol, view.form.scale_port) == ("cas_ecr", simulator.port)
    assert view.message.startswith(f"Balanza encontrada: CAS (ENQ/ACK/DC1) en {simulator.port}")
    assert "no está conectada (/dev/ttyNOSUCHPORT9)" in view.message and not view.error
    assert f"Balanza: CAS (ENQ/ACK/DC1) en {simulator.port}." in EnrollPresenter.detected(view)


def test_no_scale_answering_leaves_the_scale_unset_and_says_so(terminal):
    with ScaleSimulator("toledo8217", grams=1234) as simulator:
        simulator.garbage()
        devices = DevicesPresenter(terminal, terminal.receipts, usb=list,
                                   ports=lambda: [PortInfo(simulator.port, "", "")],
                                   probe=lambda ports: probe_ports(ports, timeout=0.1))
        view = EnrollPresenter.prefer_detected(devices)
        devices.close()
    assert view.form.scale_protocol == "" and "No se encontró una balanza" in view.message
