"""The Productos section: the store's view of the catalog. HQ's fields are read-only with the reason; the store's
price (when the tenant lets it), minimum stock, location and active are edited; an edit that crossed an HQ change
shows both values, who and when."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation

from desktop.presenters.backoffice import shell
from desktop.presenters.backoffice.ports import Crossing, InventorySource, ProductSettings, StoreProduct
from desktop.services.inventory import CrossedEdit
from shared import errors, money

PAGE = 40
HQ_OWNS = "Nombre, categoría y códigos los define HQ (catálogo de la empresa)."
LOCAL = "Producto creado en esta tienda: es local (pendiente de HQ) hasta que HQ lo adopte."
HQ_PRICE = "El precio lo fija HQ: la empresa no deja a las tiendas poner su precio."
HQ_INACTIVE = "HQ desactivó este producto: no se vende en ninguna tienda."
READ_ONLY = "Solo lectura: un administrador hace los cambios."
NOT_SAVED_HERE = "Esta caja aún no guarda cambios de productos."
MAX_MIN_STOCK = Decimal(99_999)


@dataclass(frozen=True, slots=True)
class ProductLine:
    sku: str
    name: str
    category: str
    price: str
    own_price: bool
    minimum: str
    location: str
    active: bool
    crossed: bool
    local: bool = False
    """Created at this store, not yet adopted by HQ (the list says «Local (pendiente de HQ)»)."""


@dataclass(frozen=True, slots=True)
class ProductForm:
    """The chosen product: HQ's fields as text and the store's editable ones, what may be edited and why not."""

    sku: str
    name: str
    details: str
    hq_price: str
    price: str
    min_stock: str
    location: str
    active: bool
    price_editable: bool
    editable: bool
    active_editable: bool
    reasons: tuple[str, ...]
    crossings: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class CrossedChoice:
    """A save refused because HQ changed the product meanwhile: what HQ did, one line per field (both values, who
    and when), and the store's edit (``mine``); the manager keeps HQ's (``keep_hq``) or saves theirs knowingly
    (``save_mine``)."""

    name: str
    lines: tuple[str, ...]
    mine: str


@dataclass(frozen=True, slots=True)
class _Pending:
    """The store's edit a crossing stopped, as typed, and HQ's change it is now saved against."""

    price: int | None
    min_stock: Decimal | None
    location: str
    active: bool
    change_id: int
    price_crossed: bool
    active_crossed: bool


@dataclass(frozen=True, slots=True)
class ProductsView:
    search: str = ""
    lines: tuple[ProductLine, ...] = ()
    page: int = 0
    has_more: bool = False
    form: ProductForm | None = None
    loaded: int = 0
    """Counts the times the form was filled from the journal (a product chosen, saved): the page puts the values
    in its fields then, and keeps what was typed otherwise (a refused save loses nothing)."""
    message: str = ""
    error: bool = False
    crossed: CrossedChoice | None = None
    """Set while the manager chooses after a crossed save (the page shows both values and the two ways on)."""


def parse_minimum(text: str, sold_by: str) -> Decimal | None:
    """The minimum stock typed: ``""`` none (no alert); units whole, kg to 3 decimals; 0 to 99.999.

    Raises:
        InvalidQuantity: not a number, negative, too many decimals or too large.
    """
    cleaned = text.strip().replace(".", "").replace(",", ".") if sold_by != "kg" else text.strip().replace(",", ".")
    if not cleaned:
        return None
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise errors.InvalidQuantity(text, "el mínimo debe ser un número") from None
    if not value.is_finite() or value < 0:
        raise errors.InvalidQuantity(text, "el mínimo no puede ser negativo")
    if value > MAX_MIN_STOCK:
        raise errors.InvalidQuantity(text, "mínimo fuera de rango")
    places = 3 if sold_by == "kg" else 0
    if value != value.quantize(Decimal(1).scaleb(-places)):
        raise errors.InvalidQuantity(text, "máximo 3 decimales" if places else "en unidades enteras")
    return value.quantize(Decimal(1).scaleb(-places))


def line_of(p: StoreProduct) -> ProductLine:
    own = p.price is not None
    return ProductLine(p.sku, p.name, p.category, money.format_clp(p.price if p.price is not None else p.hq_price),
                       own, "" if p.min_stock is None else shell.quantity(p.min_stock, p.sold_by), p.location,
                       p.active and p.hq_active, bool(p.crossings), p.local)


def crossing_text(c: Crossing) -> str:
    """A crossed edit in words: both values, who changed it at HQ and when."""
    by = f" ({c.hq_who})" if c.hq_who else ""
    at = f" el {shell.day(c.hq_at)}" if c.hq_at else ""
    return (f"{c.field}: usted guardó {c.store_value}; HQ{by} lo cambió a {c.hq_value}{at}. Revise y guarde el"
            " valor que corresponde.")


class ProductsPresenter:
    """Intents: ``search``, ``scanned``, ``choose(sku)``, ``save(price, min_stock, location, active)``, after a
    crossed save ``keep_hq`` or ``save_mine``, ``next_page``/``previous_page``; ``read_only`` for a supervisor."""

    def __init__(self, source: InventorySource, settings: ProductSettings | None, *, read_only: bool,
                 on_change: Callable[[ProductsView], None] = lambda v: None) -> None:
        self.source, self.settings = source, settings
        self.read_only = read_only or settings is None
        self.on_change = on_change
        self.product: StoreProduct | None = None
        self.pending: _Pending | None = None
        self.view = ProductsView()

    def _emit(self, view: ProductsView) -> ProductsView:
        self.view = view
        self.on_change(view)
        return view

    def _list(self, **changes: object) -> ProductsView:
        view = replace(self.view, message="", error=False, **changes)  # type: ignore[arg-type]
        found = self.source.products(view.search, PAGE + 1, view.page * PAGE)
        lines = tuple(line_of(p) for p in found[:PAGE])
        message = f"Ningún producto coincide con «{view.search}»" if not lines and view.search else ""
        return self._emit(replace(view, lines=lines, has_more=len(found) > PAGE, message=message,
                                  error=bool(message)))

    def refresh(self) -> ProductsView:
        view = self._list()
        if self.product is not None:
            self.product = self.source.product(self.product.sku)
            view = self._emit(replace(view, form=self._form(), loaded=view.loaded + 1))
        return view

    def search(self, text: str) -> ProductsView:
        return self._list(search=text.strip(), page=0)

    def scanned(self, code: str) -> ProductsView:
        """A scanned barcode (or SKU and Enter) opens its product; words and Enter open the only product they find,
        or list them."""
        sku = self.source.find_code(code.strip()) if code.strip() else None
        if sku is None:
            view = self.search(code)
            return self.choose(view.lines[0].sku) if len(view.lines) == 1 else view
        self._list(search=sku, page=0)
        return self.choose(sku)

    def next_page(self) -> ProductsView:
        return self._list(page=self.view.page + 1) if self.view.has_more else self.view

    def previous_page(self) -> ProductsView:
        return self._list(page=self.view.page - 1) if self.view.page > 0 else self.view

    def choose(self, sku: str) -> ProductsView:
        self.product = self.source.product(sku)
        if self.product is None:
            return self._emit(replace(self.view, form=None, message=f"Producto no encontrado: {sku}", error=True))
        return self._emit(replace(self.view, form=self._form(), loaded=self.view.loaded + 1, message="",
                                  error=False))

    def _form(self) -> ProductForm | None:
        p = self.product
        if p is None:
            return None
        store_prices = self.settings is not None and self.settings.store_prices
        reasons = [LOCAL if p.local else HQ_OWNS]
        if not store_prices and not p.local:
            reasons.append(HQ_PRICE)
        if not p.hq_active:
            reasons.append(HQ_INACTIVE)
        if self.settings is None:
            reasons.insert(0, NOT_SAVED_HERE)
        elif self.read_only:
            reasons.insert(0, READ_ONLY)
        codes = ", ".join(p.barcodes) if p.barcodes else "sin código de barras"
        unit = "por kg" if p.sold_by == "kg" else "por unidad"
        return ProductForm(
            sku=p.sku, name=p.name, details=f"{p.sku} · {p.category} · {unit} · {codes}\n"
                                            + ("Precio de la tienda" if p.local else "Precio de HQ")
                                            + f": {money.format_clp(p.hq_price)}",
            hq_price=money.format_clp(p.hq_price),
            price="" if p.price is None else money.format_clp(p.price).removeprefix("$"),
            min_stock="" if p.min_stock is None else shell.quantity(p.min_stock, p.sold_by).removesuffix(" kg"),
            location=p.location, active=p.active, price_editable=store_prices and not self.read_only,
            editable=not self.read_only, active_editable=not self.read_only and p.hq_active,
            reasons=tuple(reasons), crossings=tuple(crossing_text(c) for c in p.crossings))

    def save(self, price: str, min_stock: str, location: str, active: bool) -> ProductsView:
        """Save the store's settings of the chosen product (journaled as ``StoreProductSet``)."""
        p, form = self.product, self.view.form
        if p is None or form is None:
            return self._emit(replace(self.view, message="Elija primero un producto", error=True))
        if self.read_only or self.settings is None:
            return self._emit(replace(self.view, message=READ_ONLY, error=True))
        try:
            new_price = None  # the tenant's prices are HQ's: nothing of the store's
            if form.price_editable:
                new_price = money.parse_clp(price) if price.strip() else None
                if new_price == 0:
                    raise errors.InvalidAmount(price, "el precio debe ser mayor que cero")
            minimum = parse_minimum(min_stock, p.sold_by)
            if len(location.strip()) > 60:
                raise errors.InvalidInput("la ubicación es muy larga (máximo 60 letras)")
            edit = _Pending(new_price, minimum, location.strip(), active if p.hq_active else p.active,
                            p.seen_change, False, False)
            return self._save(p, edit, p.hq_price, f"Guardado: {p.name}")
        except errors.PosError as exc:  # what was typed stays on screen; HQ's latest is read again
            self.product = self.source.product(p.sku) or p
            return self._emit(replace(self.view, form=self._form(), message=f"No se guardó: {exc}", error=True))

    def _save(self, p: StoreProduct, edit: _Pending, seen_price: int, done: str) -> ProductsView:
        """Save ``edit`` of ``p`` against HQ's ``seen_price`` and change ``edit.change_id``; a crossing (HQ changed
        the product meanwhile) saves nothing and asks the manager to choose (``view.crossed``). Raises: PosError."""
        assert self.settings is not None
        try:
            self.settings.save(p.sku, price=edit.price, min_stock=edit.min_stock, location=edit.location,
                               active=edit.active, seen_price=seen_price, seen_change=edit.change_id)
        except CrossedEdit as exc:
            self.product = self.source.product(p.sku) or p
            fields = {c.field for c in exc.crossings}
            self.pending = replace(edit, change_id=exc.change_id, price_crossed="precio" in fields,
                                   active_crossed="activo" in fields)
            choice = CrossedChoice(exc.name, tuple(f"{c.text()}." for c in exc.crossings), exc.mine)
            return self._emit(replace(self.view, form=self._form(), crossed=choice, error=True,
                                      message="No se guardó: HQ cambió este producto mientras usted lo editaba."))
        self.pending = None
        self.product = self.source.product(p.sku)
        view = self._list()
        return self._emit(replace(view, form=self._form(), loaded=view.loaded + 1, message=done, error=False,
                                  crossed=None))

    def keep_hq(self) -> ProductsView:
        """After a crossed save: HQ's values stay (the store's own price goes when HQ's price crossed it; the
        store's active flag stays as it was when HQ's crossed it), the rest of the edit is saved against HQ's
        latest change."""
        return self._resolve(keep_hq=True)

    def save_mine(self) -> ProductsView:
        """After a crossed save: the manager's edit is saved as typed, knowingly, against HQ's latest change."""
        return self._resolve(keep_hq=False)

    def _resolve(self, *, keep_hq: bool) -> ProductsView:
        p, edit = self.product, self.pending
        if p is None or edit is None or self.read_only or self.settings is None:
            return self._emit(replace(self.view, crossed=None))
        if keep_hq:
            edit = replace(edit, price=None if edit.price_crossed else edit.price,
                           active=p.active if edit.active_crossed else edit.active)
        done = f"Guardado con el de HQ: {p.name}" if keep_hq else f"Guardado el suyo: {p.name}"
        try:
            return self._save(p, edit, p.hq_price, done)
        except errors.PosError as exc:
            self.pending = None
            return self._emit(replace(self.view, form=self._form(), crossed=None, message=f"No se guardó: {exc}",
                                      error=True))
