"""Retail scales: the ``Scale`` port, its readings and error (drivers in ``driver``, fakes in ``fakes``).

Exception tree::

    Exception
     └── ScaleError        state (OFFLINE, NO_ANSWER, ERROR…), Spanish message, technical detail

    scales/
    ├── config.py     the ``[scale]`` settings and the one place that builds a ``Scale``
    ├── driver.py     a serial scale over pyserial: ask, read one frame, retry once
    ├── fakes.py      an in-memory scale for tests and demo mode
    ├── frames.py     the frames each protocol's scale sends (for simulators and tests)
    ├── probe.py      find the port and protocol of a connected scale by asking in each protocol
    ├── protocols.py  scale dialects as a table, and a pure frame parser per protocol
    └── reading.py    what a scale said: state, grams, and the scale error
"""

from __future__ import annotations

from typing import Protocol

from desktop.drivers.scales.reading import Reading, ScaleError, ScaleState

__all__ = ["Reading", "Scale", "ScaleError", "ScaleState"]


class Scale(Protocol):
    """A scale the terminal asks for the weight on its pan."""

    def read(self) -> Reading:
        """Ask for the weight now (grams int, state); a silent scale gives a ``NO_ANSWER`` reading.

        Raises:
            ScaleError: the scale cannot be reached or its answers cannot be understood (never a pyserial error).
        """
        ...

    def close(self) -> None:
        """Release the port; safe to call twice."""
        ...
