"""``python -m desktop`` is ``almacen`` (the launcher finds ``pos``, ``dte`` and, when installed, ``server``)."""

import sys

from shared.launcher import main

sys.exit(main())
