"""The till bundle's main script: ``almacen pos|dte ...`` as :func:`desktop.cli.main` runs them.

Frozen, it points the PDF writer at the DejaVu fonts shipped in the bundle (``<bundle>/_internal/fonts``), so a
Windows till draws facturas with the same fonts as a Debian one. ``almacen --smoke-sale DATA OUT`` runs
:mod:`bundle_smoke` (scripts/smoke-desktop).
"""

from __future__ import annotations

import sys
from pathlib import Path


def main() -> int:
    bundle = Path(getattr(sys, "_MEIPASS", ""))
    if getattr(sys, "frozen", False) and (bundle / "fonts").is_dir():
        from shared.dte import drawing

        drawing.DEJAVU_DIR = bundle / "fonts"  # type: ignore[misc]  # Final for the code, set once here
    if sys.argv[1:2] == ["--smoke-sale"] and len(sys.argv) == 4:
        import bundle_smoke

        return bundle_smoke.run(Path(sys.argv[2]), Path(sys.argv[3]))
    from desktop import cli

    return cli.main(sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())
