"""Setting up the standard library's logging for a service."""

from __future__ import annotations

import logging
import sys
import warnings

from baseplate.server._config_file import ServiceConfig

#: The format of the default log handler, with the process id, the thread name (under
#: baseplate-serve each request's greenlet is renamed to the request's trace id by the
#: logging observer), the logger's name, the level and the message.
DEFAULT_LOG_FORMAT = "%(process)s:%(threadName)s:%(name)s:%(levelname)s:%(message)s"


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
