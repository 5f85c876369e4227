"""The watcher's command line: arguments, logging, start-up errors and signals."""

from __future__ import annotations

import argparse
import configparser
import logging
import signal
import threading
from collections.abc import Sequence
from types import FrameType

from baseplate import config
from baseplate.secrets import SecretsError, secrets_store_from_config

from .._ini import read_section
from .._zookeeper import zookeeper_client_from_config
from ._config import parse_watcher_config
from ._watcher import Watcher

logger = logging.getLogger("baseplate.live_data.watcher")

#: How long the watcher waits for the secrets file at start-up (seconds), when it needs
#: credentials.
SECRETS_TIMEOUT = 30.0


def _parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="baseplate-live-data-watcher",
        description="Keep local files in step with ZooKeeper nodes.",
    )
    parser.add_argument("config_file", help="the INI file with a [live-data] section")
    parser.add_argument("--debug", action="store_true", help="log at debug level")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the watcher (see the module's documentation); return the exit status.

    Args:
        argv: The command line's arguments, without the program's name; default
            ``sys.argv[1:]``.

    .. versionadded:: 0.1.0
    """
    args = _parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.debug else logging.INFO,
        format="%(asctime)s:%(levelname)s:%(name)s:%(message)s",
    )
    logging.getLogger("kazoo").setLevel(logging.DEBUG if args.debug else logging.WARNING)
    try:
        raw_config = read_section(args.config_file)
        cfg = parse_watcher_config(raw_config)
        secrets = None
        if raw_config.get("zookeeper.credentials", "").strip():
            secrets = secrets_store_from_config(raw_config, timeout=SECRETS_TIMEOUT)
        client = zookeeper_client_from_config(secrets, raw_config)
    except (OSError, configparser.Error, config.ConfigurationError, SecretsError) as exc:
        logger.error("Cannot start the live-data watcher: %s", exc)
        return 1

    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        logger.info("Received signal %d; stopping", signum)
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    logger.info("Watching %d nodes on ZooKeeper %s", len(cfg.nodes), raw_config["zookeeper.hosts"])
    Watcher(client, cfg).run(stop)
    return 0
