"""Rebuild catalog.csv, the demo almacén's price list, from the product families written out below.

A maintainer tool: ``python -m desktop.demo.build_catalog``. Output is deterministic: prices, barcodes and
stock are drawn from RNGs seeded with the product's own name, so adding a product leaves the others' values
alone (only SKUs, numbered in file order, shift).

A family is ``template`` × brands × sizes × flavours. ``sizes`` is ``"label=price|..."`` (base price in CLP,
IVA included); ``flavours`` is ``"name|name=pct|..."`` where pct is a price factor in percent (default 100).
The template uses ``{b}`` (brand), ``{s}`` (size) and ``{f}`` (flavour); empty parts collapse.
"""

from __future__ import annotations

import csv
import random
import sys
import zlib
from dataclasses import dataclass

from desktop.demo.catalog_data import CATALOG_CSV, COLUMNS, MAX_NAME_LENGTH, gtin_check_digit, retail_price

CATEGORIES = (
    "Panadería", "Lácteos", "Fiambrería", "Frutas y Verduras", "Carnes", "Abarrotes", "Bebidas", "Licores",
    "Snacks y Dulces", "Desayuno", "Congelados", "Limpieza", "Aseo Personal", "Mascotas", "Bebé", "Exentos",
)  # fmt: skip

# Price level of a brand relative to the family's base price, in percent (100 when not listed).
BRAND_INDEX = {
    "Soprole": 103, "Nestlé": 108, "Quillayes": 106, "Loncoleche": 94, "Surlat": 93, "Calo": 96,
    "Philadelphia": 125, "Tucapel": 106, "Banquete": 90, "Aruba": 94, "Lucchetti": 97, "Don Vittorio": 94,
    "Talliani": 115, "Suazo": 90, "Chef": 103, "Natura": 98, "Miraflores": 97, "Mont Blanc": 98,
    "Collico": 95, "Van Camp's": 108, "Angelmó": 96, "Robinson Crusoe": 104, "Aconcagua": 96,
    "Dos Caballos": 94, "Malloa": 90, "Hellmann's": 108, "Traverso": 92, "Heinz": 112, "Knorr": 98,
    "Livean": 80, "Sprim": 85, "Yuz": 90, "Pepsi": 95, "Seven Up": 95, "Bilz": 92, "Pap": 92, "Kem": 92,
    "Crush": 92, "Canada Dry": 98, "Limón Soda": 92, "Benedictino": 96, "Vital": 92, "Andina": 97,
    "Escudo": 98, "Becker": 94, "Royal Guard": 115, "Heineken": 130, "Corona": 140, "Stella Artois": 130,
    "Budweiser": 115, "Báltica": 85, "Coors": 110, "Alto del Carmen": 105, "Capel": 96, "Control": 94,
    "Campanario": 92, "Havana Club": 112, "Mitjans": 80, "Eristoff": 85, "Absolut": 125, "Smirnoff": 100,
    "Stolichnaya": 110, "Evercrisp": 95, "Marco Polo": 97, "Kryzpo": 105, "Costa": 98, "Kellogg's": 105,
    "Dilmah": 140, "Club": 90, "Cambridge": 95, "Lipton": 105, "Bresler": 110, "Frutos del Maipo": 96,
    "McCain": 110, "Ariztía": 103, "San Jorge": 103, "Super Cerdo": 96, "Llanquihue": 112,
    "Receta del Abuelo": 108, "La Preferida": 104, "Winter": 90, "Sopraval": 105, "Drive": 85, "Ace": 92,
    "Popeye": 80, "Ariel": 108, "Soft": 85, "Downy": 115, "Comfort": 105, "Magistral": 92, "Axion": 95,
    "Clorinda": 92, "Igenix": 90, "Procenex": 90, "Elite": 108, "Noble": 95, "Favorita": 85, "Nova": 105,
    "Pepsodent": 88, "Oral-B": 110, "Le Sancy": 85, "Lux": 90, "Protex": 110, "Ballerina": 80, "Dove": 120,
    "Nivea": 110, "Kotex": 105, "Ladysoft": 95, "Nosotras": 92, "Champion Dog": 88, "Dog Chow": 108,
    "Pedigree": 112, "Cat Chow": 108, "Master Cat": 92, "Huggies": 105, "Pampers": 110, "Babysec": 90,
    "Castaño": 108, "Fuchs": 95, "Mission": 110, "Pancho Villa": 95, "Santa Marta": 102, "Yemita": 97,
    "Sureña": 95, "Doriana": 100, "Gourmet": 100,
}

# UPC-A company prefixes of imported US brands (6 digits + 5-digit item + check digit).
UPC_COMPANY = {
    "Hershey's": "034000", "Reese's": "034000", "M&M's": "040000", "Snickers": "040000", "Twix": "040000",
    "Milky Way": "040000", "Pringles": "038000", "Pop-Tarts": "038000", "Monster": "070847",
    "Arizona": "613008",
}  # fmt: skip

UNIT_STOCK = {
    "Panadería": (4, 20), "Lácteos": (6, 36), "Fiambrería": (4, 20), "Frutas y Verduras": (4, 24),
    "Carnes": (2, 10), "Abarrotes": (6, 48), "Bebidas": (12, 96), "Licores": (6, 48),
    "Snacks y Dulces": (10, 60), "Desayuno": (4, 24), "Congelados": (3, 20), "Limpieza": (3, 24),
    "Aseo Personal": (3, 18), "Mascotas": (2, 12), "Bebé": (2, 12), "Exentos": (50, 200),
}  # fmt: skip
WEIGHED_STOCK_KG = {
    "Panadería": (10, 40), "Fiambrería": (2, 8), "Frutas y Verduras": (5, 50), "Carnes": (2, 15),
    "Abarrotes": (5, 25), "Snacks y Dulces": (1, 5), "Mascotas": (10, 30),
}  # fmt: skip

FAVOURITES = {
    "Pan Batido", "Marraqueta", "Hallulla", "Leche Entera Colun 1 L", "Huevos Color Santa Marta 12 un",
    "Coca-Cola 1,5 L", "Coca-Cola 3 L", "Queso Gauda Colun", "Jamón Pierna San Jorge",
    "Agua Mineral Cachantun Sin Gas 1,6 L", "Azúcar Iansa 1 kg", "Arroz Grado 1 Tucapel 1 kg",
    "Aceite Maravilla Belmont 1 L", "Té Supremo 100 bolsitas", "Nescafé Tradición 170 g",
    "Papel Higiénico Confort 4 rollos", "Plátano", "Palta Hass", "Tomate", "Papa", "Cebolla", "Limón",
    "Fideos Spaghetti Carozzi 400 g", "Mantequilla Con Sal Colun 250 g", "Cerveza Cristal Lata 470 ml",
    "Yogurt Batido Frutilla Soprole 125 g",
}


@dataclass(frozen=True, slots=True)
class Item:
    category: str
    name: str
    brand: str
    price: int
    code: str = "ean13"  # ean13 | ean8 | upca | plu
    plu: str = ""
    iva_exempt: bool = False
    stock: str = ""  # empty: drawn from the category's range


ITEMS: list[Item] = []


def _pairs(spec: str, default: int) -> list[tuple[str, int]]:
    pairs = []
    for part in spec.split("|"):
        label, _, value = part.partition("=")
        pairs.append((label, int(value) if value else default))
    return pairs


def family(
    category: str, template: str, brands: str, sizes: str, flavours: str = "", code: str = "ean13"
) -> None:
    """Add brands × sizes × flavours unit products (see the module docstring for the little syntax)."""
    for brand in brands.split("|"):
        for size, base in _pairs(sizes, default=0):
            jitter = random.Random(f"price|{template}|{brand}|{size}").randint(96, 104)
            for flavour, pct in _pairs(flavours, default=100):
                name = " ".join(template.format(b=brand, s=size, f=flavour).split())
                raw = base * BRAND_INDEX.get(brand, 100) * jitter * pct // 1_000_000
                ITEMS.append(Item(category, name, brand, retail_price(raw), code))


def single(
    category: str, name: str, brand: str, price: int, code: str = "ean13", *, iva_exempt: bool = False,
    stock: str = "",
) -> None:
    """Add one unit product at exactly ``price``."""
    ITEMS.append(Item(category, name, brand, price, code, iva_exempt=iva_exempt, stock=stock))


