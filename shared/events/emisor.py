"""Events of the emisor stream: the company's tax data as HQ publishes it, which every printed document carries."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar


@dataclass(frozen=True, slots=True)
class EmisorReceived:
    """The emisor data HQ has now (the same the server puts in each DTE's Emisor and the envelopes' Carátula):
    the till prints its header and the resolution legend from the latest one.

    ``rut`` as HQ stores it (any format ``shared.rut`` parses); ``resolucion_fecha`` ISO ``AAAA-MM-DD`` or ``""``
    when HQ has none yet; ``resolucion_numero`` 0 in certificación; ``sucursal_sii`` the SII's branch code or None.
    """

    TYPE: ClassVar[str] = "emisor.received"
    VERSION: ClassVar[int] = 1

    rut: str
    razon_social: str
    giro: str
    direccion: str
    comuna: str
    ciudad: str = ""
    acteco: tuple[int, ...] = ()
    sucursal_sii: int | None = None
    resolucion_fecha: str = ""
    resolucion_numero: int = 0
    unidad_sii: str = ""


@dataclass(frozen=True, slots=True)
class CardModelReceived:
    """The business's «modelo de emisión» for card sales as HQ publishes it (feed change ``card_model``,
    tenant-wide): ``model`` ``"boleta"`` (a boleta for card sales too) or ``"voucher"`` (the card voucher is the
    boleta of what was paid by card; ``shared.card_model``); ``set_by`` who chose it at HQ, ``set_at`` when (ISO)."""

    TYPE: ClassVar[str] = "card_model.received"
    VERSION: ClassVar[int] = 1

    model: str
    set_by: str = ""
    set_at: str = ""
