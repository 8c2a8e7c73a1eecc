"""The demo store's catalog (catalog.csv) as rows of strings, and a generator of big synthetic catalogs.

``catalog.csv`` is the source: a shop owner's price list, edited as data (tests/desktop/test_demo_catalog.py keeps
it consistent: unique SKUs, barcodes, PLUs and names, valid check digits, known categories).
"""

from __future__ import annotations

import csv
import random
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Final

CATALOG_CSV: Final[Path] = Path(__file__).with_name("catalog.csv")

COLUMNS: Final = (
    "sku", "name", "brand", "category", "price", "sold_by", "barcode", "plu", "iva_exempt", "favourite",
    "stock",
)  # fmt: skip
MAX_NAME_LENGTH: Final = 40  # what fits on a touch tile

# Suffix and price factor (percent) that make a new product out of a demo one.
_UNIT_VARIANTS: Final[dict[str, tuple[tuple[str, int], ...]]] = {
    "Bebidas": (("Pack 2", 190), ("Pack 6", 540), ("Oferta", 90), ("Promo", 95), ("Ed. Limitada", 105)),
    "Licores": (("Pack 2", 190), ("Estuche", 115), ("Oferta", 90), ("Ed. Limitada", 110)),
    "": (("Pack 2", 190), ("Pack 3", 275), ("Pack 4", 360),
         ("Oferta", 90), ("Promo", 95), ("Ed. Limitada", 110)),
}
_WEIGHED_VARIANTS: Final[dict[str, tuple[tuple[str, int], ...]]] = {
    "Fiambrería": (("Laminado", 105), ("Trozo", 98), ("Premium", 125), ("Oferta", 90)),
    "Frutas y Verduras": (("Orgánico", 140), ("Selección", 115), ("Extra", 110), ("Oferta", 90)),
    "Carnes": (("Premium", 125), ("Selección", 115), ("al Vacío", 110), ("Oferta", 90)),
    "": (("Premium", 125), ("Selección", 115), ("Oferta", 90)),
}
# Pack sizes a product may be re-sized to, in tenths of the unit (so "1,5 L" is 15).
_SIZE = re.compile(r"\b(\d+(?:,\d)?) (g|kg|ml|L|un)\b")
_SIZE_STEPS: Final = {
    "g": (800, 1000, 1200, 1500, 1800, 2000, 2500, 3000, 4000, 5000, 7500, 9000),
    "kg": (10, 20, 30, 50, 100, 150),
    "ml": (2000, 2500, 3300, 3500, 5000, 7500, 9000),
    "L": (10, 15, 20, 25, 30, 50),
    "un": (40, 60, 80, 100, 120, 200, 300),
}
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


def _resizings(name: str) -> list[tuple[str, int, int]]:
    """Other pack sizes for ``name``: (new name, new size, old size), within 0.5x..2.5x of the old size."""
    match = _SIZE.search(name)
    if match is None:
        return []
    number, unit = match.groups()
    whole, _, tenth = number.partition(",")
    old = int(whole) * 10 + int(tenth or 0)
    resized = []
    for new in _SIZE_STEPS[unit]:
        if new != old and old <= 2 * new and new * 2 <= old * 5:
            label = f"{new // 10},{new % 10}" if new % 10 else str(new // 10)
            new_name = f"{name[: match.start()]}{label} {unit}{name[match.end() :]}"
            if len(new_name) <= MAX_NAME_LENGTH:
                resized.append((new_name, new, old))
    return resized


def generate_rows(n: int, seed: int = 7) -> Iterator[dict[str, str]]:
    """Yield ``n`` synthetic catalog rows shaped like ``load_demo_rows()``, deterministic for ``seed``.

    Each row is a demo product, often in another pack size and/or by another brand of the same kind
    (same aisle and first word: "Yogurt", "Cerveza", ...), with a suffix such as "Pack 3" or "Premium"
    and a price to match. SKUs run ``GEN-0000001``...; unit goods get unique 780 EAN-13s that no demo
    product uses, weighed goods unique 5-digit PLUs (so at most 90,000 weighed rows).
    """
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")
    templates = [row for row in load_demo_rows() if row["iva_exempt"] == "0"]
    taken_barcodes = {row["barcode"] for row in templates}
    taken_plus = {row["plu"] for row in templates}
    kinds: dict[tuple[str, str], list[str]] = {}
    for row in templates:
        brands = kinds.setdefault((row["category"], row["name"].split(" ", 1)[0]), [])
        if row["brand"] and row["brand"] not in brands:
            brands.append(row["brand"])
    plans = []
    for row in templates:
        weighed = row["sold_by"] == "kg"
        variants = (_WEIGHED_VARIANTS if weighed else _UNIT_VARIANTS).get(row["category"])
        plans.append((
            row,
            weighed,
            kinds[row["category"], row["name"].split(" ", 1)[0]],
            _resizings(row["name"]),
            variants or (_WEIGHED_VARIANTS if weighed else _UNIT_VARIANTS)[""],
        ))  # fmt: skip

    rng = random.Random(seed)
    # k -> (k * 7919 + offset) mod 10**8 is a bijection: distinct, scattered item numbers under prefix 7809.
    offset = rng.randrange(10**8)
    serial = 0
    plus = (str(plu) for plu in _GENERATED_PLU_RANGE if str(plu) not in taken_plus)
    for i in range(1, n + 1):
        template, weighed, brands, resizings, variants = plans[rng.randrange(len(plans))]
        name, brand = template["name"], template["brand"]
        price = int(template["price"])
        if resizings and rng.random() < 0.5:
            name, new, old = resizings[rng.randrange(len(resizings))]
            price = price * new // old
        if len(brands) > 1 and brand in name and rng.random() < 0.6:
            other = brands[rng.randrange(len(brands))]
            if len(swapped := name.replace(brand, other, 1)) <= MAX_NAME_LENGTH:
                name, brand = swapped, other
        suffix, factor = variants[rng.randrange(len(variants))]
        if len(name) + 1 + len(suffix) <= MAX_NAME_LENGTH:
            name = f"{name} {suffix}"
            price = price * factor // 100
        price = retail_price(price * rng.randint(94, 108) // 100)

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
            "category": template["category"],
            "price": str(price),
            "sold_by": template["sold_by"],
            "barcode": barcode,
            "plu": plu,
            "iva_exempt": "0",
            "favourite": "0",
            "stock": stock,
        }
