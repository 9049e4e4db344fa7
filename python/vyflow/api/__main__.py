"""``python3 -m vyflow.api [--root DIR] [--dry-run]``: run the HTTPS API server
(what vyflow-https.service starts)."""

import sys

from vyflow.api.server import main

sys.exit(main())
