"""Fuzz the supplier import (``desktop.services.purchases``): suppliers' signed EnvioDTEs built by
``tests.supplier_dte`` and the SII sample, mutated as XML and as bytes, and hostile XML. ``preview`` never raises,
every refusal is in Spanish, and an import that is refused leaves the journal and every read model as they were."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from desktop import cli
from desktop import settings as settings_mod
from desktop.services.purchases import PurchaseRefused
from shared.dte.documents import CodRef
from tests import supplier_dte as sd
from tests.fuzz import fuzz_kit, xml_kit

STORE = sd.SAMPLE_RECEPTOR
PRODUCTS = [{"sku": "LEC-1", "name": "Leche Entera Colun 1 L", "price": "1990", "category": "Almacén",
             "sold_by": "unit", "barcode": "7801234567894", "plu": "", "brand": "", "iva_exempt": "0",
             "favourite": "0", "stock": "24"}]


@cache
def corpus() -> tuple[bytes, ...]:
    """The SII sample EnvioDTE and a factura and a nota de crédito of ours to the store, signed."""
    lines = [("Leche Entera Colun 1 L", "12", "790", "7801234567894", False), ("Bolsa", "1.5", "100", "", True)]
    factura = sd.dte(33, 7, lines, STORE)
    nota = sd.nota(61, 3, lines[:1], STORE, 7, CodRef.ANULA)
    return sd.SAMPLE_F13.read_bytes(), sd.envio([factura], STORE), sd.envio([factura, nota], STORE)


@pytest.fixture
def shop(make_terminal: Callable[..., Any]) -> Any:
    return make_terminal(rows=PRODUCTS, store=settings_mod.StoreInfo(rut=STORE))


def _imported(shop: Any, data: bytes) -> None:
    """The oracle: a preview with Spanish refusals (never an exception); a refused import changes nothing."""
    before = shop.journal.head, cli.projection_digest(shop.journal.conn)
    with fuzz_kit.bounded(30):
        preview = shop.purchases.preview(data)
        for reason in preview.refusals:
            assert fuzz_kit.spanish(reason), reason
        try:
            shop.purchases.import_file(data)
        except PurchaseRefused as exc:
            assert exc.reasons and all(fuzz_kit.spanish(r) for r in exc.reasons), exc.reasons
            assert (shop.journal.head, cli.projection_digest(shop.journal.conn)) == before
        else:
            assert preview.importable


@fuzz_kit.budget(suite=4, weight=0.001)
@given(st.sampled_from(range(3)).flatmap(lambda i: xml_kit.mutated_xml(corpus()[i])))
def test_mutated_supplier_xml_is_previewed_and_refused_in_spanish(shop: Any, data: bytes) -> None:
    _imported(shop, data)


@fuzz_kit.budget(suite=4, weight=0.001)
@given(st.sampled_from(range(3)).flatmap(lambda i: fuzz_kit.mutated(corpus()[i])))
def test_mutated_supplier_bytes_are_previewed_and_refused_in_spanish(shop: Any, data: bytes) -> None:
    _imported(shop, data)


@fuzz_kit.budget(suite=3, weight=0.001)
@given(xml_kit.hostile())
def test_hostile_xml_is_refused_in_spanish(shop: Any, data: bytes) -> None:
    _imported(shop, data)
