"""``python3 -m vyflow``: the same as the ``vyflow`` command."""

import sys

from vyflow.cli.main import main

sys.exit(main())
