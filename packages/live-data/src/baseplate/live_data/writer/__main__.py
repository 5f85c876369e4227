"""``python -m baseplate.live_data.writer CONFIG SOURCE NODE``: run the live-data writer."""

from __future__ import annotations

import sys

from baseplate.live_data.writer import main

sys.exit(main())
