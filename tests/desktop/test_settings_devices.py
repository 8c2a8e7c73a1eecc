"""terminal.toml device sections: reading, validation, writing back, and what ``build`` wires from them."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from desktop import settings as settings_mod
from desktop import terminal as terminal_mod
from desktop.drivers.fakes import FakePrinter, FakeScanner
from desktop.drivers.ports import DrawerConfig
from desktop.drivers.printers import DirectoryPrinter, PrinterConfig
from desktop.drivers.scale_sim import ScaleSimulator
from desktop.drivers.scales.config import ScaleConfig
from desktop.drivers.scales.driver import SerialScale
from desktop.drivers.scales.fakes import FakeScale
from desktop.drivers.scales.reading import ScaleState
from desktop.drivers.scanner import ScaleScanner, ScannerConfig, SerialScanner
from desktop.services.receipts import CashDrawerViaPrinter

FULL = '''
discount_limit_pct = 15

[printer]
kind = "network"
host = "192.168.1.50"
width = "58mm"

[drawer]
pin = 5
enabled = true

[scale]
protocol = "magellan_scc"
port = "/dev/ttyUSB0"
timeout = 0.3
tare_grams = 12

[scanner]
protocol = "magellan_scc"
'''


def write(data: Path, text: str) -> Path:
    data.mkdir(parents=True, exist_ok=True)
    (data / "terminal.toml").write_text(text, "utf-8")
    return data


def test_no_file_means_no_scale_no_serial_scanner_and_a_drawer_on_pin_2(tmp_path):
    s = settings_mod.load(tmp_path)
    assert s.scale is None and s.scanner is None and s.drawer == DrawerConfig(2, True)


def test_device_sections_are_read(tmp_path):
    s = settings_mod.load(write(tmp_path, FULL))
    assert s.printer == PrinterConfig("network", host="192.168.1.50", width="58mm")
    assert s.drawer == DrawerConfig(5, True)
    assert s.scale == ScaleConfig("magellan_scc", "/dev/ttyUSB0", 0.3, 12)
    assert s.scanner == ScannerConfig("magellan_scc") and s.discount_limit_pct == 15


@pytest.mark.parametrize(("text", "words"), [
    ("[scale]\nprotocol = \"acme\"\nport = \"/dev/ttyS0\"\n", "protocolo de balanza desconocido"),
    ("[scale]\nprotocol = \"cas_ecr\"\n", "necesita un puerto"),
    ("[scale]\nprotocol = \"cas_ecr\"\nport = \"x\"\ncolor = \"rojo\"\n", "[scale] claves desconocidas ['color']"),
    ("[scale]\nprotocol = \"cas_ecr\"\nport = 3\n", "[scale] port = 3 no es del tipo esperado"),
    ("[drawer]\npin = 3\n", "pin 2 o 5"),
    ("[drawer]\nenabled = \"sí\"\n", "[drawer] enabled"),
    ("[scanner]\nprotocol = \"plain\"\n", "necesita un puerto"),
    ("[scanner]\nprotocol = \"magellan_scc\"\n", "comparte el puerto"),
    ("[scanner]\nprotocol = \"plain\"\nport = \"/dev/ttyACM0\"\nbaudrate = 1234\n", "velocidad"),
    ("[printer]\nkind = \"network\"\nwidth = \"110mm\"\n", "ancho de papel"),
    ("[printer]\nkind = \"usb\"\nvendor = 1\n", "[printer] claves desconocidas"),
    ("[impresora]\nkind = \"usb\"\n", "claves desconocidas ['impresora']"),
    ("[scale\n", "no es TOML"),
])
def test_bad_device_settings_name_the_problem(tmp_path, text, words):
    with pytest.raises(ValueError) as caught:
        settings_mod.load(write(tmp_path, text))
    assert words in str(caught.value) and "terminal.toml" in str(caught.value)


def test_save_writes_only_known_keys_and_reads_back(tmp_path):
    s = settings_mod.load(write(tmp_path, FULL))
    changed = replace(s, printer=PrinterConfig("usb", vendor_id=0x0416, product_id=0x5011, width="80mm"),
                      scale=ScaleConfig("cas_ecr", "/dev/ttyUSB1"), scanner=ScannerConfig("plain", "/dev/ttyACM0"),
                      drawer=DrawerConfig(2, False))
    path = settings_mod.save(changed)
    text = path.read_text("utf-8")
    assert settings_mod.load(tmp_path) == changed
    assert "vendor_id = 1046" in text and "discount_limit_pct = 15" in text and "data_dir" not in text
    assert not list(tmp_path.glob(".terminal-*"))  # the temporary file was renamed into place
    with pytest.raises(ValueError):
        settings_mod.save(replace(changed, drawer=DrawerConfig(7)))
    assert settings_mod.load(tmp_path) == changed  # nothing written


def test_save_escapes_text(tmp_path):
    s = replace(settings_mod.load(tmp_path), printer=PrinterConfig("file", path='C:\\caja "1"\\lp0'))
    settings_mod.save(s)
    assert settings_mod.load(tmp_path).printer.path == 'C:\\caja "1"\\lp0'


# -- composition ---------------------------------------------------------------------------------------------------

def test_build_uses_the_fakes_in_demo_mode(make_terminal, tmp_path):
    term = make_terminal(printer=None, scale=ScaleConfig("fake"), scanner=ScannerConfig("fake"),
                         data_dir=tmp_path / "demo")
    assert isinstance(term.scale, FakeScale) and term.scale.read().sellable
    assert isinstance(term.scanner, FakeScanner)


def test_build_opens_a_scale_lazily_so_a_missing_one_does_not_stop_the_till(tmp_path, fast_hasher):
    s = replace(settings_mod.TerminalSettings(data_dir=tmp_path), scale=ScaleConfig("toledo8217", "/dev/nope"))
    term = terminal_mod.build(s, create=True, hasher=fast_hasher)
    try:
        assert isinstance(term.scale, SerialScale)
        with pytest.raises(Exception, match="no está conectada"):
            term.scale.read()
        assert isinstance(term.printer, DirectoryPrinter) and isinstance(term.shifts.drawer, CashDrawerViaPrinter)
    finally:
        term.close()


def test_a_magellan_scanner_scale_feeds_scanner_and_scale_from_one_port(tmp_path, fast_hasher):
    with ScaleSimulator("magellan_scc", grams=1230) as simulator:
        s = replace(settings_mod.TerminalSettings(data_dir=tmp_path),
                    scale=ScaleConfig("magellan_scc", simulator.port), scanner=ScannerConfig("magellan_scc"))
        term = terminal_mod.build(s, create=True, hasher=fast_hasher)
        try:
            assert isinstance(term.scanner, ScaleScanner) and term.scanner.scale is term.scale
            assert term.scale.read().grams == 1230
        finally:
            term.close()


def test_apply_devices_switches_printer_scale_and_scanner(make_terminal, tmp_path):
    term = make_terminal()
    codes: list[str] = []
    term.start_scanner(codes.append, codes.append)
    new = replace(term.settings, printer=PrinterConfig("fake", width="58mm"), scale=ScaleConfig("fake"),
                  scanner=ScannerConfig("fake"), drawer=DrawerConfig(5))
    term.apply_devices(new)
    assert isinstance(term.printer, FakePrinter) and term.receipts.width.columns == 32
    assert term.receipts.drawer.pin == 5 and term.settings is new
    assert isinstance(term.scale, FakeScale) and term.scale.read().state is ScaleState.STABLE
    assert isinstance(term.scanner, FakeScanner) and term.scanner.started
    term.scanner.emit("7801234567894")
    assert codes == ["7801234567894"]
    with pytest.raises(ValueError):
        term.apply_devices(replace(new, scanner=ScannerConfig("plain")))
    assert term.settings is new


def test_open_scanner_plain_is_serial(tmp_path):
    from desktop.drivers import scanner

    reader = scanner.open_scanner(ScannerConfig("plain", "/dev/ttyACM9", 19200), None)
    assert isinstance(reader, SerialScanner) and reader.baudrate == 19200
    with pytest.raises(ValueError):
        scanner.open_scanner(ScannerConfig("magellan_scc"), None)
