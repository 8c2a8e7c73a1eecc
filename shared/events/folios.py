"""Events of the folio stream: ranges of SII folios leased to this terminal, with the CAF that authorises them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar


@dataclass(frozen=True, slots=True)
class FolioLeaseReceived:
    """Folios ``desde..hasta`` (inclusive) of document type ``tipo`` are this terminal's to use.

    ``caf_xml`` is the whole CAF file as text (the file is ISO-8859-1: encode it back with ``latin-1`` to get the
    exact bytes); its private key stamps the TEDs of these folios. Leases of one type never overlap.
    """

    TYPE: ClassVar[str] = "folio.lease_received"
    VERSION: ClassVar[int] = 1

    tipo: int
    desde: int
    hasta: int
    caf_xml: str
    epoch: int = 0
    """The journal epoch the lease is for (HQ retires a terminal's leases when it starts a new epoch: a restored
    or cloned journal); 0 for a CAF loaded by hand, usable in any epoch."""
    source: str = "hq"


@dataclass(frozen=True, slots=True)
class FolioLeasesRetired:
    """Every folio lease this terminal held when the event was journaled is given up, the unused remainder too.

    Journaled by ``almacen pos restore`` (``reason`` ``"restore"``): the copy put back does not know the folios the
    lost journal used after it was taken, and a folio used twice is a doubled tax document. The till never stamps
    from those leases again; the server retires the terminal's open leases of epochs up to ``epoch`` (the journal's
    epoch when restored) and leases new ranges (docs/backups.md).
    """

    TYPE: ClassVar[str] = "folio.leases_retired"
    VERSION: ClassVar[int] = 1

    epoch: int
    reason: str = "restore"
