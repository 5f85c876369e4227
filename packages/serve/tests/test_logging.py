"""Tests for setting up logging (baseplate.server._logging)."""

from __future__ import annotations

import logging
import textwrap
import warnings
from collections.abc import Iterator

import pytest

from baseplate.server import DEFAULT_LOG_FORMAT, ServiceConfig, configure_logging, read_config

#: A configuration file without a [loggers] section.
WITHOUT_LOGGERS = ServiceConfig("x.ini", "main", None, {}, None, None, False)


@pytest.fixture
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    filters = warnings.filters[:]
    yield
    for handler in root.handlers:
        if handler not in handlers:
            root.removeHandler(handler)
    for handler in handlers:
        if handler not in root.handlers:
            root.addHandler(handler)
    root.setLevel(level)
    logging.captureWarnings(False)
    warnings.filters[:] = filters


def test_default_logging_format_carries_process_and_thread(restore_logging, capsys):
    """Without [loggers], records go to stdout as pid:thread:logger:LEVEL:message at INFO."""
    assert DEFAULT_LOG_FORMAT == "%(process)s:%(threadName)s:%(name)s:%(levelname)s:%(message)s"
    configure_logging(WITHOUT_LOGGERS)
    logger = logging.getLogger("some.module")
    logger.debug("hidden")
    logger.info("shown %d", 1)
    import os
    import threading

    expected = f"{os.getpid()}:{threading.current_thread().name}:some.module:INFO:shown 1\n"
    assert expected == capsys.readouterr().out


def test_debug_lowers_the_level(restore_logging, capsys):
    """--debug logs DEBUG records too."""
    configure_logging(WITHOUT_LOGGERS, debug=True)
    logging.getLogger("some.module").debug("now shown")
    assert capsys.readouterr().out.endswith(":some.module:DEBUG:now shown\n")


def warn_from(module: str, message: str) -> None:
    warnings.warn_explicit(message, UserWarning, f"{module}.py", 2, module=module)


def test_pyramids_pkg_resources_warning_is_hidden_unless_debugging(restore_logging, capsys):
    """Pyramid's import of pkg_resources is not the service's to fix; other warnings show."""
    message = "pkg_resources is deprecated as an API. See https://setuptools.pypa.io/."
    configure_logging(WITHOUT_LOGGERS)
    warn_from("pyramid.asset", message)
    warn_from("my_service.views", message)
    warn_from("pyramid.config", "something else")
    out = capsys.readouterr().out
    assert out.count(":py.warnings:WARNING:") == 2, out
    assert "my_service.views.py:2: UserWarning: pkg_resources" in out
    assert "pyramid.config.py:2: UserWarning: something else" in out


def test_debug_shows_pyramids_pkg_resources_warning(restore_logging, capsys):
    configure_logging(WITHOUT_LOGGERS, debug=True)
    warn_from("pyramid.asset", "pkg_resources is deprecated as an API.")
    assert "pyramid.asset.py:2: UserWarning: pkg_resources" in capsys.readouterr().out


def test_loggers_section_uses_file_config(restore_logging, tmp_path):
    """With a [loggers] section the file configures logging through fileConfig."""
    log_file = tmp_path / "out.log"
    path = tmp_path / "service.ini"
    path.write_text(
        textwrap.dedent(
            f"""
        [app:main]
        factory = x:y

        [loggers]
        keys = root

        [handlers]
        keys = file

        [formatters]
        keys = plain

        [logger_root]
        level = WARNING
        handlers = file

        [handler_file]
        class = FileHandler
        args = ({str(log_file)!r},)
        formatter = plain

        [formatter_plain]
        format = custom %(levelname)s %(message)s
        """
        )
    )
    config = read_config(str(path))
    assert config.has_logging_config
    configure_logging(config)
    logging.getLogger("x").info("dropped")
    logging.getLogger("x").warning("kept")
    for handler in logging.getLogger().handlers:
        handler.flush()
    assert log_file.read_text() == "custom WARNING kept\n"
