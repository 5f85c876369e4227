"""``python -m baseplate.secrets.fetcher CONFIG``: run the secrets fetcher."""

from __future__ import annotations

import sys

from baseplate.secrets.fetcher import main

sys.exit(main())
