"""What the watcher's and the writer's command lines share: the ``[live-data]`` section of
their INI file, logging, and the client that the section describes."""

from __future__ import annotations

import argparse
import configparser
import logging
from typing import Any

from baseplate import config, sidecar_kit
from baseplate.secrets import SecretsError, secrets_store_from_config

from ._zookeeper import zookeeper_client_from_config

SECTION = "live-data"

#: What stops either tool at start-up (reported in one line, exit status 1): a configuration
#: or source file that cannot be read, a bad key, a secrets file that is missing or bad.
STARTUP_ERRORS = (OSError, configparser.Error, config.ConfigurationError, SecretsError)


def argument_parser(prog: str, description: str) -> argparse.ArgumentParser:
    """Return a parser of what both tools take: the INI file first (the caller adds its
    other arguments after it) and ``--debug``."""
    return sidecar_kit.argument_parser(prog, description, SECTION)


def configure_logging(debug: bool) -> None:
    """Log to standard error at INFO (DEBUG with ``--debug``); kazoo's own logger says only
    warnings and errors unless debugging."""
    sidecar_kit.configure_logging(debug)
    logging.getLogger("kazoo").setLevel(logging.DEBUG if debug else logging.WARNING)


def client_from_section(raw_config: config.RawConfig, secrets_timeout: float) -> Any:
    """Make the ZooKeeper client of the section's ``zookeeper.*`` keys (not started).

    The secrets file (``secrets.path``) is opened only when there are credentials, waiting
    up to ``secrets_timeout`` seconds for it to be readable.

    Raises:
        baseplate.config.ConfigurationError: a key is missing or bad.
        baseplate.secrets.SecretsError: the secrets file or a credentials secret is
            missing or bad.
    """
    secrets = None
    if raw_config.get("zookeeper.credentials", "").strip():
        secrets = secrets_store_from_config(raw_config, timeout=secrets_timeout)
    return zookeeper_client_from_config(secrets, raw_config)
