"""Tests for baseplate.file_watcher against real files in a temporary directory."""

from __future__ import annotations

import json
import logging
import os
import pathlib
import pickle
import threading
import time
from typing import IO, Any

import pytest

from baseplate.file_watcher import FileWatcher, WatchedFileNotAvailableError


class CountingParser:
    """json.load that counts its calls."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, file: IO[Any]) -> Any:
        self.calls += 1
        return json.load(file)


def write(path: pathlib.Path, data: object, *, mtime_ns: int | None = None) -> None:
    """Write ``data`` as JSON the way the sidecars do: a temporary file renamed over it."""
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(data) if not isinstance(data, str) else data)
    if mtime_ns is not None:
        os.utime(temporary, ns=(mtime_ns, mtime_ns))
    temporary.replace(path)


@pytest.fixture
def path(tmp_path: pathlib.Path) -> pathlib.Path:
    return tmp_path / "data.json"


def test_get_data_returns_the_parsed_file(path: pathlib.Path) -> None:
    """The example of the documentation: a JSON file watched with json.load."""
    write(path, {"one": 1, "two": 2})

    watcher = FileWatcher(path, parser=json.load)

    expected = {"one": 1, "two": 2}
    assert expected == watcher.get_data()


def test_unchanged_file_is_parsed_once(path: pathlib.Path) -> None:
    """Reads of an unchanged file reuse the parsed data."""
    write(path, [1])
    parser = CountingParser()
    watcher = FileWatcher(path, parser=parser)

    for _ in range(5):
        watcher.get_data()

    assert parser.calls == 1


def test_changed_file_is_parsed_again(path: pathlib.Path) -> None:
    """A new version of the file is seen on the next read."""
    write(path, {"version": 1})
    watcher = FileWatcher(path, parser=json.load)
    watcher.get_data()

    write(path, {"version": 2})

    expected = {"version": 2}
    assert expected == watcher.get_data()


def test_replacement_with_an_older_mtime_is_still_seen(path: pathlib.Path) -> None:
    """A file renamed into place is a change even if its mtime is not newer.

    Copies that keep their source's times (``cp -p``, an unpacked archive) can carry an
    older mtime than the file they replace; the inode tells them apart.
    """
    write(path, {"version": 1}, mtime_ns=2_000_000_000_000_000_000)
    watcher = FileWatcher(path, parser=json.load)
    watcher.get_data()

    write(path, {"version": 2}, mtime_ns=1_000_000_000_000_000_000)

    expected = {"version": 2}
    assert expected == watcher.get_data()


def test_missing_file_without_timeout(path: pathlib.Path) -> None:
    """Without a timeout the constructor does not wait; reads fail until the file exists."""
    watcher = FileWatcher(path, parser=json.load)

    with pytest.raises(WatchedFileNotAvailableError) as info:
        watcher.get_data()
    assert str(path) == info.value.path
    assert isinstance(info.value.inner, FileNotFoundError)

    write(path, {"late": True})
    expected = {"late": True}
    assert expected == watcher.get_data()


def test_first_parse_failure_raises_and_is_retried(path: pathlib.Path) -> None:
    """A file that never parsed raises on every read, and is parsed again each time."""
    write(path, "{not json")
    parser = CountingParser()
    watcher = FileWatcher(path, parser=parser)

    for _ in range(2):
        with pytest.raises(WatchedFileNotAvailableError) as info:
            watcher.get_data()
        assert isinstance(info.value.inner, json.JSONDecodeError)

    assert parser.calls == 2


def test_later_parse_failure_keeps_the_last_good_data(
    path: pathlib.Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A bad new version is logged and ignored, and not parsed again until it changes."""
    write(path, {"good": True})
    parser = CountingParser()
    watcher = FileWatcher(path, parser=parser)
    watcher.get_data()

    write(path, "")  # an empty file, as a careless writer leaves it
    with caplog.at_level(logging.WARNING, logger="baseplate.file_watcher"):
        first = watcher.get_data()
        second = watcher.get_data()

    expected = {"good": True}
    assert expected == first
    assert expected == second
    assert parser.calls == 2  # the good version, then the bad one once
    assert f"{path}: failed to load" in caplog.text
    assert "keeping the last good data" in caplog.text

    write(path, {"fixed": True})
    expected = {"fixed": True}
    assert expected == watcher.get_data()


