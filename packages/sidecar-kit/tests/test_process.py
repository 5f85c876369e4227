"""Tests of a sidecar process's set-up: stopping on SIGTERM or SIGINT, and its logging."""

from __future__ import annotations

import logging
import os
import signal
from collections.abc import Iterator

import pytest

from baseplate.sidecar_kit import argument_parser, configure_logging, stop_on_signals


@pytest.fixture
def restore_handlers() -> Iterator[None]:
    saved = {signum: signal.getsignal(signum) for signum in (signal.SIGTERM, signal.SIGINT)}
    yield
    for signum, handler in saved.items():
        signal.signal(signum, handler)


@pytest.mark.usefixtures("restore_handlers")
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_either_signal_sets_the_event_and_is_logged(
    signum: int, caplog: pytest.LogCaptureFixture
) -> None:
    """The event is clear until the signal arrives; then it is set, and the logger given
    says which signal stopped the sidecar."""
    logger = logging.getLogger("test.sidecar")
    stop = stop_on_signals(logger)
    assert not stop.is_set()

    with caplog.at_level(logging.INFO, logger="test.sidecar"):
        os.kill(os.getpid(), signum)
        assert stop.wait(5.0)

    assert [("test.sidecar", f"Received signal {signum}; stopping")] == [
        (record.name, record.getMessage()) for record in caplog.records
    ]


def test_logging_goes_to_the_root_logger_at_the_level_asked(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """INFO without --debug, DEBUG with it, in the sidecars' one format."""
    root = logging.getLogger()
    for debug, level in ((False, logging.INFO), (True, logging.DEBUG)):
        monkeypatch.setattr(root, "handlers", [])
        monkeypatch.setattr(root, "level", logging.WARNING)
        configure_logging(debug)
        assert level == root.level
        (handler,) = root.handlers
        record = logging.LogRecord("a.logger", logging.INFO, __file__, 1, "said", None, None)
        assert handler.format(record).endswith(":INFO:a.logger:said")


def test_the_command_line_takes_the_ini_file_and_debug() -> None:
    """The INI file is positional and --debug a flag; the caller's own arguments parse too;
    --help names the section."""
    parser = argument_parser("prog", "Does things.", "thing:NAME")
    parser.add_argument("--once", action="store_true")

    args = parser.parse_args(["app.ini", "--debug", "--once"])

    assert (args.config_file, args.debug, args.once) == ("app.ini", True, True)
    assert not parser.parse_args(["app.ini"]).debug
    assert "the INI file with a [thing:NAME] section" in parser.format_help()
