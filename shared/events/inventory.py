"""Events of the inventory stream: what the store manager does to the goods in the back office (transfers between
warehouses and stores, counts, mermas, returns to a supplier, the store's own product settings, suppliers), and
the tenant's inventory settings HQ publishes.

Quantities are Decimal in the product's unit (units, or kg to 3 places), always positive in the event: the kind
of event says where the goods go (``shared.inventory.movements`` gives the signed movements both the till and
the master fold). Costs are CLP neto per unit, int. Warehouses are ids HQ gives (a store's sala de ventas has the
store's own id, its bodega ``<store>-bodega``). docs/inventory.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import ClassVar, Final

MERMA_REASONS: Final = ("vencimiento", "dano", "robo", "extravio", "consumo_interno")
"""Why goods were lost (the reason's code; the UI shows Vencimiento, Daño, Robo, Extravío, Consumo interno)."""
COSTING_METHODS: Final = ("ppp", "fifo")
"""The tenant's costing method: weighted average perpetual (PPP, the default) or FIFO lots."""


@dataclass(frozen=True, slots=True)
class TransferLine:
    """Goods sent: ``quantity`` of ``sku`` (named ``name`` when sent) at ``unit_cost`` CLP neto per unit, the
    sending store's cost when they left (0 when never costed)."""

    sku: str
    name: str
    quantity: Decimal
    unit_cost: int


@dataclass(frozen=True, slots=True)
class TransferSent:
    """Goods leave ``from_warehouse`` of this store for ``to_warehouse`` of ``to_store``.

    When ``to_store`` is the sending store itself (sala de ventas → bodega) the goods arrive at once: no
    :class:`TransferReceived` follows. Between stores they are in transit until the receiving store journals a
    :class:`TransferReceived` naming ``transfer_id``; the master forwards the sent transfer to that store's tills
    (the change feed's ``transfer`` change)."""

    TYPE: ClassVar[str] = "inventory.transfer_sent"
    VERSION: ClassVar[int] = 1

    transfer_id: str
    from_warehouse: str
    to_store: str
    to_warehouse: str
    lines: tuple[TransferLine, ...]
    sent_by: str
    note: str = ""


@dataclass(frozen=True, slots=True)
class TransferIncoming:
    """A transfer another store sent to this one, as the master forwards it (feed change ``transfer``, to the
    receiving store's tills only): what is in transit to ``to_warehouse`` until a :class:`TransferReceived` names
    ``transfer_id``. Moves no stock by itself. ``sent_at`` is the sender's journal time (ISO)."""

    TYPE: ClassVar[str] = "inventory.transfer_incoming"
    VERSION: ClassVar[int] = 1

    transfer_id: str
    from_store: str
    from_warehouse: str
    to_warehouse: str
    lines: tuple[TransferLine, ...]
    sent_by: str
    sent_at: str
    note: str = ""


@dataclass(frozen=True, slots=True)
class ReceivedLine:
    """One line of a transfer as received: ``sent`` (what the sender wrote), ``received`` (what arrived: may be
    less, more or 0; the difference is recorded, never hidden) at the sender's ``unit_cost``."""

    sku: str
    name: str
    sent: Decimal
    received: Decimal
    unit_cost: int


@dataclass(frozen=True, slots=True)
class TransferReceived:
    """A transfer from another store (``from_store``) received into ``to_warehouse`` of this store. A transfer is
    received once, and only by the store it was sent to."""

    TYPE: ClassVar[str] = "inventory.transfer_received"
    VERSION: ClassVar[int] = 1

    transfer_id: str
    from_store: str
    to_warehouse: str
    lines: tuple[ReceivedLine, ...]
    received_by: str
    note: str = ""


@dataclass(frozen=True, slots=True)
class CountStarted:
    """A count sheet (toma de inventario) opened for ``warehouse``, for one ``category`` or the whole warehouse
    (``""``). Blind: the expected quantities are not shown until it is posted."""

    TYPE: ClassVar[str] = "inventory.count_started"
    VERSION: ClassVar[int] = 1

    count_id: str
    warehouse: str
    category: str
    started_by: str


@dataclass(frozen=True, slots=True)
class CountLine:
    """A counted product: ``expected`` on hand when the count was posted, ``counted`` on the shelf; the
    adjustment is ``counted - expected``."""

    sku: str
    name: str
    expected: Decimal
    counted: Decimal

    @property
    def delta(self) -> Decimal:
        """The adjustment this line posts (negative: goods missing)."""
        return self.counted - self.expected


@dataclass(frozen=True, slots=True)
class CountPosted:
    """A count posted as adjustments, with the reason and who approved it (an administrador or supervisor). A count
    is posted once."""

    TYPE: ClassVar[str] = "inventory.count_posted"
    VERSION: ClassVar[int] = 1

    count_id: str
    warehouse: str
    lines: tuple[CountLine, ...]
    reason: str
    counted_by: str
    approved_by: str


@dataclass(frozen=True, slots=True)
class MermaRecorded:
    """Goods lost from ``warehouse``: ``quantity`` of ``sku`` for one of :data:`MERMA_REASONS`, valued at
    ``unit_cost`` CLP neto per unit (the store's cost then). ``authorised_by`` is the supervisor whose PIN was
    asked when the value passed the tenant's threshold (``""`` below it)."""

    TYPE: ClassVar[str] = "inventory.merma_recorded"
    VERSION: ClassVar[int] = 1

    merma_id: str
    warehouse: str
    sku: str
    name: str
    quantity: Decimal
    reason: str
    unit_cost: int
    recorded_by: str
    authorised_by: str = ""
    note: str = ""


@dataclass(frozen=True, slots=True)
class SupplierReturnLine:
    """Goods given back: ``quantity`` of ``sku`` at ``unit_cost`` CLP neto per unit (what the supplier credits)."""

    sku: str
    name: str
    quantity: Decimal
    unit_cost: int


@dataclass(frozen=True, slots=True)
class SupplierReturned:
    """Goods returned to a supplier (RUT ``12345678-5``) from ``warehouse``, optionally against the purchase they
    came in (``purchase_id``, ``""`` when none), with the supplier's document for it when known (``document``:
    e.g. "Guía 52 N° 1234", ``""``)."""

    TYPE: ClassVar[str] = "purchases.supplier_returned"
    VERSION: ClassVar[int] = 1

    return_id: str
    supplier_rut: str
    warehouse: str
    lines: tuple[SupplierReturnLine, ...]
    reason: str
    returned_by: str
    purchase_id: str = ""
    document: str = ""


@dataclass(frozen=True, slots=True)
class SupplierSaved:
    """A supplier created or edited at the store: RUT (checked), razón social, giro and contact. The latest saved
    wins; ``active`` False hides it from new purchases (its documents stay)."""

    TYPE: ClassVar[str] = "purchases.supplier_saved"
    VERSION: ClassVar[int] = 1

    rut: str
    razon_social: str
    giro: str
    contact: str = ""
    phone: str = ""
    email: str = ""
    active: bool = True
    saved_by: str = ""


@dataclass(frozen=True, slots=True)
class StoreProductSet:
    """The store's settings of one product: its own ``price`` (CLP with IVA; None: HQ's price, and always None
    when the tenant does not let stores set prices), ``min_stock`` (units or kg; None: no alert), ``location`` in
    the store ("Pasillo 3, repisa 2"), ``active`` (sold here).

    ``seen_price``/``seen_change`` are HQ's price and the feed's change id the manager saw when editing: when HQ
    changed the product after that, the edit crossed HQ's and both are shown to the manager, never overwritten."""

    TYPE: ClassVar[str] = "catalog.store_product_set"
    VERSION: ClassVar[int] = 1

    sku: str
    price: int | None
    min_stock: Decimal | None
    location: str
    active: bool
    edited_by: str
    seen_price: int = 0
    seen_change: int = 0


@dataclass(frozen=True, slots=True)
class InventorySettingsReceived:
    """The tenant's inventory settings as HQ publishes them (feed change ``inventory_settings``): the costing
    method (:data:`COSTING_METHODS`), whether stores set their own prices, and the merma value (CLP neto) above
    which a supervisor's PIN is asked."""

    TYPE: ClassVar[str] = "inventory.settings_received"
    VERSION: ClassVar[int] = 1

    costing: str = "ppp"
    store_prices: bool = False
    merma_pin_above: int = 20000