def weighed(category: str, brand: str, products: str) -> None:
    """Add products sold by kg: ``"PLU name=price per kg|..."``."""
    for part in products.split("|"):
        plu_name, _, price = part.partition("=")
        plu, _, name = plu_name.partition(" ")
        ITEMS.append(Item(category, name, brand, int(price), "plu", plu))


# ---------------------------------------------------------------------------------------------- Panadería
weighed("Panadería", "", "1001 Pan Batido=2690|1002 Hallulla=2690|1003 Coliza=2790|1004 Dobladita=2790|"
        "1005 Pan Amasado=2990|1006 Hallulla Integral=2990|1007 Marraqueta=2690|"
        "1008 Pan Batido Integral=2990|1009 Pan Frica=2990|1010 Pan Copihue=2990|1011 Hallulla Especial=3190|"
        "1012 Pan Centeno=3490|1013 Pan de Huevo=4490|1014 Cachitos=5490|1015 Galletones de Avena=5990")
family("Panadería", "Pan de Molde {f} {b} {s}", "Ideal|Castaño|Fuchs", "500 g=2290|750 g=2990",
       "Blanco|Integral=105|Multigrano=115|Sin Corteza=110")
family("Panadería", "Pan Hot Dog {b} {s}", "Ideal|Castaño", "6 un=1890|10 un=2790")
family("Panadería", "Pan Hamburguesa {b} {s}", "Ideal|Castaño", "4 un=1990|8 un=3290")
family("Panadería", "Tortillas {f} {b} {s}", "Pancho Villa|Rapiditas|Mission", "10 un=2290|18 un=3790",
       "Original|Integral=105|Espinaca=110")
family("Panadería", "Queque {f} {b} 400 g", "Ideal|Castaño|Nutra Bien", "=2990",
       "Marmoleado|Naranja|Vainilla|Chocolate|Limón")
family("Panadería", "Pan Tostado {f} {b} 200 g", "Ideal|Castaño", "=1990", "Clásico|Integral")
for _name, _price in (
    ("Empanada de Pino", 2490), ("Empanada de Queso", 1990), ("Empanada Napolitana", 2290),
    ("Berlín Crema", 990), ("Berlín Manjar", 990), ("Chilenito", 690), ("Alfajor Maicena", 890),
    ("Kuchen de Manzana Trozo", 1890), ("Sopaipilla", 300), ("Calzones Rotos 6 un", 1490),
):
    single("Panadería", _name, "", _price)

# ------------------------------------------------------------------------------------------------ Lácteos
_MILK = "Colun|Soprole|Loncoleche|Surlat|Calo|Quillayes"
family("Lácteos", "Leche Entera {b} {s}", _MILK, "1 L=1290|200 ml=450")
family("Lácteos", "Leche Semidescremada {b} 1 L", _MILK, "=1290")
family("Lácteos", "Leche Descremada {b} 1 L", _MILK, "=1290")
family("Lácteos", "Leche Sin Lactosa {b} 1 L", "Colun|Soprole|Loncoleche|Surlat", "=1490")
family("Lácteos", "Leche {f} {b} {s}", "Colun|Soprole|Calo|Loncoleche", "200 ml=590|1 L=1790",
       "Chocolate|Frutilla|Vainilla|Plátano")
family("Lácteos", "Yogurt Batido {f} {b} {s}", "Soprole|Colun|Nestlé|Loncoleche|Quillayes",
       "125 g=450|1 kg=2890", "Frutilla|Vainilla|Durazno|Piña|Mora|Frambuesa|Natural|Plátano")
family("Lácteos", "Yogurt Griego {f} {b} 110 g", "Soprole|Colun|Quillayes|Nestlé", "=690",
       "Natural|Frutilla|Berries|Endulzado")
family("Lácteos", "Yogurt Griego Natural {b} 1 kg", "Soprole|Colun|Quillayes|Nestlé", "=4990")
family("Lácteos", "Chamyto {s}", "Nestlé", "Pack 6=1990|Pack 12=3690")
family("Lácteos", "Mantequilla {f} {b} {s}", "Colun|Soprole|Quillayes|Calo|Surlat", "125 g=1790|250 g=3290",
       "Con Sal|Sin Sal")
family("Lácteos", "Margarina {f} {b} {s}", "Sureña|Doriana", "250 g=1390|500 g=2390", "|Light")
family("Lácteos", "Crema de Leche {b} {s}", "Colun|Soprole|Nestlé|Loncoleche", "200 ml=1390|1 L=5490")
family("Lácteos", "Crema Ácida {b} 200 g", "Colun|Soprole|Quillayes", "=1690")
family("Lácteos", "Leche Condensada {b} 397 g", "Nestlé|Colun|Loncoleche", "=2490")
family("Lácteos", "Manjar {b} {s}", "Colun|Soprole|Nestlé|Calo|Loncoleche", "250 g=1590|500 g=2690|1 kg=4790")
family("Lácteos", "Queso {f} Laminado {b} {s}", "Colun|Quillayes|Calo|Surlat", "150 g=2190|250 g=3490",
       "Gauda|Mantecoso|Chanco")
family("Lácteos", "Queso Parmesano Rallado {b} 40 g", "Colun|Quillayes|Calo", "=1590")
family("Lácteos", "Quesillo {b} {s}", "Colun|Soprole|Quillayes|Calo", "250 g=1990|500 g=3490")
family("Lácteos", "Queso Crema {b} 180 g", "Colun|Philadelphia|Soprole|Quillayes", "=2190")
family("Lácteos", "Queso Mozzarella {b} 250 g", "Colun|Quillayes", "=3690")
family("Lácteos", "Postre {f} {b} 120 g", "Soprole|Colun|Nestlé", "=690",
       "Leche Asada|Flan Vainilla|Flan Chocolate|Sémola con Leche|Arroz con Leche")
family("Lácteos", "Leche Cultivada {f} {b} 1 L", "Soprole|Colun", "=1890", "Frutilla|Vainilla|Piña")
family("Lácteos", "Huevos {f} {b} {s}", "Santa Marta|Yemita", "6 un=1990|12 un=3790|30 un=8990",
       "Blancos|Color")

# --------------------------------------------------------------------------------------------- Fiambrería
weighed("Fiambrería", "Colun", "2001 Queso Gauda Colun=12990|2002 Queso Mantecoso Colun=13490|"
        "2003 Queso Chanco Colun=12990|2008 Queso Mozzarella Colun=12990|"
        "2011 Queso Gauda Sin Lactosa Colun=14490")
weighed("Fiambrería", "Quillayes", "2004 Queso Gauda Quillayes=13990|2005 Queso Mantecoso Quillayes=14490|"
        "2009 Queso Parmesano Quillayes=22990")
weighed("Fiambrería", "Calo", "2006 Queso Gauda Calo=11990|2007 Queso Edam Calo=13490")
weighed("Fiambrería", "Surlat", "2012 Queso Gauda Surlat=11490")
weighed("Fiambrería", "Loncoleche", "2013 Queso Chanco Loncoleche=11990")
weighed("Fiambrería", "", "2010 Queso de Cabra=17990|2301 Aceitunas Azapa=6990|2302 Aceitunas Verdes=6490|"
        "2303 Aceitunas Sevillanas=6990")
weighed("Fiambrería", "San Jorge", "2101 Jamón Pierna San Jorge=11990|2103 Jamón Acaramelado San Jorge=12990|"
        "2106 Jamón Sándwich San Jorge=6990|2202 Mortadela San Jorge=5990|"
        "2205 Arrollado de Chancho San Jorge=9490|2209 Cecina San Jorge=5490")
weighed("Fiambrería", "PF", "2102 Jamón Pierna PF=11490|2105 Jamón Colonial PF=10490|"
        "2203 Mortadela con Pimienta PF=6490|2208 Queso de Cabeza PF=6990|2211 Salame Italiano PF=15990")
