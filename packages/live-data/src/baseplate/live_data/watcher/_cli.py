"""The watcher's command line: arguments, logging, start-up errors and signals."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from baseplate import config, sidecar_kit

from .. import _command_line as tool
from ._config import parse_watcher_config
from ._watcher import Watcher

logger = logging.getLogger("baseplate.live_data.watcher")

#: How long the watcher waits for the secrets file at start-up (seconds), when it needs
#: credentials.
SECRETS_TIMEOUT = 30.0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the watcher (see the module's documentation); return the exit status.

    Args:
        argv: The command line's arguments, without the program's name; default
            ``sys.argv[1:]``.

    .. versionadded:: 0.1.0
    """
    parser = tool.argument_parser(
        "baseplate-live-data-watcher", "Keep local files in step with ZooKeeper nodes."
    )
    args = parser.parse_args(argv)
    tool.configure_logging(args.debug)
    try:
        raw_config = config.read_ini_section(args.config_file, tool.SECTION)
        cfg = parse_watcher_config(raw_config)
        client = tool.client_from_section(raw_config, SECRETS_TIMEOUT)
    except tool.STARTUP_ERRORS as exc:
        logger.error("Cannot start the live-data watcher: %s", exc)
        return 1

    stop = sidecar_kit.stop_on_signals(logger)
    logger.info("Watching %d nodes on ZooKeeper %s", len(cfg.nodes), raw_config["zookeeper.hosts"])
    Watcher(client, cfg).run(stop)
    return 0
