"""Folio leases at the terminal: loading CAFs, the next folio as a fold, never twice across rebuild and restart."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from desktop import cli
from desktop.journal import read_models
from desktop.journal.projections import FolioAlreadyUsed
from desktop.services.folios import NO_FOLIOS, CafDuplicate, FolioService
from desktop.services.sync import _event
from desktop.settings import DocumentSettings
from shared.dte import errors as dte_errors
from shared.events import folios as folio_events
from shared.events import sales
from shared.sale import Tender, TenderKind

SAMPLES = Path(__file__).parents[2] / "data" / "sii" / "samples"
CAF39 = SAMPLES / "caf_T39_cert_76235291-5_F1-20.xml"


def _use(term, folio: int, sale_id: str) -> None:
    """Journal a bare sale (one $0 line) carrying a document (what checkout does), to exercise the projection
    alone."""
    free = sales.LineSold(1, "REGALO", "Regalo", 0, Decimal(1), "unit", False, 0, 0)
    event = sales.SaleCompleted(sale_id=sale_id, number=read_models.last_sale_number(term.journal.conn) + 1,
                                shift_id="s", cashier_id="c", lines=(free,), discount=0, total=0, affected=0, exento=0,
                                neto=0, iva=0, tenders=(), rounding=0, change=0,
                                document=sales.DocumentStamped(39, folio, "<TED/>", "2026-11-20T09:30:00"))
    term.journal.append(event)


def _take(term, folios, tipo):
    with term.journal.unit_of_work() as uow:
        return folios.take(uow, tipo)


def test_a_caf_becomes_a_lease_and_folios_are_a_fold(terminal):
    folios = FolioService(terminal.journal, terminal.settings.store.rut)
    assert folios.folios_left(39) == 0 and read_models.next_folio(terminal.journal.conn, 39) is None
    event = folios.load_caf(CAF39.read_bytes())
    assert (event.tipo, event.desde, event.hasta) == (39, 1, 20)
    assert event.caf_xml.encode("latin-1") == CAF39.read_bytes()
    assert folios.folios_left(39) == 20 and folios.folios_left(41) == 0
    took = _take(terminal, folios, 39)
    assert took is not None and took[0] == 1 and took[1].tipo_dte == 39
    _use(terminal, 1, "a")
    _use(terminal, 2, "b")
    assert folios.folios_left(39) == 18 and read_models.next_folio(terminal.journal.conn, 39)[0] == 3
    with pytest.raises(FolioAlreadyUsed, match="ya se usó"):
        _use(terminal, 2, "c")
    assert read_models.folio_used(terminal.journal.conn, 39, 2) == "b"
    terminal.journal.rebuild_projections()
    assert folios.folios_left(39) == 18 and read_models.next_folio(terminal.journal.conn, 39)[0] == 3


def test_duplicate_tampered_and_other_rut_cafs_are_refused(terminal):
    folios = FolioService(terminal.journal, terminal.settings.store.rut)
    folios.load_caf(CAF39.read_bytes())
    with pytest.raises(CafDuplicate):
        folios.load_caf(CAF39.read_bytes())
    tampered = CAF39.read_bytes().replace(b"<H>20</H>", b"<H>90</H>")
    assert tampered != CAF39.read_bytes()
    with pytest.raises(dte_errors.CafTampered):
        folios.load_caf(tampered)
    with pytest.raises(dte_errors.CafOtherRut):
        FolioService(terminal.journal, "11.111.111-1").load_caf((SAMPLES / "caf_T41_cert_76235291-5_F1-20.xml")
                                                              .read_bytes())
    assert folios.folios_left(39) == 20 and folios.folios_left(41) == 0


def test_pulled_leases_become_journal_facts_and_a_redelivery_adds_nothing(terminal):
    change = {"id": 7, "kind": "folio_lease", "key": "39:1",
              "data": {"tipo": 39, "desde": 5, "hasta": 9, "caf_xml": CAF39.read_bytes().decode("latin-1")}}
    event = _event(change)
    assert isinstance(event, folio_events.FolioLeaseReceived) and (event.desde, event.hasta) == (5, 9)
    terminal.journal.append(event)
    terminal.journal.append(event)
    assert read_models.folios_left(terminal.journal.conn, 39) == 5
    assert read_models.next_folio(terminal.journal.conn, 39)[0] == 5


def test_only_this_terminals_leases_of_its_current_epoch_are_taken_and_used(terminal):
    ident = terminal.journal.identity
    caf = CAF39.read_bytes().decode("latin-1")

    def change(terminal_id: str, epoch: int, desde: int, hasta: int) -> dict:
        return {"id": desde, "kind": "folio_lease", "key": f"{terminal_id}:39:{desde}",
                "data": {"tipo": 39, "desde": desde, "hasta": hasta, "caf_xml": caf, "terminal_id": terminal_id,
                         "epoch": epoch, "lease_id": desde}}

    assert _event(change("caja-2", ident.epoch, 1, 5), ident) is None  # another terminal of the store
    assert _event(change(ident.terminal_id, ident.epoch + 1, 1, 5), ident) is None  # another epoch
    lease = _event(change(ident.terminal_id, ident.epoch, 1, 5), ident)
    assert lease.epoch == ident.epoch
    terminal.journal.append(lease)
    folios = terminal.checkout.folios
    assert folios.folios_left(39) == 5
    # a restored journal continues as a new epoch: HQ retired the old epoch's leases, so they are not used
    terminal.journal.begin_epoch(ident.epoch + 1, terminal.journal.head[0])
    assert folios.folios_left(39) == 0 and _take(terminal, folios, 39) is None
    terminal.journal.append(_event(change(ident.terminal_id, ident.epoch + 1, 6, 9), terminal.journal.identity))
    assert folios.folios_left(39) == 4 and _take(terminal, folios, 39)[0] == 6


def test_cli_caf_load_and_restart(make_terminal, tmp_path, capsys):
    term = make_terminal()
    data = term.settings.data_dir
    term.close()
    assert cli.main(["pos", "caf-load", str(CAF39), "--data", str(data)]) == 0
    assert json.loads(capsys.readouterr().out) == {"loaded": True, "tipo": 39, "desde": 1, "hasta": 20,
                                                   "folios_left": 20}
    assert cli.main(["pos", "caf-load", str(CAF39), "--data", str(data)]) == 1
    assert "ya están cargados" in capsys.readouterr().err
    reopened = make_terminal(data_dir=data, fresh=False)
    assert read_models.folios_left(reopened.journal.conn, 39) == 20


def _load(term, *tipos: int) -> None:
    for tipo in tipos:
        term.checkout.folios.load_caf((SAMPLES / f"caf_T{tipo}_cert_76235291-5_F1-20.xml").read_bytes())


def test_a_cash_sale_is_stamped_with_the_next_folio_and_a_verifying_ted(selling):
    from shared.dte import ted

    _load(selling, 39)
    selling.checkout.scan("7801234567894")
    done = selling.checkout.complete((Tender(TenderKind.CASH, 2000),))
    doc = done.event.document
    assert doc is not None and (doc.tipo, doc.folio) == (39, 1) and done.notice == ""
    data = ted.verify_ted(doc.ted.encode("latin-1"))
    assert (data.tipo_dte, data.folio, data.monto_total, data.rut_emisor) == (39, 1, 1150, "76235291-5")
    assert doc.stamped_at == "2026-11-20T09:30:00" and data.timestamp == doc.stamped_at
    stored = list(selling.journal.read())[-1]
    assert stored.payload["document"]["folio"] == 1
    selling.checkout.scan("7801234567894")
    assert selling.checkout.complete((Tender(TenderKind.DEBIT, 1150),)).event.document.folio == 2
    assert read_models.folio_used(selling.journal.conn, 39, 2) is not None


def test_exempt_sales_get_41_and_without_folios_the_sale_still_completes(selling):
    _load(selling, 39)
    selling.checkout.scan("7800000000016")  # Carga Bip!: exempt
    done = selling.checkout.complete((Tender(TenderKind.CASH, 2000),))
    assert done.event.document is None and done.notice == NO_FOLIOS
    assert read_models.last_sale_number(selling.journal.conn) == done.event.number
    _load(selling, 41)
    selling.checkout.scan("7800000000016")
    doc = selling.checkout.complete((Tender(TenderKind.CASH, 2000),)).event.document
    assert (doc.tipo, doc.folio) == (41, 1)


def test_card_sales_without_a_boleta_when_the_store_says_so(make_terminal):
    term = make_terminal(documents=DocumentSettings(boleta_for_cards=False))
    ana = term.auth.sign_in("ana", "1234")
    term.checkout.start(ana, term.shifts.open(ana, 0).shift_id)
    _load(term, 39)
    term.checkout.scan("7801234567894")
    done = term.checkout.complete((Tender(TenderKind.CREDIT, 1150),))
    assert done.event.document is None and done.notice == ""
    term.checkout.scan("7801234567894")
    assert term.checkout.complete((Tender(TenderKind.CASH, 1150),)).event.document.folio == 1


def test_the_warning_comes_well_before_the_folios_run_out(make_terminal):
    term = make_terminal(documents=DocumentSettings(low_folios=19))
    assert term.checkout.folio_warning() == "Sin folios: conecte a HQ"
    _load(term, 39)
    assert term.checkout.folio_warning() == ""
    ana = term.auth.sign_in("ana", "1234")
    term.checkout.start(ana, term.shifts.open(ana, 0).shift_id)
    term.checkout.scan("7801234567894")
    term.checkout.complete((Tender(TenderKind.CASH, 1150),))
    term.checkout.scan("7801234567894")
    term.checkout.complete((Tender(TenderKind.CASH, 1150),))
    assert term.checkout.folio_warning() == "Quedan 18 folios: conecte a HQ"


def test_folios_are_never_issued_twice_across_restarts_rebuilds_and_refills(make_terminal):
    import random

    rng = random.Random(4)
    term = make_terminal()
    data = term.settings.data_dir
    caf = CAF39.read_bytes().decode("latin-1")
    leases = [(1, 4), (5, 7), (8, 13), (14, 20)]
    term.journal.append(folio_events.FolioLeaseReceived(39, *leases.pop(0), caf))
    issued: list[int] = []
    for _ in range(40):
        ana = term.auth.sign_in("ana", "1234")
        shift = term.shifts.current() or term.shifts.open(ana, 0)
        term.checkout.start(ana, shift.shift_id)
        term.checkout.scan("7801234567894")
        doc = term.checkout.complete((Tender(TenderKind.CASH, 1150),)).event.document
        if doc is not None:
            issued.append(doc.folio)
        step = rng.random()
        if step < 0.3:
            term.close()
            term = make_terminal(data_dir=data, fresh=False)
        elif step < 0.5:
            term.journal.rebuild_projections()
        elif (step < 0.7 or term.checkout.folios.folios_left(39) == 0) and leases:
            term.journal.append(folio_events.FolioLeaseReceived(39, *leases.pop(0), caf))
    assert len(issued) == len(set(issued)) == 20 and sorted(issued) == list(range(1, 21))
    documents_journaled = [e.payload["document"]["folio"] for e in term.journal.read()
                           if e.type == "sale.completed" and e.payload["document"]]
    assert sorted(documents_journaled) == issued == sorted(issued)


def test_a_sale_that_cannot_make_a_valid_boleta_completes_without_one_and_keeps_its_folio(selling):
    from dataclasses import replace

    _load(selling, 39)
    folios = selling.checkout.folios
    folios.emisor = replace(folios.emisor, razon_social="")  # a store set up without its razón social
    selling.checkout.scan("7801234567894")
    done = selling.checkout.complete((Tender(TenderKind.CASH, 2000),))
    assert done.event.document is None and done.notice.startswith("Venta sin boleta:")
    assert folios.folios_left(39) == 20


def test_the_warning_also_covers_factura_folios_once_the_till_issues_facturas(make_terminal):
    from shared.events.sales import CustomerData

    term = make_terminal(documents=DocumentSettings(low_folios=5))
    _load(term, 39)
    assert term.checkout.folio_warning() == ""  # no factura lease ever: nothing said about facturas
    _load(term, 33)
    ana = term.auth.sign_in("ana", "1234")
    term.checkout.start(ana, term.shifts.open(ana, 0).shift_id)
    customer = CustomerData("76123456-0", "Ferretería El Ñandú Ltda.", "Ferretería", "Av. Matta 1020", "Santiago")
    warnings = []
    for _ in range(20):
        term.checkout.scan("7801234567894")
        assert term.checkout.complete((Tender(TenderKind.DEBIT, 1150),), customer=customer).event.document.tipo == 33
        warnings.append(term.checkout.folio_warning())
    assert warnings[14] == "" and warnings[15] == "Quedan 4 folios de factura: conecte a HQ"
    assert warnings[18] == "Queda 1 folio de factura: conecte a HQ"
    assert warnings[-1] == "Sin folios de factura: conecte a HQ"


def test_a_restored_copy_never_stamps_a_folio_it_held_when_copied(make_terminal, tmp_path, capsys):
    term = make_terminal()
    data = term.settings.data_dir
    caf = CAF39.read_bytes().decode("latin-1")
    epoch = term.journal.identity.epoch
    term.journal.append(folio_events.FolioLeaseReceived(39, 1, 10, caf, epoch=epoch))  # leased by HQ
    term.checkout.folios.load_caf((SAMPLES / "caf_T41_cert_76235291-5_F1-20.xml").read_bytes())  # loaded by hand

    def sell(code: str = "7801234567894") -> sales.DocumentStamped | None:
        ana = term.auth.sign_in("ana", "1234")
        term.checkout.start(ana, (term.shifts.current() or term.shifts.open(ana, 0)).shift_id)
        term.checkout.scan(code)
        return term.checkout.complete((Tender(TenderKind.CASH, 2000),)).event.document

    before = [sell().folio, sell().folio, sell("7800000000016").folio]
    (tmp_path / "usb").mkdir()
    assert cli.main(["pos", "backup", "--data", str(data), "--folder", str(tmp_path / "usb")]) == 0
    copy = json.loads(capsys.readouterr().out)["file"]
    after_copy = [sell().folio, sell().folio, sell("7800000000016").folio]  # a customer holds each: lost with the disk
    assert before == [1, 2, 1] and after_copy == [3, 4, 2]
    term.close()

    assert cli.main(["pos", "restore", copy, "--data", str(data)]) == 0
    said = capsys.readouterr()
    done = json.loads(said.out)
    assert done["folios_retired"] == [[39, 1, 10, 3], [41, 1, 20, 2]] and "sync" not in done  # not enrolled
    assert "Conecte la caja a HQ antes de vender" in said.err
    term = make_terminal(data_dir=data, fresh=False)
    folios = term.checkout.folios
    assert folios.folios_left(39) == folios.folios_left(41) == 0 and folios.warning() == "Sin folios: conecte a HQ"
    ana = term.auth.sign_in("ana", "1234")
    term.checkout.start(ana, (term.shifts.current() or term.shifts.open(ana, 0)).shift_id)
    term.checkout.scan("7801234567894")
    offline = term.checkout.complete((Tender(TenderKind.CASH, 2000),))
    assert offline.event.document is None and offline.notice == NO_FOLIOS  # sells, without a boleta
    term.journal.rebuild_projections()  # the retirement is a journal fact: a rebuild keeps it
    assert folios.folios_left(39) == 0 and len(read_models.retired_leases(term.journal.conn)) == 2
    with pytest.raises(CafDuplicate):  # the same CAF loaded again would hand its folios out again
        folios.load_caf((SAMPLES / "caf_T41_cert_76235291-5_F1-20.xml").read_bytes())
    assert {(t, d, h) for t, d, h, _e in read_models.held_leases(term.journal.conn)} == {(39, 1, 10)}  # still told
    term.journal.append(folio_events.FolioLeaseReceived(39, 11, 20, caf, epoch=epoch))  # a new range from HQ
    term.checkout.scan("7801234567894")
    assert term.checkout.complete((Tender(TenderKind.CASH, 2000),)).event.document.folio == 11


def test_a_power_cut_between_the_restore_and_the_retirement_leaves_no_lease_usable(make_terminal, clock, tmp_path,
                                                                                    capsys):
    from datetime import UTC, datetime

    from desktop.services import backups
    from desktop.services import folios as folios_mod

    term = make_terminal()
    data = term.settings.data_dir
    term.journal.append(folio_events.FolioLeaseReceived(39, 1, 10, CAF39.read_bytes().decode("latin-1"),
                                                        epoch=term.journal.identity.epoch))
    (tmp_path / "usb").mkdir()
    assert cli.main(["pos", "backup", "--data", str(data), "--folder", str(tmp_path / "usb")]) == 0
    copy = Path(json.loads(capsys.readouterr().out)["file"])
    assert cli.main(["pos", "restore", str(copy), "--data", str(data)]) == 1  # refused (the till is open)
    assert not (data / folios_mod.RESTORE_MARK).exists()  # nothing restored, nothing to retire
    term.close()
    folios_mod.mark_restore(data)
    backups.restore(copy, data / "journal.sqlite3", datetime.now(UTC))  # then the power goes: nothing journaled
    back = make_terminal(data_dir=data, fresh=False)  # the till opens: the mark says a restore was begun
    assert back.checkout.folios.folios_left(39) == 0 and not (data / folios_mod.RESTORE_MARK).exists()
    assert read_models.retired_leases(back.journal.conn) == [(39, 1, 10, 1)]
    back.close()
    assert make_terminal(data_dir=data, fresh=False).journal.head[0] == back.journal.head[0]  # retired once