weighed("Fiambrería", "Sopraval", "2104 Jamón de Pavo Sopraval=10990|2206 Pechuga de Pavo Sopraval=13990")
weighed("Fiambrería", "Llanquihue", "2107 Jamón Serrano Llanquihue=32990|2108 Jamón Ahumado Llanquihue=12490|"
        "2201 Salame Llanquihue=14990|2207 Lomo Ahumado Llanquihue=15990|2210 Pastrami Llanquihue=19990")
weighed("Fiambrería", "Super Cerdo", "2109 Jamón Pierna Super Cerdo=10990")
weighed("Fiambrería", "La Preferida", "2204 Arrollado de Huaso La Preferida=9990")
family("Fiambrería", "Jamón Sándwich {b} {s}", "San Jorge|PF|Super Cerdo|Llanquihue|Receta del Abuelo",
       "250 g=2190|500 g=3990")
family("Fiambrería", "Jamón de Pavo {b} 250 g", "Sopraval|PF|San Jorge", "=2590")
family("Fiambrería", "Vienesas {b} {s}", "San Jorge|PF|Llanquihue|Super Cerdo|Winter|Receta del Abuelo",
       "5 un=990|10 un=1790|20 un=3290")
family("Fiambrería", "Vienesas de Ave {b} 10 un", "Super Pollo|Sopraval|Ariztía", "=1690")
family("Fiambrería", "Longaniza {b} {s}", "La Preferida|San Jorge|PF|Llanquihue", "500 g=3490|1 kg=6490")
family("Fiambrería", "Chorizo Parrillero {b} 500 g", "La Preferida|San Jorge|PF|Llanquihue", "=3990")
family("Fiambrería", "Salame {f} {b} 100 g", "Llanquihue|PF|San Jorge", "=1990", "Italiano|Ahumado")
family("Fiambrería", "Mortadela {f} {b} 250 g", "San Jorge|PF|Winter", "=1390", "Lisa|con Pimienta=105")
family("Fiambrería", "Paté {b} 125 g", "San Jorge|PF|Winter|Llanquihue", "=890")
family("Fiambrería", "Paté de Ave {b} 125 g", "Sopraval|Super Pollo", "=890")
family("Fiambrería", "Tocino Ahumado {b} 150 g", "PF|San Jorge|Llanquihue", "=2490")
family("Fiambrería", "Pechuga de Pavo Laminada {b} 200 g", "Sopraval|PF|San Jorge", "=3290")
family("Fiambrería", "Lomo Ahumado Laminado {b} 100 g", "Llanquihue|PF", "=2690")
family("Fiambrería", "Queso de Cabeza {b} 250 g", "PF|San Jorge", "=1990")

# -------------------------------------------------------------------------------------- Frutas y Verduras
weighed("Frutas y Verduras", "", "3001 Plátano=1390|3002 Tomate=1990|3003 Palta Hass=4990|3004 Limón=2490|"
        "3005 Papa=990|3006 Cebolla=990|3007 Manzana Roja=1690|3008 Manzana Verde=1790|3009 Naranja=1290|"
        "3010 Mandarina=1990|3011 Pera=1790|3012 Zanahoria=990|3013 Zapallo Italiano=1490|"
        "3014 Pimentón Rojo=2990|3015 Pimentón Verde=2490|3016 Pepino=1490|3017 Ajo=4990|3018 Kiwi=1990|"
        "3019 Uva Verde=2990|3020 Uva Roja=2990|3021 Durazno=1990|3022 Frutilla=3490|3023 Sandía=890|"
        "3024 Melón Tuna=1290|3025 Zapallo Camote=1290|3026 Betarraga=1290|3027 Camote=2490|"
        "3028 Cebolla Morada=1490|3029 Ciruela=1990|3030 Nectarín=1990|3031 Chirimoya=3990|3032 Cereza=4990|"
        "3033 Tomate Cherry=3490|3034 Porotos Verdes=2990|3035 Porotos Granados=2990|3036 Champiñón=4990|"
        "3037 Jengibre=5990|3038 Ají Verde=3990|3039 Papa Chilota=1990|3040 Pomelo=1990|3041 Mango=3490|"
        "3042 Membrillo=1490|3043 Pepino Dulce=1990|3044 Lúcuma=4990|3045 Damasco=2490")
for _name, _price in (
    ("Lechuga Escarola", 1290), ("Lechuga Costina", 1290), ("Cilantro (atado)", 690),
    ("Perejil (atado)", 690), ("Albahaca (atado)", 990), ("Cebollín (atado)", 790),
    ("Rabanitos (atado)", 690), ("Apio", 1490), ("Acelga", 990), ("Espinaca (atado)", 1290),
    ("Repollo", 1690), ("Coliflor", 1990), ("Brócoli", 1790), ("Choclo", 690), ("Piña", 2990),
    ("Alcachofa", 890), ("Melón Calameño", 1990), ("Arándanos 125 g", 1990), ("Frambuesas 125 g", 2490),
    ("Champiñón Laminado 200 g", 1990),
):
    single("Frutas y Verduras", _name, "", _price)

# ------------------------------------------------------------------------------------------------- Carnes
weighed("Carnes", "", "4001 Posta Negra=11990|4002 Lomo Vetado=16990|4003 Lomo Liso=15990|4004 Asiento=9990|"
        "4005 Sobrecostilla=8990|4006 Plateada=9990|4007 Carne Molida Especial=8990|4008 Osobuco=6990|"
        "4009 Punta de Ganso=13990|4010 Tapapecho=8990|4011 Huachalomo=8490|4012 Cazuela de Vacuno=6990|"
        "4013 Abastero=8990|4014 Pollo Ganso=10990|4015 Posta Rosada=10990|4016 Entraña=15990|"
        "4301 Pierna de Cordero=12990|4302 Costillar de Cordero=11990|4401 Longaniza Artesanal=7990")
weighed("Carnes", "Super Cerdo", "4101 Chuleta Centro de Cerdo=6990|4102 Costillar de Cerdo=7490|"
        "4103 Pulpa de Cerdo=6490|4104 Lomo de Cerdo=7490|4105 Pernil de Cerdo=4990|"
        "4106 Chuleta Vetada de Cerdo=6490|4107 Panceta de Cerdo=7990|4108 Malaya de Cerdo=7990")
weighed("Carnes", "Super Pollo", "4201 Pollo Entero Super Pollo=2990|4203 Trutro Entero Super Pollo=2990|"
        "4205 Alitas de Pollo Super Pollo=3490|4206 Pechuga Deshuesada Super Pollo=6490")
weighed("Carnes", "Ariztía", "4202 Pechuga Entera Ariztía=4490|4204 Trutro Corto Ariztía=3290|"
        "4207 Filetillo de Pollo Ariztía=7990|4209 Pollo Entero Ariztía=3090")
weighed("Carnes", "Sopraval", "4208 Trutro de Pavo Sopraval=3990")

# ---------------------------------------------------------------------------------------------- Abarrotes
weighed("Abarrotes", "", "5007 Huesillos=5990|5008 Ciruelas Secas=5990|5009 Descarozados=6990|"
        "5101 Lentejas Granel=2490|5102 Porotos Hallados Granel=2990|5103 Mote de Trigo Granel=1990|"
        "5104 Arroz Granel=1590")
family("Abarrotes", "Arroz {f} {b} {s}", "Tucapel|Miraflores|Banquete|Aruba|Carozzi", "1 kg=1890|5 kg=8490",
       "Grado 1|Grado 2=90|Integral=110|Pregraneado=108")
family("Abarrotes", "Arroz Basmati {b} 500 g", "Tucapel|Miraflores", "=2490")
family("Abarrotes", "Fideos {f} {b} 400 g", "Carozzi|Lucchetti|Don Vittorio|Talliani|Suazo", "=1090",
       "Spaghetti|Tallarines|Corbatas|Espirales|Rigatti|Cabellitos|Coditos|Letras|Quifaros|Mostacholes|"
       "Fetuccini|Caracolitos|Dedales")
family("Abarrotes", "Lasaña {b} 400 g", "Carozzi|Lucchetti|Talliani", "=2190")
family("Abarrotes", "Spaghetti Integral {b} 400 g", "Carozzi|Lucchetti", "=1390")
family("Abarrotes", "Aceite {f} {b} {s}", "Belmont|Chef|Natura|Miraflores", "1 L=2890|5 L=12990",
       "Maravilla|Vegetal=92|Canola=105")
