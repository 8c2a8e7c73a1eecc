"""Retail scales: the ``Scale`` port, its readings and error (drivers in ``driver``, fakes in ``fakes``).

Exception tree::

    Exception
     └── ScaleError        state (OFFLINE, NO_ANSWER, ERROR…), Spanish message, technical detail
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
