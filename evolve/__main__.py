"""``python -m adrs.evolve`` runs the ``adrs evolve`` command."""

import sys

from adrs.evolve.cli import main

sys.exit(main())
