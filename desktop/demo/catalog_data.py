"""The demo store's catalog (catalog.csv) as rows of strings, and a generator of big synthetic catalogs."""

from __future__ import annotations

import csv
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Final

CATALOG_CSV: Final[Path] = Path(__file__).with_name("catalog.csv")

COLUMNS: Final = (
    "sku", "name", "brand", "category", "price", "sold_by", "barcode", "plu", "iva_exempt", "favourite", "stock",
)  # fmt: skip
MAX_NAME_LENGTH: Final = 40  # what fits on a touch tile

# Suffixes (and price factor in percent) that turn a demo product into a plausible new one, per aisle.
_UNIT_VARIANTS: Final[dict[str, tuple[tuple[str, int], ...]]] = {
    "Bebidas": (("Pack 2", 190), ("Pack 6", 540), ("Zero", 100), ("Retornable", 80), ("Ed. Limitada", 110)),
    "Licores": (("Pack 2", 190), ("Pack 6", 540), ("Reserva", 140), ("Ed. Limitada", 120), ("Estuche", 115)),
    "Lácteos": (("Light", 105), ("Sin Lactosa", 115), ("Pack 4", 380), ("Extra Calcio", 110), ("Orgánico", 140)),
    "Snacks y Dulces": (("Mini", 60), ("Familiar", 170), ("Pack 3", 270), ("Picante", 100), ("Sin Sal", 100)),
    "Limpieza": (("Recarga", 80), ("Doypack", 85), ("Pack 2", 185), ("Concentrado", 125), ("Aroma Limón", 100)),
    "Aseo Personal": (("Pack 2", 185), ("Viaje", 55), ("Sensitive", 110), ("Pack 3", 260), ("Fresh", 100)),
}
_DEFAULT_UNIT_VARIANTS: Final = (
    ("Pack 2", 190), ("Pack 3", 275), ("Familiar", 175), ("Oferta", 90), ("Premium", 130), ("Light", 105),
    ("Sin Azúcar", 105), ("Orgánico", 140), ("Mini", 60), ("Tradicional", 100), ("Integral", 110),
)  # fmt: skip
_WEIGHED_VARIANTS: Final = (
    ("Premium", 125), ("Selección", 115), ("Orgánico", 140), ("Extra", 110), ("Laminado", 105),
    ("Trozo", 98), ("Oferta", 90), ("Granel", 95),
)  # fmt: skip
_GENERATED_PLU_RANGE: Final = range(10000, 100000)  # 5 digits; the demo catalog uses 4-digit PLUs


def gtin_check_digit(body: str) -> str:
    """The GS1 mod-10 check digit for a GTIN body (7 digits for EAN-8, 11 for UPC-A, 12 for EAN-13)."""
    if not body.isdigit():
        raise ValueError(f"GTIN body must be digits, got {body!r}")
    total = 3 * sum(map(int, body[-1::-2])) + sum(map(int, body[-2::-2]))
    return str(-total % 10)


def ean13_check_digit(first12: str) -> str:
    """The check digit that completes the 12 digits ``first12`` into an EAN-13."""
    if len(first12) != 12:
        raise ValueError(f"an EAN-13 body has 12 digits, got {first12!r}")
    return gtin_check_digit(first12)


def retail_price(pesos: int) -> int:
    """Round a raw peso amount to a shelf price: 1234 -> 1190, 452 -> 490, 237 -> 240 (always > 0)."""
    if pesos >= 400:
        return (pesos + 50) // 100 * 100 - 10
    return max(50, (pesos + 5) // 10 * 10)


def load_demo_rows() -> list[dict[str, str]]:
    """The demo catalog: one dict per product, keyed by ``COLUMNS``, every value a string."""
    with CATALOG_CSV.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def generate_rows(n: int, seed: int = 7) -> Iterator[dict[str, str]]:
    """Yield ``n`` synthetic catalog rows shaped like ``load_demo_rows()``, deterministic for ``seed``.

    Each row is a demo product with, often, another brand of its aisle and a variant suffix ("Pack 6",
    "Premium", ...) at a matching price. SKUs are ``GEN-0000001``...; unit goods get unique 780 EAN-13s
    that no demo product uses, weighed goods unique 5-digit PLUs (so at most 90,000 weighed rows).
    """
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")
    templates = [row for row in load_demo_rows() if row["iva_exempt"] == "0"]
    taken_barcodes = {row["barcode"] for row in templates}
    taken_plus = {row["plu"] for row in templates}
    brands: dict[str, list[str]] = {}
    for row in templates:
        if row["brand"] and row["brand"] not in brands.setdefault(row["category"], []):
            brands[row["category"]].append(row["brand"])

    rng = random.Random(seed)
    # k -> (k * 7919 + offset) mod 10**8 is a bijection: distinct, scattered item numbers under prefix 7809.
    offset = rng.randrange(10**8)
    serial = 0
    plus = (str(plu) for plu in _GENERATED_PLU_RANGE if str(plu) not in taken_plus)
    for i in range(1, n + 1):
        template = templates[rng.randrange(len(templates))]
        name, brand, category = template["name"], template["brand"], template["category"]
        weighed = template["sold_by"] == "kg"
        if brand and brand in name and rng.random() < 0.6:
            other = brands[category][rng.randrange(len(brands[category]))]
            if len(swapped := name.replace(brand, other, 1)) <= MAX_NAME_LENGTH:
                name, brand = swapped, other
        variants = _WEIGHED_VARIANTS if weighed else _UNIT_VARIANTS.get(category, _DEFAULT_UNIT_VARIANTS)
        suffix, factor = variants[rng.randrange(len(variants))]
        if len(name) + 1 + len(suffix) <= MAX_NAME_LENGTH:
            name = f"{name} {suffix}"
        else:
            factor = 100
        price = retail_price(int(template["price"]) * factor * rng.randint(92, 110) // 10_000)

        barcode = plu = ""
        if weighed:
            plu = next(plus, "")
            if not plu:
                raise ValueError("ran out of 5-digit PLUs: too many weighed rows requested")
            grams = int(template["stock"].replace(".", "")) * rng.randint(50, 150) // 100
            stock = f"{grams // 1000}.{grams % 1000:03d}"
        else:
            while True:
                if serial >= 10**8:
                    raise ValueError("ran out of generated EAN-13s")
                body = f"7809{(serial * 7919 + offset) % 10**8:08d}"
                serial += 1
                barcode = body + gtin_check_digit(body)
                if barcode not in taken_barcodes:
                    break
            stock = str(max(1, int(template["stock"]) * rng.randint(50, 150) // 100))
        yield {
            "sku": f"GEN-{i:07d}",
            "name": name,
            "brand": brand,
            "category": category,
            "price": str(price),
            "sold_by": template["sold_by"],
            "barcode": barcode,
            "plu": plu,
            "iva_exempt": "0",
            "favourite": "0",
            "stock": stock,
        }
