"""Receipt and report rendering: golden bytes, decoded text, code page, images, preview PNGs."""

from __future__ import annotations

import dataclasses
import os
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import barcode
import pytest
import qrcode
import zxingcpp
from barcode.writer import ImageWriter
from escpos.printer import Dummy
from PIL import Image

from desktop.drivers import escpos_decode, escpos_render
from desktop.drivers.receipt import PaperWidth, Receipt, ReceiptLine, ReceiptTender, TextReport
from shared import money
from shared.money import format_clp

GOLDEN = Path(__file__).parent / "golden"
ARTIFACTS = Path(__file__).resolve().parents[3] / "artifacts" / "receipts"
CP858 = 19


SAMPLE_LINES = (
    ReceiptLine("Pan amasado Panadería La Espiga", Decimal("0.512"), "kg", 1990, 1019),
    ReceiptLine("Ñandú de peluche", Decimal("2"), "unit", 1150, 2100, discount=200),
    ReceiptLine("ÁRBOL de Navidad 1,2 m con luces LED multicolor y estrella", Decimal("1"), "unit", 12990,
                12990),
    ReceiptLine("Palta Hass", Decimal("1.230"), "kg", 5000, 6150),
    ReceiptLine("Agua mineral sin gas 1,5 L", Decimal("3"), "unit", 890, 2670),
)


def sample_receipt(**changes: object) -> Receipt:
    """A consistent sale: $500 of it exempt, a $300 sale discount, $10.000 by debit and $15.000 in cash."""
    discount, exento, debit, cash = 300, 500, 10000, 15000
    total = sum(line.amount for line in SAMPLE_LINES) - discount
    split = money.split_iva(total - exento, exento)
    cash_due = money.round_cash(total - debit)
    receipt = Receipt(
        store_name="Minimarket Doña Ángela",
        store_rut="76.123.456-7",
        store_address="Av. Irarrázaval 1234, Ñuñoa, Santiago",
        store_giro="Venta al por menor de alimentos y bebidas en almacenes",
        title="COMPROBANTE DE VENTA",
        number="000123",
        issued_at=datetime(2026, 11, 5, 14, 32, 10),
        cashier="Ana Pérez",
        terminal="2",
        lines=SAMPLE_LINES,
        discount=discount,
        total=total,
        neto=split.neto,
        iva=split.iva,
        exento=split.exento,
        rounding=cash_due - (total - debit),
        tenders=(ReceiptTender("Débito", debit), ReceiptTender("Efectivo", cash)),
        change=cash - cash_due,
        footer=("¿Algo más? Pídalo en caja", "¡Gracias por su compra!"),
    )
    return dataclasses.replace(receipt, **changes)  # type: ignore[arg-type]


def sample_report() -> TextReport:
    return TextReport(
        title="INFORME Z",
        header=("Minimarket Doña Ángela", "Caja 2 · Turno 45", "05-11-2026 08:00 a 05-11-2026 21:10"),
        rows=(
            ("Ventas", ""),
            ("Boletas emitidas", "87"),
            ("Total ventas", "$1.234.560"),
            ("-- medios de pago", ""),
            ("Medios de pago", ""),
            ("Efectivo", "$734.560"),
            ("Débito", "$400.000"),
            ("Crédito", "$80.000"),
            ("Transferencia", "$20.000"),
            ("--", ""),
            ("Arqueo de caja", ""),
            ("Fondo inicial", "$50.000"),
            ("Efectivo esperado", "$784.560"),
            ("Efectivo contado", "$784.550"),
            ("Diferencia", "-$10"),
        ),
        footer=("Firma cajero: ______________", "Firma encargado: ___________"),
    )


def qr_image(content: str, box_size: int) -> Image.Image:
    code = qrcode.QRCode(box_size=box_size, border=2)
    code.add_data(content)
    code.make(fit=True)
    image: Image.Image = code.make_image().get_image()
    return image


def ean13_image(digits: str) -> Image.Image:
    image: Image.Image = barcode.EAN13(digits, writer=ImageWriter()).render(
        {"dpi": 203, "module_height": 10, "quiet_zone": 3})
    return image