def test_file_removed_after_load_keeps_the_data(
    path: pathlib.Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A file that disappears keeps its last data, with one warning until it is back."""
    write(path, {"kept": True})
    watcher = FileWatcher(path, parser=json.load)
    watcher.get_data()

    path.unlink()
    with caplog.at_level(logging.WARNING, logger="baseplate.file_watcher"):
        for _ in range(3):
            expected = {"kept": True}
            assert expected == watcher.get_data()

    warnings = [r for r in caplog.records if "cannot be read" in r.getMessage()]
    assert len(warnings) == 1

    write(path, {"back": True})
    expected = {"back": True}
    assert expected == watcher.get_data()


def test_timeout_waits_for_the_file(path: pathlib.Path) -> None:
    """With a timeout the constructor waits until the file appears."""
    timer = threading.Timer(0.2, write, args=(path, {"arrived": True}))
    timer.start()
    try:
        started = time.monotonic()
        watcher = FileWatcher(path, parser=json.load, timeout=10)
        waited = time.monotonic() - started
    finally:
        timer.join()

    expected = {"arrived": True}
    assert expected == watcher.get_data()
    assert 0.15 < waited < 5


def test_timeout_expires(path: pathlib.Path) -> None:
    """A file that never appears within the timeout raises, with the last failure inside."""
    started = time.monotonic()
    with pytest.raises(WatchedFileNotAvailableError) as info:
        FileWatcher(path, parser=json.load, timeout=0.3)
    waited = time.monotonic() - started

    assert isinstance(info.value.inner, FileNotFoundError)
    assert 0.25 < waited < 3


def test_timeout_zero_tries_once(path: pathlib.Path) -> None:
    """timeout=0 loads the file at construction or raises at once."""
    with pytest.raises(WatchedFileNotAvailableError):
        FileWatcher(path, parser=json.load, timeout=0)

    write(path, [1])
    expected = [1]
    assert expected == FileWatcher(path, parser=json.load, timeout=0).get_data()


def test_binary_mode_hands_bytes_to_the_parser(path: pathlib.Path) -> None:
    """binary=True opens the file with "rb"."""
    path.write_bytes(b"\x00\xff")

    watcher = FileWatcher(path, parser=lambda f: f.read(), binary=True)

    expected = b"\x00\xff"
    assert expected == watcher.get_data()


def test_encoding_and_newline_apply_in_text_mode(path: pathlib.Path) -> None:
    """encoding decodes the file; newline="" keeps its line endings untranslated."""
    path.write_bytes("é\r\n".encode("latin-1"))

    watcher = FileWatcher(path, parser=lambda f: f.read(), encoding="latin-1", newline="")

    expected = "é\r\n"
    assert expected == watcher.get_data()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"binary": True, "encoding": "utf-8"}, "text mode only"),
        ({"binary": True, "newline": ""}, "text mode only"),
        ({"timeout": -1}, "timeout must be None or a non-negative number, got -1"),
    ],
)
def test_bad_arguments_are_refused(
    path: pathlib.Path, kwargs: dict[str, Any], message: str
) -> None:
    """Contradictory or negative arguments fail at construction, saying which."""
    with pytest.raises(ValueError, match=message):
        FileWatcher(path, parser=json.load, **kwargs)


def test_a_change_is_parsed_once_by_concurrent_readers(path: pathlib.Path) -> None:
    """Threads that see the same change at once parse it once between them."""
    write(path, {"version": 1})
    release = threading.Event()

    class SlowParser(CountingParser):
        def __call__(self, file: IO[Any]) -> Any:
            release.wait(5)
            return super().__call__(file)

    parser = SlowParser()
    watcher = FileWatcher(path, parser=parser)
    results: list[Any] = []
    threads = [
        threading.Thread(target=lambda: results.append(watcher.get_data())) for _ in range(4)
    ]
    for thread in threads:
        thread.start()
    time.sleep(0.1)
    release.set()
    for thread in threads:
        thread.join(5)

    assert parser.calls == 1
    expected = [{"version": 1}] * 4
    assert expected == results


def test_error_is_picklable_and_says_the_path() -> None:
    """The error keeps path and inner through pickling and names the path in its message."""
    error = WatchedFileNotAvailableError("/some/file", "gone")

    copy = pickle.loads(pickle.dumps(error))

    assert copy.path == "/some/file"
    assert copy.inner == "gone"
    assert str(copy) == "/some/file: gone"


def test_unchanged_read_is_one_stat_and_no_open(
    path: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A read of an unchanged file makes exactly one stat call and opens nothing."""
    write(path, [1])
    watcher = FileWatcher(path, parser=json.load)
    watcher.get_data()
    calls: list[str] = []
    real_stat = os.stat

    def counting_stat(*args: Any, **kwargs: Any) -> os.stat_result:
        calls.append("stat")
        return real_stat(*args, **kwargs)

    def no_open(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("an unchanged file must not be opened")

    monkeypatch.setattr(os, "stat", counting_stat)
    monkeypatch.setattr("builtins.open", no_open)
    watcher.get_data()

    expected = ["stat"]
    assert expected == calls