family("Abarrotes", "Aceite de Oliva {b} {s}", "Chef|Talliani|Olave|Carbonell", "250 ml=4490|500 ml=7490")
single("Abarrotes", "Azúcar Iansa 1 kg", "Iansa", 1490)
single("Abarrotes", "Azúcar Iansa 5 kg", "Iansa", 6990)
single("Abarrotes", "Azúcar Flor Iansa 1 kg", "Iansa", 1990)
single("Abarrotes", "Azúcar Rubia Iansa 1 kg", "Iansa", 2190)
single("Abarrotes", "Azúcar Iansa 2 kg", "Iansa", 2890)
family("Abarrotes", "Harina {f} {b} {s}", "Selecta|Mont Blanc|Collico", "1 kg=1390|5 kg=5990",
       "Sin Polvos|Con Polvos=105|Integral=115")
family("Abarrotes", "Sal {f} {b} 1 kg", "Lobos|Punta de Lobos|Biosal", "=590", "Fina|Gruesa|de Mar=180")
family("Abarrotes", "{f} {b} 1 kg", "Tucapel|Miraflores|Banquete", "=1990",
       "Lentejas|Porotos Hallados=130|Porotos Tórtola=130|Porotos Negros=120|Garbanzos=110|"
       "Arvejas Partidas=90|Porotos Coscorrón=135")
family("Abarrotes", "Atún {f} {b} 160 g", "Van Camp's|San José|Angelmó", "=1790",
       "Lomitos Agua|Lomitos Aceite|Desmenuzado=80")
family("Abarrotes", "Jurel {f} {b} 425 g", "San José|Robinson Crusoe|Colorado", "=1990",
       "Natural|Salsa Tomate")
family("Abarrotes", "Choritos {f} {b} 190 g", "San José|Angelmó", "=1890", "al Natural|en Aceite|Picantes")
family("Abarrotes", "Sardinas en Aceite {b} 125 g", "San José|Colorado", "=1290")
family("Abarrotes", "Almejas al Natural {b} 190 g", "San José|Angelmó", "=2290")
family("Abarrotes", "{f} {b} 590 g", "Watt's|Aconcagua|Dos Caballos", "=1890",
       "Duraznos en Mitades|Duraznos Trozados|Piña en Rodajas=130|Cóctel de Frutas=120")
family("Abarrotes", "{f} {b} 400 g", "Wasil|Aconcagua|Dos Caballos", "=1290",
       "Choclo Amarillo|Arvejas|Porotos Verdes|Champiñones Laminados=140|Palmitos=250")
family("Abarrotes", "Salsa {f} {b} 200 g", "Pomarola|Lucchetti|Malloa", "=790",
       "de Tomate|Italiana|Boloñesa=120|Napolitana|Champiñón=110")
family("Abarrotes", "Ketchup {b} {s}", "Hellmann's|JB|Traverso|Heinz", "250 g=1490|500 g=2490|1 kg=4290")
family("Abarrotes", "Mayonesa {f} {b} {s}", "Hellmann's|JB|Kraft|Traverso", "250 g=1790|1 kg=4990", "|Light")
family("Abarrotes", "Mostaza {b} {s}", "Hellmann's|JB|Traverso", "250 g=1190|500 g=1890")
family("Abarrotes", "Salsa de Soya {b} 150 ml", "Kikkoman|Traverso", "=1890")
family("Abarrotes", "Vinagre {f} {b} {s}", "Traverso", "500 ml=790|1 L=1290",
       "Blanco|de Vino Tinto|de Manzana")
family("Abarrotes", "Jugo de Limón {b} {s}", "Traverso", "500 ml=1190|1 L=1990")
family("Abarrotes", "Sopa {f} {b}", "Maggi|Knorr", "=690",
       "Pollo Fideos|Carne Fideos|Costilla|Cabellitos|Verduras|Letras")
family("Abarrotes", "Crema {f} {b}", "Maggi|Knorr", "=890",
       "Espárragos|Champiñón|Zapallo|Choclo|Verduras|Tomate")
family("Abarrotes", "Sopa Instantánea {f} {b}", "Maruchan|Nissin", "=890", "Pollo|Camarón|Carne|Picante")
family("Abarrotes", "Caldo {f} {b} 8 un", "Maggi|Knorr", "=990", "de Gallina|de Carne|de Verduras")
family("Abarrotes", "Puré de Papas {b} {s}", "Maggi|Knorr", "125 g=1290|250 g=2290")
family("Abarrotes", "{f} {b}", "Gourmet|Marco Polo", "=790",
       "Orégano|Comino|Ají de Color|Merkén|Pimienta Negra=140|Ajo en Polvo|Canela Molida|Laurel|Curry|"
       "Paprika|Aliño Completo|Provenzal|Nuez Moscada=150|Color Achiote")
family("Abarrotes", "Gelatina {f} {b}", "Royal", "=690", "Frambuesa|Frutilla|Piña|Limón|Naranja|Cereza|Uva")
family("Abarrotes", "Flan {f} {b}", "Royal", "=890", "Vainilla|Chocolate|Caramelo")
single("Abarrotes", "Sémola Carozzi 500 g", "Carozzi", 1290)
single("Abarrotes", "Levadura Instantánea Collico 10 g", "Collico", 390)
single("Abarrotes", "Levadura Fleischmann 10 g", "Fleischmann", 450)
single("Abarrotes", "Polvos de Hornear Royal 100 g", "Royal", 890)
single("Abarrotes", "Esencia de Vainilla Gourmet 60 ml", "Gourmet", 1190)
single("Abarrotes", "Mote de Trigo Tucapel 500 g", "Tucapel", 1390)
single("Abarrotes", "Fósforos Copihue 10 cajas", "Copihue", 1190)
single("Abarrotes", "Fósforos Andes 10 cajas", "Andes", 1090)
single("Abarrotes", "Carbón Vegetal 2,5 kg", "", 2990)
single("Abarrotes", "Carbón Vegetal 5 kg", "", 5490)

# ------------------------------------------------------------------------------------------------ Bebidas
_SODA = "Lata 350 ml=890|500 ml=1190|1,5 L=1890|2 L=2290|3 L=2990"
family("Bebidas", "{b} {f} {s}", "Coca-Cola",
       "Lata 350 ml=990|591 ml=1290|1,5 L=2190|2 L=2590|2,5 L=2990|3 L=3390", "|Sin Azúcar|Light")
family("Bebidas", "Coca-Cola Retornable {s}", "Coca-Cola", "1,25 L=1390|2 L=1990|2,5 L=2390")
for _brand, _flavours in (
    ("Fanta", "Naranja|Zero"), ("Sprite", "|Zero"), ("Pepsi", "|Zero"), ("Seven Up", "|Zero"),
    ("Bilz", "|Zero"), ("Pap", "|Zero"), ("Kem", "Piña|Xtreme"), ("Crush", "Naranja|Zero"),
    ("Canada Dry", "Ginger Ale|Agua Tónica"), ("Limón Soda", "|Zero"),
):
    family("Bebidas", "{b} {f} {s}", _brand, _SODA, _flavours)
family("Bebidas", "Agua Mineral {b} {f} {s}", "Cachantun|Benedictino|Vital", "500 ml=790|1,6 L=1290|2 L=1490",
       "Con Gas|Sin Gas")
single("Bebidas", "Agua Purificada Benedictino 6 L", "Benedictino", 2990)
family("Bebidas", "Cachantun Mas {f} {s}", "Cachantun", "500 ml=890|1,6 L=1490",
       "Limón|Pomelo|Manzana|Naranja|Frutilla")
family("Bebidas", "Néctar {b} {f} {s}", "Watt's|Andina", "200 ml=490|1 L=1490|1,5 L=1890",
       "Naranja|Durazno|Piña|Frutilla|Manzana|Damasco|Pera|Mango")
