"""The writer's command line: arguments, logging, reporting and the exit status."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from typing import TextIO

from kazoo.exceptions import KazooException

from baseplate import config

from .. import _command_line as tool
from .._errors import LiveDataError
from ._writer import write_node

logger = logging.getLogger("baseplate.live_data.writer")

#: How long the writer waits for the secrets file (seconds), when it needs credentials.
SECRETS_TIMEOUT = 5.0


def _parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = tool.argument_parser(
        "baseplate-live-data-writer",
        "Write a file's contents to a ZooKeeper node, showing the difference.",
    )
    parser.add_argument("source", help="the file whose contents to write")
    parser.add_argument("node", help="the ZooKeeper node to write, e.g. /my-service/flags")
    parser.add_argument(
        "--create", action="store_true", help="create the node (and its parents) if missing"
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None, out: TextIO | None = None) -> int:
    """Run the writer (see the module's documentation); return the exit status.

    Args:
        argv: The command line's arguments, without the program's name; default
            ``sys.argv[1:]``.
        out: Where the report goes; default standard output. Errors are logged.

    .. versionadded:: 0.1.0
    """
    args = _parse_args(argv)
    out = out if out is not None else sys.stdout
    tool.configure_logging(args.debug)
    try:
        with open(args.source, "rb") as source:
            data = source.read()
        raw_config = config.read_ini_section(args.config_file, tool.SECTION)
        client = tool.client_from_section(raw_config, SECRETS_TIMEOUT)
    except tool.STARTUP_ERRORS as exc:
        logger.error("Cannot start the writer: %s", exc)
        return 1

    out.write(f"Writing {args.source} to ZooKeeper {args.node}...\n")
    try:
        client.start()
    except client.handler.timeout_exception:
        logger.error("Cannot connect to ZooKeeper at %s", raw_config["zookeeper.hosts"])
        client.close()
        return 1
    try:
        result = write_node(client, args.node, data, create=args.create)
    except (LiveDataError, KazooException) as exc:
        logger.error("Nothing was written: %s", str(exc) or type(exc).__name__)
        return 1
    finally:
        client.stop()
        client.close()
    if not result.written:
        out.write(f"No changes: {args.node} already holds {args.source}; nothing written.\n")
        return 0
    out.write(result.diff(args.source))
    if result.previous is None:
        out.write("Created the node and wrote data to ZooKeeper.\n")
    else:
        out.write("Wrote data to ZooKeeper.\n")
    return 0
