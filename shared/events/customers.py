"""Events of the customers stream: business buyers known at the till, for facturas."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar


@dataclass(frozen=True, slots=True)
class CustomerSaved:
    """A business customer typed (or corrected) at the till, to be picked by RUT or name next time.

    ``rut`` is compact (``76123456-7``); the texts are as a DTE carries them (ISO-8859-1, single spaces) and within
    the SII's limits for the Receptor (DTE_v10.xsd: RznSocRecep 100, GiroRecep 40, DirRecep 70, CmnaRecep 20
    characters). A later event for the same RUT replaces the earlier one.
    """

    TYPE: ClassVar[str] = "customer.saved"
    VERSION: ClassVar[int] = 1

    rut: str
    razon_social: str
    giro: str
    direccion: str
    comuna: str
