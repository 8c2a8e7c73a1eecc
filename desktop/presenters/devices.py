"""The device page's presenter: pick printer, paper, drawer, scale and scanner, test them, and save terminal.toml.

Plain Python (no Qt). Only an administrator opens the page (``SessionPresenter.administrator``). Edits change a
``DeviceForm``; "Imprimir prueba" prints on the printer as typed (not yet saved) through the print worker;
"Probar balanza" reads the scale as typed; "Guardar" writes ``terminal.toml`` and puts the devices in use at once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, Protocol

from desktop import settings as settings_mod
from desktop.drivers import printers
from desktop.drivers.ports import DrawerConfig
from desktop.drivers.printers import PrinterConfig
from desktop.drivers.receipt import PaperWidth
from desktop.drivers.scales import Scale, protocols
from desktop.drivers.scales.config import FAKE, ScaleConfig, open_scale
from desktop.drivers.scales.driver import list_serial_ports
from desktop.drivers.scales.probe import ProbeResult, probe_ports
from desktop.drivers.scanner import ScannerConfig
from desktop.presenters.weighing import WeighingPresenter
from desktop.services.receipts import PrintOutcome, ReceiptService

PRINTER_KINDS = (("usb", "USB"), ("network", "Red (IP)"), ("serial", "Puerto serie"),
                 ("file", "Archivo o /dev/usb/lp0"), ("directory", "Carpeta (demostración)"), ("fake", "De prueba"))
TARGET_HINTS = {"usb": "Fabricante:producto en hexadecimal, p. ej. 0416:5011", "network": "IP y puerto, p. ej. "
                "192.168.1.50:9100", "serial": "Puerto, p. ej. /dev/ttyUSB0 o COM3", "file": "p. ej. /dev/usb/lp0",
                "directory": "Carpeta donde quedan los recibos", "fake": "Sin impresora: nada se imprime"}
WIDTHS = (("58mm", "58 mm · 32 columnas"), ("80mm", "80 mm · 48 columnas"), ("80mm-42", "80 mm · 42 columnas"))
SCALES = (("", "Sin balanza (peso escrito)"), *((name, d.title) for name, d in protocols.PROTOCOLS.items()),
          (FAKE, "Balanza de prueba"))
SCANNERS = (("", "Solo lector USB (teclado)"), ("plain", "Lector serie"),
            ("magellan_scc", "Lector de la balanza Magellan"), ("fake", "Lector de prueba"))
PINS = ((2, "Pin 2"), (5, "Pin 5"))


@dataclass(frozen=True, slots=True)
class DeviceForm:
    """The page's fields as typed; ``printer_target`` is host:port, vid:pid or a path depending on the kind."""

    printer_kind: printers.Kind = "directory"
    printer_target: str = ""
    width: str = "80mm"
    drawer_enabled: bool = True
    drawer_pin: int = 2
    scale_protocol: str = ""
    scale_port: str = ""
    scanner_protocol: str = ""
    scanner_port: str = ""


@dataclass(frozen=True, slots=True)
class DevicesView:
    form: DeviceForm
    target_hint: str = ""
    targets: tuple[tuple[str, str], ...] = ()  # suggestions for the printer's target: (value, label)
    ports: tuple[tuple[str, str], ...] = ()  # serial ports: (device, label)
    message: str = ""
    error: bool = False
    printing: bool = False


def form_of(s: settings_mod.TerminalSettings) -> DeviceForm:
    """The page's fields for saved settings."""
    p = s.printer
    target = {"network": f"{p.host}:{p.port}" if p.host else "", "usb": f"{p.vendor_id:04x}:{p.product_id:04x}"
              if p.vendor_id else "", "fake": ""}.get(p.kind, p.path)
    return DeviceForm(p.kind, target, p.width, s.drawer.enabled, s.drawer.pin,
                      s.scale.protocol if s.scale else "", s.scale.port if s.scale else "",
                      s.scanner.protocol if s.scanner else "", s.scanner.port if s.scanner else "")


def printer_config(form: DeviceForm, old: PrinterConfig) -> PrinterConfig:
    """The printer the form describes, keeping the old one's other settings (endpoints, baud, timeout).

    Raises:
        ValueError: a target that does not fit the kind, in Spanish.
    """
    base = old if old.kind == form.printer_kind else PrinterConfig(form.printer_kind)
    target = form.printer_target.strip()
    kind = form.printer_kind
    if kind == "network":
        host, _, port = target.rpartition(":") if target.count(":") == 1 else (target, "", "")
        if not port.isdigit() and port:
            raise ValueError(f"puerto de red no válido: {port!r}")
        return replace(base, host=host.strip(), port=int(port) if port else 9100, width=form.width)
    if kind == "usb":
        try:
            vendor, product = (int(part, 16) for part in target.split(":"))
        except ValueError:
            raise ValueError("escriba el USB como fabricante:producto en hexadecimal, p. ej. 0416:5011") from None
        return replace(base, vendor_id=vendor, product_id=product, width=form.width)
    return replace(base, path="" if kind == "fake" else target, width=form.width)


