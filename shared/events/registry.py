"""The codec with every event type the system knows, and the upcasters of old versions."""

from __future__ import annotations

from shared.events import (
    auth,
    catalog,
    codec,
    customers,
    emisor,
    fiado,
    folios,
    inventory,
    purchases,
    returns,
    sales,
    shifts,
    stores,
    till,
)

EVENT_CLASSES = (
    sales.SaleCompleted,
    shifts.ShiftOpened,
    shifts.CashMoved,
    shifts.ShiftClosed,
    auth.UserEnrolled,
    auth.Authorised,
    auth.PinRejected,
    auth.DrawerOpened,
    auth.SignedIn,
    catalog.ProductUpserted,
    catalog.StockAdjusted,
    catalog.CategoriesOrdered,
    folios.FolioLeaseReceived,
    folios.FolioLeasesRetired,
    returns.ReturnCompleted,
    customers.CustomerSaved,
    purchases.PurchaseReceived,
    purchases.SupplierAnswerReceived,
    till.LineRemoved,
    emisor.EmisorReceived,
    emisor.CardModelReceived,
    stores.StoreReceived,
    inventory.TransferSent,
    inventory.TransferIncoming,
    inventory.TransferReceived,
    inventory.CountStarted,
    inventory.CountPosted,
    inventory.MermaRecorded,
    inventory.SupplierReturned,
    inventory.SupplierSaved,
    inventory.StoreProductSet,
    inventory.InventorySettingsReceived,
    fiado.CustomerProfileSaved,
    fiado.FiadoAccountSet,
    fiado.FiadoPaid,
    fiado.FiadoPaymentReversed,
    fiado.FiadoSettingsSet,
    fiado.CustomerReceived,
    fiado.FiadoEntryReceived,
    fiado.FiadoSettingsReceived,
)

UPCASTERS: dict[tuple[str, int], codec.Upcaster] = {
    (sales.SaleCompleted.TYPE, 1): sales.upcast_v1,
    (sales.SaleCompleted.TYPE, 2): sales.upcast_v2,
    (returns.ReturnCompleted.TYPE, 1): returns.upcast_v1,
    (purchases.PurchaseReceived.TYPE, 1): purchases.upcast_v1,
    (purchases.PurchaseReceived.TYPE, 2): purchases.upcast_v2,
    (catalog.ProductUpserted.TYPE, 1): catalog.upcast_product_v1,
    (fiado.CustomerReceived.TYPE, 1): fiado.upcast_customer_received_v1,
}
"""``(type, old_version) -> function(payload) -> payload of old_version + 1``."""


def build_codec() -> codec.Codec:
    """The codec used by terminals and the server."""
    return codec.Codec(EVENT_CLASSES, UPCASTERS)
