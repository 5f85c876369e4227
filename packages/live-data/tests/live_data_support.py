"""What the live-data tests import: timeouts, waiting, INI and secrets files, and a ZooKeeper
server of a test's own (the fixtures built on them are in conftest.py)."""

from __future__ import annotations

import json
import pathlib
import socket
import sys
import time
from collections.abc import Callable
from typing import Any

from baseplate_testing import REPO_ROOT, Process, free_port

#: Session timeout of the tests' clients, watcher and writer (the servers allow 1 s).
SESSION_TIMEOUT = 2.0
WAIT = 15.0
ZOOKEEPER_SCRIPT = REPO_ROOT / "tools" / "zookeeper.sh"


def ruok(host: str, port: int) -> bool:
    """Whether a ZooKeeper server answers ``imok`` on host:port."""
    try:
        with socket.create_connection((host, port), timeout=1.0) as connection:
            connection.sendall(b"ruok")
            return connection.recv(16) == b"imok"
    except OSError:
        return False


def wait_until(condition: Callable[[], Any], what: str, timeout: float = WAIT) -> Any:
    """Poll ``condition`` every 20 ms until it is true; fail saying ``what`` did not happen."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not happen within {timeout} s")
        time.sleep(0.02)


def write_ini(path: pathlib.Path, keys: dict[str, str]) -> pathlib.Path:
    """Write an INI file with a ``[live-data]`` section of ``keys``."""
    lines = ["[live-data]", *(f"{key} = {value}" for key, value in keys.items())]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def write_secrets(path: pathlib.Path, secrets: dict[str, Any]) -> pathlib.Path:
    """Write a secrets file as the secrets fetcher does."""
    document = {"secrets": secrets, "vault": {"url": "http://vault:8200", "token": "t"}}
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def module_command(module: str, *args: str) -> list[str]:
    return [sys.executable, "-m", module, *args]


class OwnZooKeeper:
    """A standalone ZooKeeper on a free port, that a test may stop and start again; its data
    stays in ``directory`` in between, as a real server's would across a restart."""

    def __init__(self, directory: pathlib.Path) -> None:
        self.directory = directory
        self.port = free_port()
        self.address = f"127.0.0.1:{self.port}"
        self.process: Process | None = None

    def start(self) -> None:
        assert self.process is None
        self.process = Process(
            ["bash", str(ZOOKEEPER_SCRIPT), "serve", str(self.port), str(self.directory)]
        )
        wait_until(lambda: ruok("127.0.0.1", self.port), f"ZooKeeper on {self.address} start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.close()
            self.process = None
