"""The event publisher sidecar, under the module name later versions of the original use.

``python -m baseplate.sidecars.event_publisher`` runs exactly what
``python -m baseplate.events.publisher`` runs; see that module for its configuration.
``baseplate.sidecars`` is a namespace shared with the other sidecars.
"""

from __future__ import annotations

import sys

from baseplate.events.publisher import main

if __name__ == "__main__":
    sys.exit(main())