family("Bebidas", "Jugo Kapo {f} 200 ml", "Kapo", "=390", "Naranja|Manzana|Piña|Frutilla|Durazno")
family("Bebidas", "Lipton Ice Tea {f} {s}", "Lipton", "500 ml=1190|1,5 L=1890", "Limón|Durazno|Verde")
family("Bebidas", "Fuze Tea {f} {s}", "Fuze Tea", "500 ml=1190|1,5 L=1890", "Limón|Durazno|Frutos Rojos")
family("Bebidas", "Red Bull {f} {s}", "Red Bull", "250 ml=1990|355 ml=2590", "|Sugarfree|Tropical")
family("Bebidas", "Monster {f} 473 ml", "Monster", "=2290", "Energy|Ultra|Mango Loco|Zero Sugar", code="upca")
family("Bebidas", "Score {f} 500 ml", "Score", "=990", "Original|Mango|Sandía|Zero")
family("Bebidas", "Gatorade {f} {s}", "Gatorade", "500 ml=1390|750 ml=1790|1 L=2190",
       "Naranja|Tropical|Uva|Limón|Cool Blue")
family("Bebidas", "Powerade {f} 500 ml", "Powerade", "=1290", "Mora Azul|Naranja|Frutas Tropicales")
family("Bebidas", "Arizona {f} 680 ml", "Arizona", "=1990", "Té Verde|Mango|Sandía|Limón", code="upca")
family("Bebidas", "Jugo en Polvo {f} {b}", "Zuko|Livean|Yuz|Sprim", "=350",
       "Naranja|Piña|Frutilla|Durazno|Limón|Mango|Frambuesa|Manzana|Pera")

# ------------------------------------------------------------------------------------------------ Licores
family("Licores", "Cerveza {b} {s}",
       "Cristal|Escudo|Becker|Royal Guard|Heineken|Corona|Stella Artois|Budweiser|Báltica|Coors",
       "Lata 350 ml=890|Lata 470 ml=1190|Pack 6 x 350 ml=4990")
family("Licores", "Cerveza {b} Retornable 1,2 L", "Cristal|Escudo|Becker|Báltica", "=1990")
single("Licores", "Cerveza Cristal Cero Lata 350 ml", "Cristal", 890)
family("Licores", "Kunstmann {f} {s}", "Kunstmann", "Botella 330 ml=1690|Lata 470 ml=1990",
       "Torobayo|Lager|Gran Torobayo=130|Bock|Sin Alcohol|Honey|Pale Ale")
family("Licores", "Austral {f} {s}", "Austral", "Botella 330 ml=1690|Lata 470 ml=1990",
       "Calafate|Lager|Patagonia|Torres del Paine")
_GRAPES = "Cab. Sauv.|Merlot|Carmenere|Sauv. Blanc|Chardonnay|Syrah"
family("Licores", "Santa Rita 120 {f} 750 ml", "Santa Rita", "=3990", _GRAPES)
family("Licores", "Casillero del Diablo {f} 750 ml", "Concha y Toro", "=6990", _GRAPES)
family("Licores", "Frontera {f} 750 ml", "Concha y Toro", "=2990", _GRAPES)
family("Licores", "Gato {f} 750 ml", "San Pedro", "=2990",
       "Negro Cab. Sauv.|Negro Merlot|Negro Carmenere|Blanco Sauv. Blanc")
family("Licores", "Vino {f} {b} {s}", "Gato|Clos de Pirque|Tocornal", "Tetra 1 L=2490|Tetra 2 L=4290",
       "Tinto|Blanco")
family("Licores", "Misiones de Rengo {f} 750 ml", "Misiones de Rengo", "=4490",
       "Cab. Sauv.|Carmenere|Merlot|Sauv. Blanc")
family("Licores", "Cono Sur Bicicleta {f} 750 ml", "Cono Sur", "=4990",
       "Pinot Noir|Cab. Sauv.|Carmenere|Viognier")
family("Licores", "Undurraga {f} 750 ml", "Undurraga", "=3990", "Cab. Sauv.|Carmenere|Merlot|Sauv. Blanc")
family("Licores", "Tarapacá {f} 750 ml", "Tarapacá", "=4490", "Cab. Sauv.|Carmenere|Merlot|Sauv. Blanc")
family("Licores", "Espumante {b} {f} 750 ml", "Valdivieso|Undurraga|Santa Rita", "=5990", "Brut|Demi Sec")
family("Licores", "Pisco {b} {f} {s}", "Mistral|Alto del Carmen|Capel|Control|Campanario",
       "750 ml=6990|1 L=8490", "35°|40°=115")
family("Licores", "Ron {b} {f} 750 ml", "Bacardí|Havana Club|Mitjans", "=8990", "Blanco|Dorado|Añejo=125")
for _name, _brand, _price in (
    ("Whisky Johnnie Walker Red Label 750 ml", "Johnnie Walker", 16990),
    ("Whisky Johnnie Walker Black Label 750 ml", "Johnnie Walker", 32990),
    ("Whisky Ballantine's 750 ml", "Ballantine's", 14990),
    ("Whisky Chivas Regal 12 750 ml", "Chivas Regal", 34990),
    ("Whisky Jack Daniel's 750 ml", "Jack Daniel's", 27990), ("Whisky Jim Beam 750 ml", "Jim Beam", 15990),
    ("Whisky Old Parr 750 ml", "Old Parr", 29990), ("Gin Beefeater 750 ml", "Beefeater", 17990),
    ("Gin Tanqueray 750 ml", "Tanqueray", 21990), ("Gin Bombay Sapphire 750 ml", "Bombay Sapphire", 23990),
    ("Gin Gordon's 750 ml", "Gordon's", 12990), ("Tequila José Cuervo Especial 750 ml", "José Cuervo", 17990),
    ("Tequila Olmeca Blanco 750 ml", "Olmeca", 14990), ("Licor Araucano 700 ml", "Araucano", 8990),
    ("Licor de Menta Mitjans 700 ml", "Mitjans", 5990), ("Cola de Mono Mitjans 700 ml", "Mitjans", 6490),
    ("Licor de Manzanilla Mitjans 700 ml", "Mitjans", 5990),
    ("Fernet Branca 750 ml", "Fernet Branca", 15990), ("Aperol 750 ml", "Aperol", 13990),
):
    single("Licores", _name, _brand, _price)
family("Licores", "Vodka {b} {s}", "Absolut|Eristoff|Stolichnaya|Smirnoff", "750 ml=10990|1 L=13490")
family("Licores", "Mistral Ice {f} Lata 350 ml", "Mistral", "=1390", "Limón|Piña|Frutos Rojos")

# ---------------------------------------------------------------------------------------- Snacks y Dulces
weighed("Snacks y Dulces", "", "5001 Nueces Mariposa=12990|5002 Almendras=14990|5003 Maní Salado Granel=5990|"
        "5004 Pasas Morenas=4990|5005 Mix Frutos Secos=11990|5006 Maní Confitado=6990|5010 Pasas Rubias=5490|"
        "5011 Castañas de Cajú=16990|5012 Avellanas Europeas=15990|5013 Dátiles=8990")
family("Snacks y Dulces", "Papas Fritas {b} {f} {s}", "Lay's|Evercrisp|Marco Polo",
       "45 g=790|150 g=2290|250 g=3490", "Clásicas|Onduladas|Limón|Merkén")
family("Snacks y Dulces", "Kryzpo {f} 130 g", "Kryzpo", "=2290", "Original|Crema y Cebolla|Queso|Barbecue")
family("Snacks y Dulces", "Ramitas {f} {b} {s}", "Evercrisp|Marco Polo", "45 g=690|250 g=2490",
       "Saladas|Queso|Merkén")
family("Snacks y Dulces", "Suflés {f} Evercrisp {s}", "Evercrisp", "45 g=690|140 g=1690",
       "de Queso|de Maní|Dulces")
family("Snacks y Dulces", "Doritos {f} {s}", "Doritos", "45 g=890|150 g=2390", "Queso|Picante|Pizza")
family("Snacks y Dulces", "Cheetos {f} {s}", "Cheetos", "45 g=790|150 g=2190", "Queso|Horneados")
family("Snacks y Dulces", "Maní {f} {b} {s}", "Marco Polo|Evercrisp", "100 g=990|200 g=1890",
       "Salado|Sin Sal|Japonés|Confitado|Merkén")
