"""The live-data writer: write_node's compare-and-set, WriteResult's diff, and the command
line against a real ZooKeeper."""

from __future__ import annotations

import io
import logging
import pathlib
import subprocess
from collections.abc import Callable
from typing import Any

import pytest
from kazoo.client import KazooClient
from live_data_support import SESSION_TIMEOUT, WAIT, module_command, write_ini

from baseplate.live_data import ConcurrentChangeError, NodeNotFoundError
from baseplate.live_data.writer import WriteResult, main, write_node

MakeNode = Callable[..., tuple[KazooClient, str]]


def test_diff_of_text_is_unified() -> None:
    """Text data gives a unified diff from the node's data to the file's."""
    result = WriteResult("/flags", b'{\n  "key": "one"\n}\n', b'{\n  "key": "two"\n}\n', True, 1)
    assert result.diff("input.json") == (
        '--- /flags\n+++ input.json\n@@ -1,3 +1,3 @@\n {\n-  "key": "one"\n+  "key": "two"\n }\n'
    )


def test_diff_of_binary_data_and_of_nothing() -> None:
    """Binary data gives its sizes; unchanged data no diff; a new node a diff from empty."""
    assert (
        WriteResult("/b", b"\xff\x00", b"\xfe\x01\x02", True, 1).diff()
        == "binary data: 2 bytes -> 3 bytes\n"
    )
    assert WriteResult("/same", b"x", b"x", False, 0).diff() == ""
    assert WriteResult("/new", None, b"x", True, 0).diff().splitlines(keepends=True)[-1] == "+x\n"


@pytest.mark.integration
@pytest.mark.parametrize(
    ("new", "written", "version"),
    [(b"two", True, 1), (b"one", False, 0)],
    ids=["changed", "unchanged"],
)
def test_write_node_writes_only_a_change(
    node: MakeNode, new: bytes, written: bool, version: int
) -> None:
    """New data is written (with the version read), data the node already holds is not
    (its version stays); the result has the node's data before and its version after."""
    client, path = node(b"one")
    result = write_node(client, path, new)
    assert (b"one", written, version) == (result.previous, result.written, result.version)
    assert (new, version) == (client.get(path)[0], client.get(path)[1].version)


@pytest.mark.integration
def test_write_node_needs_the_node_unless_creating(
    zookeeper: str, root: str, connect: Callable[..., KazooClient]
) -> None:
    """A missing node is an error naming it, and is not created, unless create=True, which
    makes it and its parents."""
    client = connect(zookeeper)
    with pytest.raises(NodeNotFoundError, match="--create") as caught:
        write_node(client, f"{root}/a/b", b"data")
    assert f"{root}/a/b" == caught.value.path
    assert client.exists(f"{root}/a") is None
    result = write_node(client, f"{root}/a/b", b"data", create=True)
    assert (result.previous, result.written) == (None, True)
    assert client.get(f"{root}/a/b")[0] == b"data"


