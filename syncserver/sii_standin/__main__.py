"""``python -m syncserver.sii_standin``: the same as ``almacen server sii-standin``."""

from syncserver.sii_standin import main

raise SystemExit(main())