family("Snacks y Dulces", "Mix Frutos Secos {b} 100 g", "Marco Polo|Nuts4Nuts", "=1990")
family("Snacks y Dulces", "Galletas Tritón {f} {b} 126 g", "McKay", "=890",
       "Vainilla|Chocolate|Frutilla|Limón|Manjar")
for _name, _brand, _price in (
    ("Galletas Niza McKay 150 g", "McKay", 990), ("Galletas Kuky Clásica McKay 120 g", "McKay", 1090),
    ("Galletas Morocha McKay 150 g", "McKay", 1090), ("Galletas de Vino McKay 150 g", "McKay", 890),
    ("Galletas de Agua McKay 150 g", "McKay", 790), ("Galletas Soda McKay 160 g", "McKay", 890),
    ("Galletas Limón McKay 120 g", "McKay", 890), ("Galletas de Coco McKay 120 g", "McKay", 890),
    ("Galletas Frac Vainilla Costa 130 g", "Costa", 990),
    ("Galletas Frac Chocolate Costa 130 g", "Costa", 990),
    ("Galletas Frac Clásica Costa 130 g", "Costa", 990), ("Galletas Tuareg Costa 120 g", "Costa", 1090),
    ("Galletas Nik Costa 150 g", "Costa", 990), ("Galletas Chips Chocolate Costa 100 g", "Costa", 1190),
):
    single("Snacks y Dulces", _name, _brand, _price)
family("Snacks y Dulces", "Club Social {f} {s}", "Club Social", "26 g=290|Pack 6=1890",
       "Original|Integral|Queso")
family("Snacks y Dulces", "Galletas Oreo {f} {s}", "Oreo", "108 g=990|Pack 6=3990", "Original|Frutilla")
family("Snacks y Dulces", "Chocolate Sahne-Nuss {f} {s}", "Nestlé", "30 g=990|180 g=4990",
       "Leche|Blanco|Bitter")
single("Snacks y Dulces", "Chocolate Trencito 150 g", "Nestlé", 2990)
single("Snacks y Dulces", "Chocolate Trencito 25 g", "Nestlé", 590, "ean8")
single("Snacks y Dulces", "Super 8 Nestlé 29 g", "Nestlé", 390, "ean8")
single("Snacks y Dulces", "Kit Kat 41,5 g", "Nestlé", 990, "ean8")
family("Snacks y Dulces", "Chocolate {b} {f} {s}", "Costa", "30 g=690|150 g=2790",
       "Leche|Almendras|Bitter 70%|Crocante|Blanco")
single("Snacks y Dulces", "Vizzio Costa 100 g", "Costa", 3290)
family("Snacks y Dulces", "Bon o Bon {f} 15 g", "Arcor", "=250", "Leche|Blanco|Maní", code="ean8")
single("Snacks y Dulces", "Bon o Bon Caja 30 un", "Arcor", 4990)
family("Snacks y Dulces", "Menthoplus {f} {b}", "Arcor", "=350", "Menta|Eucalipto|Frutilla|Strong",
       code="ean8")
single("Snacks y Dulces", "Butter Toffees Arcor 150 g", "Arcor", 1290)
family("Snacks y Dulces", "Gomitas Mogul {f} {b} 80 g", "Arcor", "=790", "Ositos|Gusanos|Frutillas")
family("Snacks y Dulces", "Chupete Pin Pop {f}", "Arcor", "=150", "Frutilla|Sandía|Cereza|Uva", code="ean8")
single("Snacks y Dulces", "Rocklets Arcor 40 g", "Arcor", 690, "ean8")
family("Snacks y Dulces", "Caramelos {f} {b} 150 g", "Ambrosoli", "=990", "Frutales|Menta|Miel")
family("Snacks y Dulces", "Masticables {f} {b}", "Ambrosoli", "=200", "Frutilla|Naranja|Limón|Uva",
       code="ean8")
single("Snacks y Dulces", "Frugelé Ambrosoli 100 g", "Ambrosoli", 890)
family("Snacks y Dulces", "Gomitas {f} {b} 100 g", "Fruna", "=690", "Ositos|Frutillas|Dientes|Gusanitos")
single("Snacks y Dulces", "Calugas de Leche Fruna 150 g", "Fruna", 1190)
single("Snacks y Dulces", "Alfajor de Manjar Fruna", "Fruna", 450, "ean8")
single("Snacks y Dulces", "Alfajor Chocolate Costa", "Costa", 490, "ean8")
family("Snacks y Dulces", "Chicle {b} {f}", "Trident", "=490", "Menta|Hierbabuena|Frutilla|Sandía",
       code="ean8")
family("Snacks y Dulces", "Chicle {b} {f}", "Beldent", "=450", "Menta|Frutilla", code="ean8")
family("Snacks y Dulces", "Barra de Cereal {b} {f}", "Quaker", "=390", "Chocolate|Frutilla|Manzana|Yogurt")
for _name, _brand, _price in (
    ("Reese's Peanut Butter Cups 42 g", "Reese's", 1290),
    ("Hershey's Chocolate Leche 43 g", "Hershey's", 1190),
    ("Hershey's Cookies 'n' Creme 43 g", "Hershey's", 1190), ("M&M's Maní 49 g", "M&M's", 1190),
    ("M&M's Chocolate 45 g", "M&M's", 1190), ("Snickers 52 g", "Snickers", 990), ("Twix 50 g", "Twix", 990),
    ("Milky Way 52 g", "Milky Way", 990), ("Pringles Original 124 g", "Pringles", 3490),
    ("Pringles Crema y Cebolla 124 g", "Pringles", 3490), ("Pringles Queso 124 g", "Pringles", 3490),
    ("Pop-Tarts Frutilla 8 un", "Pop-Tarts", 4990),
):
    single("Snacks y Dulces", _name, _brand, _price, "upca")

# ----------------------------------------------------------------------------------------------- Desayuno
family("Desayuno", "Nescafé {f} {s}", "Nescafé", "50 g=2490|100 g=4290|170 g=6990",
       "Tradición|Fina Selección=115|Gold=150|Descafeinado=120")
family("Desayuno", "Café Dolca {s}", "Dolca", "100 g=3290|170 g=4990")
family("Desayuno", "Café Haiti Molido {s}", "Haiti", "250 g=5990|500 g=10990")
family("Desayuno", "Nescafé Cappuccino {f} 10 un", "Nescafé", "=2990", "Clásico|Vainilla|Mocca")
family("Desayuno", "Té {b} {s}", "Supremo|Lipton|Club|Dilmah|Cambridge",
       "20 bolsitas=990|50 bolsitas=1990|100 bolsitas=3490")
family("Desayuno", "Té Verde {b} 20 bolsitas", "Supremo|Lipton|Dilmah|Club", "=1290")
family("Desayuno", "Infusión {f} {b} 20 bolsitas", "Supremo|Club|Lipton", "=1190",
       "Manzanilla|Menta|Boldo|Cedrón")
family("Desayuno", "Cereal {f} {b} {s}", "Nestlé", "330 g=3490|640 g=5990",
       "Chocapic|Trix|Fitness|Nesquik|Estrellitas|Milo")
family("Desayuno", "Cereal {f} {b} {s}", "Kellogg's", "290 g=3490|500 g=5490",
       "Zucaritas|Corn Flakes|Choco Krispis|Froot Loops|Special K|All-Bran")
family("Desayuno", "Avena {f} {b} {s}", "Quaker", "500 g=1790|900 g=2990", "Tradicional|Instantánea")
family("Desayuno", "Mermelada {f} {b} 250 g", "Watt's|Dos Caballos", "=1290",
       "Frutilla|Damasco|Durazno|Mora|Frambuesa|Ciruela")
family("Desayuno", "Mermelada Light {f} {b} 250 g", "Regimel", "=1690", "Frutilla|Damasco|Mora")
family("Desayuno", "Leche en Polvo {b} {s}", "Nido|Colun|Loncoleche|Svelty", "400 g=4490|800 g=8490")
family("Desayuno", "Nesquik Chocolate {s}", "Nestlé", "200 g=1990|400 g=3490|800 g=5990")
family("Desayuno", "Milo {s}", "Nestlé", "200 g=2190|400 g=3790|800 g=6490")
family("Desayuno", "Cola Cao {s}", "Cola Cao", "200 g=2090|400 g=3690|800 g=6290")
family("Desayuno", "Endulzante {f} {b} 200 ml", "Iansa|Daily|Splenda", "=2690", "Sucralosa|Stevia")