class RacedClient(KazooClient):  # type: ignore[misc]
    """A client after whose every read of a node another client changes that node."""

    def __init__(self, rival: KazooClient, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.rival = rival

    def get(self, path: str, watch: Any = None) -> Any:
        answer = super().get(path, watch)
        self.rival.set(path, b"the rival's change")
        return answer


@pytest.mark.integration
def test_a_concurrent_change_is_reported_not_overwritten(zookeeper: str, node: MakeNode) -> None:
    """When the node changes between the writer's read and its write, the compare-and-set
    fails: ConcurrentChangeError names the node and the version read, and the other
    change stays."""
    rival, path = node(b"one")
    raced = RacedClient(rival, hosts=zookeeper, timeout=SESSION_TIMEOUT)
    raced.start(timeout=WAIT)
    try:
        with pytest.raises(ConcurrentChangeError, match="version 0") as caught:
            write_node(raced, path, b"mine")
    finally:
        raced.stop()
        raced.close()
    assert (path, 0) == (caught.value.path, caught.value.version)
    data, stat = rival.get(path)
    assert (data, stat.version) == (b"the rival's change", 1)


@pytest.fixture
def ini(tmp_path: pathlib.Path, zookeeper: str) -> pathlib.Path:
    return write_ini(
        tmp_path / "writer.ini",
        {"zookeeper.hosts": zookeeper, "zookeeper.timeout": str(SESSION_TIMEOUT)},
    )


def _run(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    return main(list(argv), out=out), out.getvalue()


@pytest.fixture
def source(tmp_path: pathlib.Path) -> Callable[[bytes], pathlib.Path]:
    """``source(data)``: a file holding ``data``, for the writer to write."""

    def write(data: bytes) -> pathlib.Path:
        path = tmp_path / "input.json"
        path.write_bytes(data)
        return path

    return write


Source = Callable[[bytes], pathlib.Path]


@pytest.mark.integration
def test_the_command_shows_the_diff_and_writes(
    ini: pathlib.Path, node: MakeNode, source: Source
) -> None:
    """The writer says what it writes where, shows the diff and writes; run again with the
    same file it writes nothing and says so."""
    client, path = node(b'{\n  "key": "one"\n}\n')
    new = source(b'{\n  "key": "two"\n}\n')
    status, output = _run(str(ini), str(new), path)
    assert status == 0
    assert output.startswith(f"Writing {new} to ZooKeeper {path}...\n")
    assert '-  "key": "one"\n+  "key": "two"\n' in output
    assert output.endswith("Wrote data to ZooKeeper.\n")
    assert client.get(path)[0] == b'{\n  "key": "two"\n}\n'

    status, output = _run(str(ini), str(new), path)
    assert status == 0
    assert "No changes" in output
    assert client.get(path)[1].version == 1


@pytest.mark.integration
def test_the_command_refuses_a_missing_node_without_create(
    ini: pathlib.Path,
    source: Source,
    zookeeper: str,
    root: str,
    connect: Callable[..., KazooClient],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A missing node fails the writer (exit 1) with an error saying to create it; with
    --create it is created."""
    new = source(b"new")
    with caplog.at_level(logging.ERROR, logger="baseplate.live_data.writer"):
        status, _ = _run(str(ini), str(new), f"{root}/new")
    assert status == 1
    assert "does not exist" in caplog.text
    client = connect(zookeeper)
    assert client.exists(f"{root}/new") is None

    status, output = _run(str(ini), str(new), f"{root}/new", "--create")
    assert status == 0
    assert output.endswith("Created the node and wrote data to ZooKeeper.\n")
    assert client.get(f"{root}/new")[0] == b"new"


def test_the_command_reports_a_bad_configuration(
    tmp_path: pathlib.Path, source: Source, caplog: pytest.LogCaptureFixture
) -> None:
    """A configuration without zookeeper.hosts fails the writer at once, naming the key."""
    ini = write_ini(tmp_path / "writer.ini", {"zookeeper.timeout": "1"})
    with caplog.at_level(logging.ERROR, logger="baseplate.live_data.writer"):
        assert _run(str(ini), str(source(b"x")), "/node")[0] == 1
    assert "zookeeper.hosts" in caplog.text


@pytest.mark.integration
def test_python_dash_m_runs_the_writer(ini: pathlib.Path, node: MakeNode, source: Source) -> None:
    """``python -m baseplate.live_data.writer CONFIG SOURCE NODE`` writes the node."""
    client, path = node(b"old\n")
    result = subprocess.run(
        module_command("baseplate.live_data.writer", str(ini), str(source(b"new\n")), path),
        capture_output=True,
        text=True,
        timeout=WAIT * 2,
    )
    assert result.returncode == 0, result.stderr
    assert "-old\n+new\n" in result.stdout
    assert client.get(path)[0] == b"new\n"
