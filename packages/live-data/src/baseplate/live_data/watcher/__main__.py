"""``python -m baseplate.live_data.watcher CONFIG``: run the live-data watcher."""

from __future__ import annotations

import sys

from baseplate.live_data.watcher import main

sys.exit(main())
