"""Events of the store stream: the till's own store as HQ publishes it (its sucursal data for the printed header)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar


@dataclass(frozen=True, slots=True)
class StoreReceived:
    """The data HQ has now for one store (the feed's ``store`` change, sent to that store's tills only): its name,
    and the dirección, comuna, ciudad and SII sucursal code its documents carry instead of the emisor's when set
    (``shared.sucursal.origin``). Texts ``""`` when HQ has none; ``sucursal_sii`` None when it has no code."""

    TYPE: ClassVar[str] = "store.received"
    VERSION: ClassVar[int] = 1

    store_id: str
    name: str
    direccion: str = ""
    comuna: str = ""
    ciudad: str = ""
    sucursal_sii: int | None = None
    active: bool = True
