"""``python -m momentum_core``: see :mod:`momentum_core.cli`."""

import sys

from momentum_core.cli import main

sys.exit(main())