# --------------------------------------------------------------------------------------------- Congelados
family("Congelados", "Helado {f} {b} {s}", "Savory|Bresler", "1 L=3990|2 L=6490",
       "Vainilla|Chocolate|Frutilla|Chirimoya|Lúcuma|Manjar|Cassata|Menta Chip")
family("Congelados", "Magnum {f}", "Bresler", "=1990", "Clásico|Almendras|Blanco")
for _name, _price in (("Chirimoya Alegre Savory", 1190), ("Danky Savory", 1290), ("Trululú Savory", 990),
                      ("Cassata Savory 1 L", 3490)):
    single("Congelados", _name, "Savory", _price)
family("Congelados", "{f} {b} {s}", "Minuto Verde|Frutos del Maipo", "500 g=1990|1 kg=3490",
       "Arvejas|Choclo|Porotos Verdes|Mix Primavera|Espinaca|Brócoli=120|Habas|Mix Salteado=110")
family("Congelados", "{f} {b} 500 g", "Minuto Verde|Frutos del Maipo", "=2990",
       "Frutillas|Frambuesas=130|Berries=125")
family("Congelados", "Papas Prefritas {b} {s}", "McCain|Minuto Verde|Frutos del Maipo", "1 kg=2990|2 kg=5490")
family("Congelados", "{f} {b} 1 kg", "Super Pollo|Ariztía", "=4990",
       "Pechuga Deshuesada=130|Trutro Entero=80|Trutro Corto=80|Alitas=85")
family("Congelados", "Nuggets de Pollo {b} {s}", "Super Pollo|Ariztía|PF", "400 g=3290|1 kg=6990")
family("Congelados", "Hamburguesas {f} {b} {s}", "PF|San Jorge", "4 un=2990|10 un=6490",
       "de Vacuno|de Pollo|de Cerdo=95")
for _name, _price in (
    ("Filete de Merluza Camanchaca 500 g", 4490), ("Salmón Porciones Camanchaca 500 g", 8990),
    ("Apanado de Merluza Camanchaca 400 g", 3990), ("Camarones Cocidos Camanchaca 400 g", 6990),
):
    single("Congelados", _name, "Camanchaca", _price)
single("Congelados", "Bolsa de Hielo 2 kg", "", 1490)
single("Congelados", "Bolsa de Hielo 5 kg", "", 2990)

# ----------------------------------------------------------------------------------------------- Limpieza
family("Limpieza", "Detergente Polvo {b} {s}", "Omo|Drive|Ace|Popeye|Ariel", "800 g=3490|3 kg=10990")
family("Limpieza", "Detergente Líquido {b} {s}", "Omo|Drive|Ace|Popeye|Ariel", "3 L=9990|5 L=14990")
family("Limpieza", "Suavizante {b} {s}", "Fuzol|Soft|Downy|Comfort", "1 L=2490|3 L=5990")
family("Limpieza", "Lavaloza {b} {f} {s}", "Quix|Magistral|Axion", "500 ml=1690|1 L=2790",
       "Limón|Concentrado=115")
family("Limpieza", "Cloro {b} {s}", "Clorox|Clorinda|Igenix", "1 L=1190|2 L=1990")
family("Limpieza", "Cloro Gel {b} 900 ml", "Clorox|Clorinda|Igenix", "=1990")
family("Limpieza", "Limpiapisos {b} {f} {s}", "Poett|Procenex", "900 ml=1490|1,8 L=2490",
       "Lavanda|Bebé|Primavera|Floral")
family("Limpieza", "Lysol Aerosol {f} 360 ml", "Lysol", "=4990", "Original|Lavanda|Brisa Fresca")
family("Limpieza", "Cif {f} 500 ml", "Cif", "=2490", "Crema Original|Baño|Cocina|Vidrios")
family("Limpieza", "Mr. Músculo {f} 500 ml", "Mr. Músculo", "=2990", "Cocina|Baño|Vidrios")
for _name, _price in (
    ("Esponja Virutex 3 un", 1290), ("Esponja Acero Virutex 3 un", 990), ("Paño Esponja Virutex 3 un", 1490),
    ("Guantes de Goma Virutex M", 1490), ("Guantes de Goma Virutex G", 1490), ("Escobillón Virutex", 3990),
    ("Virulana Virutex 6 un", 990),
):
    single("Limpieza", _name, "Virutex", _price)
family("Limpieza", "Bolsas de Basura {b} {f} 10 un", "Virutex", "=1490", "50x70=80|70x90|80x110=130")
family("Limpieza", "Papel Higiénico {b} {s}", "Confort|Elite|Noble|Favorita", "4 rollos=2490|12 rollos=6990")
family("Limpieza", "Papel Hig. Doble Hoja {b} {s}", "Confort|Elite|Noble|Favorita",
       "4 rollos=3090|12 rollos=8690")
family("Limpieza", "Toalla de Papel {b} {s}", "Nova|Elite|Favorita", "2 rollos=1990|3 rollos=2890")
family("Limpieza", "Servilletas {b} {s}", "Nova|Elite|Favorita", "100 un=890|300 un=1990")
family("Limpieza", "{b} {f} 360 ml", "Raid|Baygon", "=4490", "Mata Moscas y Zancudos|Cucarachas")
single("Limpieza", "Lustramuebles Blem 360 ml", "Blem", 3990)
family("Limpieza", "Aromatizante {b} {f} 360 ml", "Glade|Poett", "=2990", "Lavanda|Citrus|Floral|Bebé")

# ------------------------------------------------------------------------------------------ Aseo Personal
family("Aseo Personal", "Pasta Dental {b} {f} {s}", "Colgate", "90 g=2190|150 g=3190",
       "Total 12=140|Herbal|Triple Acción|Sensitive=160|Kids")
single("Aseo Personal", "Pasta Dental Colgate Luminous White 90 g", "Colgate", 3290)
family("Aseo Personal", "Pasta Dental {b} {f} {s}", "Pepsodent", "90 g=2190|150 g=3190",
       "Clásica|Whitening=120|Herbal")
family("Aseo Personal", "Pasta Dental {b} {f} 90 g", "Sensodyne", "=4490", "Original|Blanqueadora")
family("Aseo Personal", "Cepillo Dental {b} {f}", "Colgate|Oral-B", "=1490", "Suave|Medio|Kids")
family("Aseo Personal", "Enjuague Bucal {b} {s}", "Listerine|Colgate Plax", "250 ml=3490|500 ml=5490")
family("Aseo Personal", "Jabón {b} {f} {s}", "Dove|Le Sancy|Lux|Protex|Ballerina", "90 g=890|Pack 3=2390",
       "Original|Avena|Aloe Vera")
family("Aseo Personal", "Jabón Líquido {b} {s}", "Dove|Le Sancy|Protex|Ballerina",
       "250 ml=2490|Recarga 750 ml=3990")
family("Aseo Personal", "Shampoo Head & Shoulders {f} {s}", "Head & Shoulders", "180 ml=3990|375 ml=6490",
       "Original|Menthol|Manzana|2 en 1")
family("Aseo Personal", "Shampoo Pantene {f} {s}", "Pantene", "200 ml=3490|400 ml=5490",
       "Restauración|Liso Extremo|Rizos Definidos|Control Caída")
family("Aseo Personal", "Shampoo Sedal {f} {s}", "Sedal", "340 ml=2990|650 ml=4990",
       "Ceramidas|Rizos Definidos|Liso Perfecto|Crecimiento")
family("Aseo Personal", "Shampoo Ballerina {f} 750 ml", "Ballerina", "=2990", "Manzanilla|Palta|Romero")
family("Aseo Personal", "Shampoo Dove {f} 400 ml", "Dove", "=4990", "Reconstrucción|Óleo Nutrición")
family("Aseo Personal", "Shampoo Elvive {f} 400 ml", "Elvive", "=4990",
       "Reparación Total 5|Hidra Hialurónico")
family("Aseo Personal", "Bálsamo {b} {f} 300 ml", "Pantene|Sedal|Dove|Elvive", "=3490",
       "Reparación|Rizos|Liso")
