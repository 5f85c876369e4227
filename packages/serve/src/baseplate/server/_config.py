"""Reading a service's INI file and setting up logging from it."""

from __future__ import annotations

import configparser
import logging
import sys
import warnings
from collections.abc import Mapping
from typing import NamedTuple

from baseplate.server._errors import ConfigFileError

#: The default log format: process id, thread name -- under baseplate-serve each request's
#: greenlet is renamed to the request's trace id by the logging observer -- logger name,
#: level and message.
DEFAULT_LOG_FORMAT = "%(process)s:%(threadName)s:%(name)s:%(levelname)s:%(message)s"


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
    """The ``[app:NAME]`` section: what the application factory receives."""

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


def configure_logging(config: ServiceConfig, *, debug: bool = False) -> None:
    """Set up the standard library's logging for a service.

    If the configuration file has a ``[loggers]`` section, it is handed to
    :func:`logging.config.fileConfig`. Otherwise the root logger gets one handler writing to
    standard output in :data:`DEFAULT_LOG_FORMAT`. The root level is ``INFO``, or ``DEBUG``
    with ``debug`` (which also shows every warning). Warnings are routed to the logging
    system either way. Without ``debug``, setuptools' warning that Pyramid imports the
    deprecated ``pkg_resources`` is not shown.

    .. versionadded:: 0.1.0
    """
    logging.captureWarnings(True)
    if debug:
        warnings.simplefilter("default")
    else:
        # Pyramid 2.x imports pkg_resources, and setuptools (80.9 and later, below the 82
        # Pyramid allows) warns about that at import: a line in every WSGI service's log
        # that only Pyramid can act on. Only that warning, only from Pyramid's modules.
        warnings.filterwarnings(
            "ignore",
            message="pkg_resources is deprecated as an API",
            category=UserWarning,
            module=r"pyramid\.",
        )
    root = logging.getLogger()
    if config.has_logging_config:
        # Imported only here: it imports socketserver, which is best imported after patching.
        from logging import config as logging_config

        logging_config.fileConfig(config.path, disable_existing_loggers=False)
    else:
        handler = logging.StreamHandler(sys.stdout)
        handler.setFormatter(logging.Formatter(DEFAULT_LOG_FORMAT))
        root.addHandler(handler)
        root.setLevel(logging.INFO)
    if debug:
        root.setLevel(logging.DEBUG)
