"""Reading a service's configuration file: the INI sections Baseplate uses."""

from __future__ import annotations

import configparser
from collections.abc import Mapping
from typing import NamedTuple

from baseplate.server._errors import ConfigFileError


class ServiceConfig(NamedTuple):
    """The sections of a service's configuration file that Baseplate reads.

    .. versionadded:: 0.1.0
    """

    path: str
    """The configuration file."""

    app_name: str
    """The ``NAME`` of the ``[app:NAME]`` section that was read."""

    server_name: str | None
    """The ``NAME`` of the ``[server:NAME]`` section that was read, if one was."""

    app: Mapping[str, str]
    """The ``[app:NAME]`` section, which the application factory receives."""

    server: Mapping[str, str] | None
    """The ``[server:NAME]`` section, or ``None`` when it was not asked for."""

    tshell: Mapping[str, str] | None
    """The ``[tshell]`` section, or ``None`` when the file has none."""

    has_logging_config: bool
    """Whether the file configures logging itself (it has a ``[loggers]`` section)."""


def read_config(
    path: str, *, app_name: str = "main", server_name: str | None = None
) -> ServiceConfig:
    """Read the app (and server) sections of an INI file.

    The file is read with :class:`configparser.RawConfigParser`, so ``%`` has no special
    meaning in values (``sample_rate = 50%`` works). Keys are lower-cased, as configparser
    does by default.

    Args:
        path: The configuration file.
        app_name: The ``NAME`` of the ``[app:NAME]`` section.
        server_name: The ``NAME`` of the ``[server:NAME]`` section; ``None`` to skip it.

    Raises:
        ConfigFileError: the file cannot be read or parsed, or a section is missing.

    .. versionadded:: 0.1.0
    """
    parser = configparser.RawConfigParser()
    try:
        with open(path, encoding="utf-8") as config_file:
            parser.read_file(config_file)
    except OSError as exc:
        raise ConfigFileError(path, f"cannot read the configuration file: {exc.strerror}") from exc
    except configparser.Error as exc:
        raise ConfigFileError(path, f"not a valid INI file: {exc}") from exc

    def section(name: str) -> dict[str, str]:
        if not parser.has_section(name):
            found = ", ".join(f"[{s}]" for s in parser.sections()) or "none"
            raise ConfigFileError(path, f"no [{name}] section (sections found: {found})", name)
        return dict(parser.items(name))

    return ServiceConfig(
        path=path,
        app_name=app_name,
        server_name=server_name,
        app=section(f"app:{app_name}"),
        server=section(f"server:{server_name}") if server_name is not None else None,
        tshell=dict(parser.items("tshell")) if parser.has_section("tshell") else None,
        has_logging_config=parser.has_section("loggers"),
    )
