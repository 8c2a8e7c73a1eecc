"""USB printers offered on the device page: class-7 interfaces only, and no error when libusb is missing."""

from __future__ import annotations

from types import SimpleNamespace

import usb.core

from desktop.drivers import printers


class Device:
    def __init__(self, vendor: int, product: int, *classes: int) -> None:
        self.idVendor, self.idProduct = vendor, product
        self.configs = [[SimpleNamespace(bInterfaceClass=c) for c in classes]]

    def __iter__(self):
        return iter(self.configs)


class Vanished(Device):
    @property
    def configs(self):
        raise usb.core.USBError("No such device", errno=19)

    @configs.setter
    def configs(self, _value):
        pass


def test_only_printers_are_offered_sorted():
    found = [Device(0x04B8, 0x0202, 7), Device(0x046D, 0xC52B, 3, 3), Device(0x0416, 0x5011, 0xFF, 7),
             Vanished(0x1234, 0x5678, 7)]
    assert printers.list_usb_printers(lambda find_all: found) == [
        ("0416:5011", "0416:5011 (impresora USB)"), ("04b8:0202", "04b8:0202 (impresora USB)")]


def test_no_libusb_means_nothing_to_offer():
    def no_backend(find_all):
        raise usb.core.NoBackendError("No backend available")

    assert printers.list_usb_printers(no_backend) == []
