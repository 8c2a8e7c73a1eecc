"""Where a document is issued from: the emisor's address, or the store's (its sucursal) when HQ recorded one.

The one rule both the server's XML (``syncserver.dte.emisor.for_store``) and the till's printed header follow.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Origin:
    """An address as the DTE's Emisor carries it: ``direccion`` (DirOrigen), ``comuna`` (CmnaOrigen), ``ciudad``
    (CiudadOrigen, may be ``""``) and ``sucursal_sii`` (CdgSIISucur, the SII's branch code, or None)."""

    direccion: str
    comuna: str
    ciudad: str = ""
    sucursal_sii: int | None = None


def origin(emisor: Origin, store: Origin | None) -> Origin:
    """The origin of a document issued by ``store``: the store's dirección, comuna and ciudad when it has a
    dirección (its comuna and ciudad fall back to the emisor's when blank), and its sucursal code when it has one;
    otherwise the emisor's own (the casa matriz). ``store`` None: the emisor's."""
    if store is None:
        return emisor
    result = emisor
    if store.direccion:
        result = Origin(store.direccion, store.comuna or emisor.comuna, store.ciudad or emisor.ciudad,
                        result.sucursal_sii)
    if store.sucursal_sii is not None:
        result = Origin(result.direccion, result.comuna, result.ciudad, store.sucursal_sii)
    return result