class Devices(Protocol):
    """The devices the till runs on, as the device page sees them (``desktop.terminal.Terminal`` is one)."""

    @property
    def settings(self) -> settings_mod.TerminalSettings: ...

    @property
    def scale(self) -> Scale | None: ...

    def apply_devices(self, new: settings_mod.TerminalSettings) -> None:
        """Use the devices of ``new`` now. Raises: ValueError for invalid device settings (nothing changed)."""
        ...

    def reopen_scale(self) -> None:
        """Open the configured scale again (after the page borrowed its port)."""
        ...

    def pause_scanner(self) -> None: ...

    def resume_scanner(self) -> None: ...


class DevicesPresenter:
    """The device page. ``readout()`` gives the live weight's presenter; ``close()`` when the page goes."""

    def __init__(self, devices: Devices, receipts: ReceiptService,
                 on_change: Callable[[DevicesView], None] = lambda v: None, *,
                 ports: Callable[[], list[Any]] = list_serial_ports,
                 usb: Callable[[], list[tuple[str, str]]] = printers.list_usb_printers,
                 save: Callable[[settings_mod.TerminalSettings], object] = settings_mod.save,
                 probe: Callable[[list[str]], ProbeResult] = probe_ports) -> None:
        self.devices = devices
        self.receipts = receipts
        self.on_change = on_change
        self._ports, self._usb, self._save, self._probe = ports, usb, save, probe
        self.weighing: WeighingPresenter | None = None
        self._scale: Scale | None = None  # a scale opened only for the readout
        self._borrowed = False  # the terminal's scale was closed to free its port for the readout
        self._test = ""
        self._unlisten = receipts.listen(self._printed)
        devices.pause_scanner()  # the page may try the scanner's port (a Magellan shares the scale's)
        self.view = DevicesView(form_of(devices.settings))
        self.scan_ports()

    def _emit(self, **changes: Any) -> DevicesView:
        self.view = replace(self.view, **changes)
        self.on_change(self.view)
        return self.view

    def edit(self, **fields: Any) -> DevicesView:
        """Change fields of the form (``printer_kind="network"``, ``scale_port="/dev/ttyUSB0"``…)."""
        form = replace(self.view.form, **fields)
        if "printer_kind" in fields and fields["printer_kind"] != self.view.form.printer_kind:
            form = replace(form, printer_target="")
        return self._emit(form=form, target_hint=TARGET_HINTS.get(form.printer_kind, ""),
                          targets=self._targets(form.printer_kind), message="", error=False)

    def scan_ports(self) -> DevicesView:
        """Look again for serial ports and USB printers (something was plugged in)."""
        ports = [(p.device, f"{p.device} · {p.description}" if p.description else p.device) for p in self._ports()]
        form = self.view.form
        known = {device for device, _ in ports}
        for port in (form.scale_port, form.scanner_port):
            if port and port not in known:
                ports.append((port, f"{port} (configurado)"))
                known.add(port)
        self.view = replace(self.view, ports=tuple(ports))
        return self.edit()

    def detect_scale(self) -> DevicesView:
        """Ask every listed serial port for a weight in each protocol (``scales.probe``); the first scale that
        answers is chosen on the form (protocol and port, not saved yet) and told in the message, with the ports
        that could not be opened. Blocks ≤ 1,8 s per silent port; never raises."""
        self.stop_readout()
        ports = [device for device, _label in self.view.ports]
        current = self.devices.settings.scale
        if current is not None and current.port in ports and self.devices.scale is not None:
            self.devices.scale.close()  # one reader per port: given back by close() or Guardar
            self._borrowed = True
        result = self._probe(ports)
        skipped = " ".join(s.reason for s in result.skipped)
        if not result.found:
            text = "No se encontró una balanza en los puertos serie (el peso se escribe)."
            return self._emit(message=f"{text} {skipped}".strip(), error=False)
        scale = result.found[0]
        self.edit(scale_protocol=scale.protocol, scale_port=scale.port)
        return self._emit(message=f"Balanza encontrada: {scale.title} en {scale.port} ({scale.reading.label}). "
                                  f"{skipped}".strip(), error=False)

    def _targets(self, kind: str) -> tuple[tuple[str, str], ...]:
        if kind == "usb":
            return tuple(self._usb())
        return self.view.ports if kind == "serial" else ()

    def settings(self) -> settings_mod.TerminalSettings:
        """The terminal's settings with the page's devices.

        Raises:
            ValueError: something on the page does not fit, in Spanish.
        """
        f, current = self.view.form, self.devices.settings
        scale = ScaleConfig(f.scale_protocol, f.scale_port.strip()) if f.scale_protocol else None
        if scale is not None and current.scale is not None and current.scale.protocol == scale.protocol:
            scale = replace(current.scale, port=scale.port)  # keep its timeout and tare
        port = f.scanner_port.strip() if f.scanner_protocol != "magellan_scc" else ""
        scanner = ScannerConfig(f.scanner_protocol, port) if f.scanner_protocol else None
        new = replace(current, printer=printer_config(f, current.printer), scale=scale, scanner=scanner,
                      drawer=DrawerConfig(f.drawer_pin, f.drawer_enabled))
        settings_mod.validate(new)
        printers.open_printer(new.printer_config())  # checks host, path and USB ids without connecting
        return new

    # -- trying the devices -------------------------------------------------------------------------------------

    def test_print(self) -> DevicesView:
        """Print the test slip on the printer as typed; the outcome arrives through the print worker."""
        try:
            new = self.settings()
        except ValueError as exc:
            return self._emit(message=f"Revise la impresora: {exc}", error=True)
        width = PaperWidth.parse(new.printer.width)
        same = new.printer_config() == self.devices.settings.printer_config()
        printer = None if same else printers.open_printer(new.printer_config())
        self._test = self.receipts.test_print(printer, width).key
        return self._emit(message="Imprimiendo la prueba…", error=False, printing=True)

    def _printed(self, outcomes: list[PrintOutcome]) -> None:
        for outcome in outcomes:
            if outcome.key != self._test:
                continue
            self._test = ""
            if outcome.ok:
                self._emit(message="Prueba enviada. Revise que se lean bien ñ, á, É, ¿ y ¡, y que la regla quepa "
                                   "en una línea.", error=False, printing=False)
            else:
                self._emit(message=f"La prueba no se imprimió: {outcome.message}", error=True, printing=False)

    def readout(self) -> WeighingPresenter | None:
        """A live weight for the scale as typed (started by the page), or ``None`` with the reason shown."""
        self.stop_readout()
        f = self.view.form
        if not f.scale_protocol:
            self._emit(message="Elija el protocolo de la balanza para ver el peso.", error=True)
            return None
        config = ScaleConfig(f.scale_protocol, f.scale_port.strip())
        current = self.devices.settings.scale
        same = current is not None and (current.protocol, current.port) == (config.protocol, config.port)
        if same and self.devices.scale is not None:
            scale = self.devices.scale
        else:
            if current is not None and current.port == config.port and self.devices.scale is not None:
                self.devices.scale.close()  # one reader per port: given back by close() or Guardar
                self._borrowed = True
            try:
                scale = self._scale = open_scale(config)
            except ValueError as exc:
                self._emit(message=f"Revise la balanza: {exc}", error=True)
                return None
        self.weighing = WeighingPresenter(scale)
        self._emit(message=f"Leyendo {config.title} en {config.port or 'memoria'}…", error=False)
        return self.weighing

    def stop_readout(self) -> None:
        if self.weighing is not None:
            self.weighing.stop()
            self.weighing = None
        if self._scale is not None:
            self._scale.close()
            self._scale = None

    def save(self) -> DevicesView:
        """Write terminal.toml and use the new devices now."""
        try:
            new = self.settings()
        except ValueError as exc:
            return self._emit(message=f"No se guardó: {exc}", error=True)
        self.stop_readout()
        try:
            path = self._save(new)
        except OSError as exc:
            return self._emit(message=f"No se pudo escribir la configuración: {exc.strerror or exc}", error=True)
        self.devices.apply_devices(new)
        self._borrowed = False
        return self._emit(form=form_of(new), message=f"Guardado en {path}. Los dispositivos ya están en uso.",
                          error=False)

    def close(self) -> None:
        """The page goes away: stop the readout, stop listening, give the scanner back."""
        self.stop_readout()
        self._unlisten()
        if self._borrowed:
            self.devices.reopen_scale()
            self._borrowed = False
        self.devices.resume_scanner()