family("Aseo Personal", "Desodorante {b} {f} {s}", "Rexona|Dove|Nivea",
       "Aerosol 150 ml=3290|Roll-On 50 ml=2490", "Mujer|Hombre")
family("Aseo Personal", "Desodorante Axe {f} 150 ml", "Axe", "=3490", "Apollo|Black|Dark Temptation|Marine")
family("Aseo Personal", "Toalla Hig. {b} {f} {s}", "Kotex|Ladysoft|Nosotras", "8 un=1490|16 un=2690",
       "Normal|Nocturna=115|Ultradelgada=110")
family("Aseo Personal", "Protector Diario {b} {s}", "Kotex|Ladysoft|Nosotras", "20 un=1490|40 un=2690")
family("Aseo Personal", "Gillette Prestobarba 3 {s}", "Gillette", "2 un=2990|4 un=4990")
family("Aseo Personal", "Afeitadora Bic Comfort 3 {s}", "Bic", "2 un=2490|4 un=4290")
for _name, _brand, _price in (
    ("Gel de Afeitar Gillette 200 ml", "Gillette", 4490),
    ("Espuma de Afeitar Gillette 150 ml", "Gillette", 3990),
    ("Crema Nivea Lata 150 ml", "Nivea", 4490), ("Crema Corporal Nivea 400 ml", "Nivea", 5990),
    ("Crema Hinds Clásica 250 ml", "Hinds", 3490), ("Crema Hinds Rosa Mosqueta 250 ml", "Hinds", 3790),
    ("Protector Solar Nivea FPS 50 200 ml", "Nivea", 12990),
    ("Cotonitos Johnson's 100 un", "Johnson's", 1490),
    ("Pañuelos Desechables Elite 6 un", "Elite", 1290),
    ("Pañuelos Desechables Kleenex 6 un", "Kleenex", 1490),
):
    single("Aseo Personal", _name, _brand, _price)

# ----------------------------------------------------------------------------------------------- Mascotas
weighed("Mascotas", "", "6001 Alimento Perro Adulto Granel=1690|6002 Alimento Perro Cachorro Granel=1990|"
        "6003 Alimento Gato Granel=2490")
family("Mascotas", "{b} {f} {s}", "Master Dog|Champion Dog|Dog Chow|Pedigree",
       "1 kg=2490|3 kg=6990|15 kg=26990", "Adulto|Cachorro=110")
family("Mascotas", "{b} {f} {s}", "Whiskas|Cat Chow|Master Cat", "1 kg=3490|3 kg=8990", "Adulto|Gatito=110")
family("Mascotas", "Whiskas Sachet {f} 85 g", "Whiskas", "=690", "Carne|Pollo|Pescado|Atún")
family("Mascotas", "Felix Sachet {f} 85 g", "Felix", "=790", "Carne|Pollo|Salmón")
family("Mascotas", "Pedigree Sobre {f} 100 g", "Pedigree", "=790", "Carne|Pollo")
family("Mascotas", "Arena Sanitaria {b} {s}", "Sanicat", "4 kg=3990|10 kg=8490")
single("Mascotas", "Pedigree Dentastix 7 un", "Pedigree", 2990)

# --------------------------------------------------------------------------------------------------- Bebé
family("Bebé", "Pañales {b} {f} {s}", "Huggies|Pampers|Babysec", "30 un=9990|60 un=17990", "P|M|G|XG|XXG")
family("Bebé", "Toallitas Húmedas {b} {s}", "Huggies|Pampers|Babysec", "48 un=1990|80 un=2990")
family("Bebé", "Colado {f} {b} 113 g", "Nestlé", "=990", "Manzana|Pera|Durazno|Plátano|Ciruela|Frutas Mixtas")
family("Bebé", "Fórmula Infantil NAN {f} 800 g", "Nestlé", "=17990", "1|2|3")
family("Bebé", "Shampoo Johnson's Baby {s}", "Johnson's", "200 ml=2990|400 ml=4490")
single("Bebé", "Colonia Johnson's Baby 200 ml", "Johnson's", 3490)
single("Bebé", "Aceite Johnson's Baby 200 ml", "Johnson's", 3990)
single("Bebé", "Jabón Johnson's Baby 90 g", "Johnson's", 1190)
single("Bebé", "Hipoglós Crema 60 g", "Hipoglós", 4490)

# ------------------------------------------------------------------------------- Exentos (no IVA in Chile)
single("Exentos", "Carga Bip! $2.000", "Bip!", 2000, iva_exempt=True, stock="999")
single("Exentos", "Carga Bip! $5.000", "Bip!", 5000, iva_exempt=True, stock="999")
single("Exentos", "Estampilla Correos Carta Nacional", "Correos de Chile", 900, iva_exempt=True, stock="100")
single("Exentos", "Cartón Lotería", "Lotería", 1000, iva_exempt=True, stock="50")


def _crc(text: str) -> int:
    return zlib.crc32(text.encode("utf-8"))


def _barcodes(items: list[Item]) -> dict[str, str]:
    """Name -> barcode. EAN-13s are 780 + a 4-digit company per brand + a 5-digit item; stable per name."""
    companies: dict[str, int] = {}
    for brand in sorted({i.brand for i in items if i.code == "ean13"}):
        company = 1000 + _crc(brand) % 8000  # 1000..8999: prefix 7809 is left to generated catalogs
        while company in companies.values():
            company = 1000 + (company - 999) % 8000
        companies[brand] = company
    barcodes: dict[str, str] = {}
    taken: set[str] = set()
    for item in sorted(items, key=lambda i: i.name):
        if item.code == "plu":
            continue
        ref = _crc(item.name)
        while True:
            if item.code == "ean13":
                body = f"780{companies[item.brand]:04d}{ref % 100000:05d}"
            elif item.code == "ean8":
                body = f"780{ref % 10000:04d}"
            else:
                body = f"{UPC_COMPANY[item.brand]}{ref % 100000:05d}"
            barcode = body + gtin_check_digit(body)
            if barcode not in taken:
                break
            ref += 1
        taken.add(barcode)
        barcodes[item.name] = barcode
    return barcodes


def _stock(item: Item) -> str:
    if item.stock:
        return item.stock
    rng = random.Random(f"stock|{item.name}")
    if item.code == "plu":
        low, high = WEIGHED_STOCK_KG[item.category]
        grams = rng.randint(low * 200, high * 200) * 5
        return f"{grams // 1000}.{grams % 1000:03d}"
    return str(rng.randint(*UNIT_STOCK[item.category]))


def _problems(items: list[Item]) -> list[str]:
    problems = []
    names = [i.name for i in items]
    problems += [f"duplicate name: {n}" for n in sorted({n for n in names if names.count(n) > 1})]
    problems += [f"name over {MAX_NAME_LENGTH} chars: {n}" for n in names if len(n) > MAX_NAME_LENGTH]
    plus = [i.plu for i in items if i.plu]
    problems += [f"duplicate PLU: {p}" for p in sorted({p for p in plus if plus.count(p) > 1})]
    problems += [f"unknown category: {i.category}" for i in items if i.category not in CATEGORIES]
    problems += [f"favourite not in catalog: {n}" for n in sorted(FAVOURITES - set(names))]
    return problems


def main() -> int:
    """Rewrite catalog.csv from ``ITEMS``; exit status 1 (and no file written) if the data is inconsistent."""
    if problems := _problems(ITEMS):
        print("\n".join(problems), file=sys.stderr)
        return 1
    items = sorted(ITEMS, key=lambda i: CATEGORIES.index(i.category))
    barcodes = _barcodes(items)
    with CATALOG_CSV.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(COLUMNS)
        for number, item in enumerate(items, start=1):
            writer.writerow((
                f"ALM-{number:06d}", item.name, item.brand, item.category, item.price,
                "kg" if item.code == "plu" else "unit", barcodes.get(item.name, ""), item.plu,
                int(item.iva_exempt), int(item.name in FAVOURITES), _stock(item),
            ))  # fmt: skip
    weighed_count = sum(i.code == "plu" for i in items)
    print(f"wrote {len(items)} products ({weighed_count} by kg) to {CATALOG_CSV}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
