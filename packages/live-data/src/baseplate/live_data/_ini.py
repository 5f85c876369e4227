"""The ``[live-data]`` section of an INI file, which the watcher and the writer both read."""

from __future__ import annotations

import configparser

from baseplate import config

SECTION = "live-data"


def read_section(path: str) -> dict[str, str]:
    """Return the ``[live-data]`` section of the INI file at ``path``.

    Raises:
        OSError: the file cannot be read.
        configparser.Error: it is not an INI file.
        baseplate.config.ConfigurationError: it has no such section.
    """
    parser = configparser.RawConfigParser()
    with open(path, encoding="utf-8") as config_file:
        parser.read_file(config_file)
    if not parser.has_section(SECTION):
        raise config.ConfigurationError(SECTION, f"no [{SECTION}] section in {path}")
    return dict(parser.items(SECTION))