def save_preview(data: bytes, width: PaperWidth, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    escpos_decode.to_image(data, width.dots).save(path)
    return path


GOLDEN_CASES = {
    "receipt_58": lambda: escpos_render.render_receipt(sample_receipt(), PaperWidth.MM58),
    "receipt_80": lambda: escpos_render.render_receipt(sample_receipt(), PaperWidth.MM80),
    "z_report_80": lambda: escpos_render.render_report(sample_report(), PaperWidth.MM80),
}


@pytest.mark.parametrize("name", sorted(GOLDEN_CASES))
def test_golden_bytes(name: str) -> None:
    data = GOLDEN_CASES[name]()
    path = GOLDEN / f"{name}.bin"
    if os.environ.get("UPDATE_GOLDEN") == "1":
        GOLDEN.mkdir(exist_ok=True)
        path.write_bytes(data)
    assert path.exists(), f"missing {path}; create it with UPDATE_GOLDEN=1 pytest {__file__}"
    expected = path.read_bytes()
    if data != expected:
        offset = next((i for i, (a, b) in enumerate(zip(data, expected, strict=False)) if a != b),
                      min(len(data), len(expected)))
        preview = save_preview(data, PaperWidth.MM58 if "58" in name else PaperWidth.MM80, f"{name}_new")
        pytest.fail(
            f"{name}: rendered bytes differ from {path} at offset {offset} "
            f"(got {data[offset:offset + 16]!r}, golden {expected[offset:offset + 16]!r}; "
            f"{len(data)} vs {len(expected)} bytes). Look at {preview}; if the new layout is intended, "
            f"rewrite the golden files with UPDATE_GOLDEN=1 and commit them."
        )


@pytest.mark.parametrize("width", list(PaperWidth))
def test_receipt_decodes_to_lines_within_the_paper(width: PaperWidth) -> None:
    receipt = sample_receipt()
    data = escpos_render.render_receipt(receipt, width)
    decoded = escpos_decode.decode(data)

    too_long = [line for line in decoded.text_lines if line.columns > width.columns]
    assert not too_long
    assert decoded.codepages == [CP858]
    assert decoded.cut
    assert decoded.drawer_kicks == 0
    text = "\n".join(decoded.lines)
    for word in ("Panadería", "Ñandú", "ÁRBOL", "¿Algo más?", "¡Gracias por su compra!", "Doña", "N° 000123",
                 "Irarrázaval", "Débito"):
        assert word in text
    total = next(line for line in decoded.text_lines if line.text.startswith("TOTAL"))
    assert total.text.endswith(format_clp(receipt.total)) and total.bold and total.height_mult == 2
    assert len(total.text) == width.columns
    for label, amount in (("Neto", receipt.neto), ("IVA 19%", receipt.iva), ("Exento", receipt.exento),
                          ("Redondeo (Ley 20.956)", receipt.rounding), ("Vuelto", receipt.change),
                          ("Efectivo", 15000), ("Total a pagar", receipt.total + receipt.rounding)):
        assert any(line.startswith(label) and line.endswith(format_clp(amount)) for line in decoded.lines)
    assert any(line.strip().startswith("2 x $1.150") and line.endswith("$2.300") for line in decoded.lines)
    assert any(line.startswith("  Descuento") and line.endswith("-$200") for line in decoded.lines)
    assert any(line.startswith("Descuento") and line.endswith("-$300") for line in decoded.lines)
    assert any(line.strip().startswith("0,512 kg x $1.990/kg") and line.endswith("$1.019")
               for line in decoded.lines)
    assert "05-11-2026 14:32" in text
    assert receipt.rounding != 0 and receipt.neto + receipt.iva + receipt.exento == receipt.total
    assert any(line.startswith("Subtotal") and line.endswith(format_clp(receipt.total + 300))
               for line in decoded.lines)
    save_preview(data, width, f"receipt_{width.name.lower()}")


def test_report_layout() -> None:
    report = sample_report()
    data = escpos_render.render_report(report, PaperWidth.MM58)
    decoded = escpos_decode.decode(data)
    assert all(line.columns <= 32 for line in decoded.text_lines)
    assert decoded.codepages == [CP858] and decoded.cut
    headings = [line.text for line in decoded.text_lines if line.bold]
    assert headings[:1] == ["INFORME Z"] and {"Ventas", "Medios de pago", "Arqueo de caja"} <= set(headings)
    assert sum(1 for line in decoded.lines if line == "-" * 32) == 4
    assert "Diferencia" + " " * 18 + "-$10" in decoded.lines
    save_preview(data, PaperWidth.MM58, "z_report_mm58")
    save_preview(escpos_render.render_report(report, PaperWidth.MM80), PaperWidth.MM80, "z_report_mm80")


def test_drawer_kick_only_when_asked() -> None:
    plain = escpos_decode.decode(escpos_render.render_receipt(sample_receipt(), PaperWidth.MM80))
    kicked_bytes = escpos_render.render_receipt(sample_receipt(), PaperWidth.MM80, open_drawer=True)
    assert plain.drawer_kicks == 0
    assert escpos_decode.decode(kicked_bytes).drawer_kicks == 1
    assert b"\x1bp\x0022" in kicked_bytes
    uncut = escpos_decode.decode(escpos_render.render_receipt(sample_receipt(), PaperWidth.MM80, cut=False))
    assert not uncut.cut


def test_same_input_same_bytes() -> None:
    first = escpos_render.render_receipt(sample_receipt(timbre=qr_image("x", 4)), PaperWidth.MM58)
    assert first == escpos_render.render_receipt(sample_receipt(timbre=qr_image("x", 4)), PaperWidth.MM58)


def test_code_page_is_pinned_and_sent_after_reset() -> None:
    data = escpos_render.render_receipt(sample_receipt(), PaperWidth.MM80)
    assert data.startswith(b"\x1b@\x1bt\x13")
    assert data.count(b"\x1bt") == 1
    assert "Ñandú".encode("cp858") in data and "ÁRBOL".encode("cp858") in data


def test_characters_outside_cp858_become_question_marks() -> None:
    lines = (ReceiptLine("Café ☕ 中文 € ok", Decimal("1"), "unit", 990, 990),
             ReceiptLine("tab\there\x1b@esc", Decimal("1"), "unit", 10, 10))
    decoded = escpos_decode.decode(escpos_render.render_receipt(sample_receipt(lines=lines), PaperWidth.MM80))
    assert "Café ? ?? € ok" in decoded.lines
    assert "tab here?@esc" in decoded.lines
    assert decoded.codepages == [CP858]


def test_long_texts_are_wrapped_or_cut_to_the_paper() -> None:
    long_name = "Galletas " + "super" * 30
    receipt = sample_receipt(
        store_name="Supermercado y Botillería Los Tres Hermanos de Puente Alto",
        cashier="María José de las Mercedes Fernández Ñancupil",
        lines=(ReceiptLine(long_name, Decimal("9999"), "unit", 999_999, 999_999_999 - 1, discount=1),),
        total=999_999_999, neto=840_336_134, iva=159_663_865, exento=0, rounding=1,
        tenders=(ReceiptTender("Transferencia", 999_999_999),), change=0)
    decoded = escpos_decode.decode(escpos_render.render_receipt(receipt, PaperWidth.MM58))
    assert all(line.columns <= 32 for line in decoded.text_lines)
    assert any(line.endswith("$999.999.999") for line in decoded.lines)
    assert sum(1 for line in decoded.lines if "super" in line) == 2
    assert "Exento" not in "\n".join(decoded.lines)


def test_reprint_is_marked_at_the_top() -> None:
    def render(receipt: Receipt) -> escpos_decode.Decoded:
        return escpos_decode.decode(escpos_render.render_receipt(receipt, PaperWidth.MM58))

    decoded = render(sample_receipt(reprint=True))
    assert decoded.text_lines[0].text == "*** REIMPRESIÓN ***" and decoded.text_lines[0].bold
    assert sum(1 for line in decoded.lines if line.startswith("N°")) == 1
    assert "N° 77" in render(sample_receipt(number="N° 77")).lines
    normal = render(sample_receipt())
    assert "*** REIMPRESIÓN ***" not in normal.lines


@pytest.mark.parametrize("width", list(PaperWidth))
@pytest.mark.parametrize(("kind", "content"), [
    ("qr_small", "https://example.cl/boleta/123?rut=76123456-7"),
    ("qr_too_wide", "https://example.cl/b/1"),
    ("ean13", "7801234567894"),
])
def test_timbre_comes_back_as_a_readable_raster(width: PaperWidth, kind: str, content: str) -> None:
    if kind == "ean13":
        image = ean13_image(content[:12])
    else:
        image = qr_image(content, 20 if kind == "qr_too_wide" else 4)
    assert (image.width > width.dots) == (kind == "qr_too_wide")
    legends = ("Timbre Electrónico SII", "Res. 80 de 2014 - Verifique documento: www.sii.cl")
    receipt = sample_receipt(timbre=image, timbre_legends=legends, title="BOLETA ELECTRÓNICA")
    data = escpos_render.render_receipt(receipt, width)
    decoded = escpos_decode.decode(data)

    assert len(decoded.images) == 1
    raster = decoded.images[0]
    assert raster.width == width.dots
    results = zxingcpp.read_barcodes(raster)
    assert [r.text for r in results] == [content]
    assert all(line.columns <= width.columns for line in decoded.text_lines)
    flow = [item.text if isinstance(item, escpos_decode.TextLine) else "<image>" for item in decoded.flow]
    assert flow.index("<image>") > next(i for i, t in enumerate(flow) if t.startswith("Vuelto"))
    assert flow[flow.index("<image>") + 1] == "Timbre Electrónico SII"
    save_preview(data, width, f"boleta_{kind}_{width.name.lower()}")


def test_logo_is_printed_first_and_fits() -> None:
    logo = Image.new("L", (800, 100), 255)
    logo.paste(0, (100, 20, 700, 80))
    decoded = escpos_decode.decode(escpos_render.render_receipt(sample_receipt(), PaperWidth.MM58, logo=logo))
    assert isinstance(decoded.flow[0], Image.Image)
    assert decoded.images[0].size == (384, 48)


def test_fit_image_centres_without_enlarging() -> None:
    strip = escpos_render.fit_image(Image.new("1", (100, 10), 0), 384, dither=False)
    assert strip.size == (384, 10)
    assert strip.getpixel((141, 5)) == 255 and strip.getpixel((142, 5)) == 0
    assert strip.getpixel((241, 5)) == 0 and strip.getpixel((242, 5)) == 255


def test_decoder_skips_other_commands_and_names_unknown_offsets() -> None:
    data = (b"\x1b@\x1bt\x02\x1bM\x01\x1d\x42\x00\x1b{\x00\x1dh\x3c\x1dk\x02123456789012\x00"
            b"\x1d(k\x03\x001Q0\x1dk\x49\x03{B1" b"\x1b!\x20AB\n\x10\x04\x01\x1bp\x01\x32\x32\x1dV\x41\x03")
    decoded = escpos_decode.decode(data, codepage="cp850")
    assert decoded.lines == ["AB"] and decoded.codepages == [2]
    assert decoded.text_lines[0].columns == 4 and decoded.text_lines[0].width_mult == 2
    assert decoded.cut and decoded.drawer_kicks == 1
    with pytest.raises(ValueError, match="offset 3"):
        escpos_decode.decode(b"ok\n\x1b\xfe")
    with pytest.raises(ValueError, match="offset 0"):
        escpos_decode.decode(b"\x1dv0\x00\x02\x00\x05\x00\xff")


def test_decoder_reads_python_escpos_images() -> None:
    printer = Dummy()
    printer.set(align="center")
    printer.image(qr_image("https://example.cl/b/9", 3), impl="graphics")
    printer.qr("QR nativo=False", size=4)
    decoded = escpos_decode.decode(printer.output)
    assert [r.text for image in decoded.images for r in zxingcpp.read_barcodes(image)] == [
        "https://example.cl/b/9", "QR nativo=False"]
    assert decoded.images[0].info["align"] == 1
    assert escpos_decode.to_image(printer.output, 384).width == 384


def test_paper_width_parse() -> None:
    assert PaperWidth.parse("58mm") is PaperWidth.MM58
    assert PaperWidth.parse("80mm") is PaperWidth.MM80 and PaperWidth.MM80.dots == 576
    assert PaperWidth.parse("80mm-42").columns == 42
    with pytest.raises(ValueError):
        PaperWidth.parse("110mm")


def test_profile_without_cp858_falls_back_to_cp850_and_without_either_fails() -> None:
    data = escpos_render.render_receipt(sample_receipt(), PaperWidth.MM58, profile="ZJ-5870")
    decoded = escpos_decode.decode(data, codepage="cp850")
    assert decoded.codepages == [2] and "Ñandú de peluche" in decoded.lines
    with pytest.raises(ValueError, match="CP858"):
        escpos_render.render_receipt(sample_receipt(), PaperWidth.MM58, profile="simple")


def test_an_enrolled_tills_uuid_never_cuts_the_cashiers_name() -> None:
    receipt = sample_receipt(cashier="Ana", terminal="65ac3640-4349-4b5f-b4a2-864b3fce1965")
    lines = escpos_decode.decode(escpos_render.render_receipt(receipt, PaperWidth.MM80)).lines
    assert any(line.startswith("Cajero: Ana") and line.endswith("Caja: 65ac3640") for line in lines)
    long = sample_receipt(cashier="María José de las Mercedes Fernández", terminal="Caja principal del local 2")
    lines = escpos_decode.decode(escpos_render.render_receipt(long, PaperWidth.MM58)).lines
    assert "Cajero: María José de las Merced" in lines and "Caja: Caja principal del local 2" in lines
