"""The live-data watcher sidecar against a real ZooKeeper: nodes reach their files, deleted
nodes remove them, heartbeats touch them, and a ZooKeeper restart loses nothing."""

from __future__ import annotations

import dataclasses
import os
import pathlib
import stat
import time
from collections.abc import Callable

import pytest
from baseplate_testing import Process
from kazoo.client import KazooClient
from kazoo.security import make_digest_acl
from live_data_support import (
    SESSION_TIMEOUT,
    OwnZooKeeper,
    module_command,
    wait_until,
    write_ini,
    write_secrets,
)

from baseplate.live_data.writer import main as writer_main

pytestmark = pytest.mark.integration

MakeNode = Callable[..., tuple[KazooClient, str]]


def _read(path: pathlib.Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None


@dataclasses.dataclass
class Watched:
    """A running watcher of one node: its process, the node's file and its INI file."""

    process: Process
    dest: pathlib.Path
    ini: pathlib.Path

    def wait_for_data(self, data: bytes | None, what: str) -> None:
        """Wait until the file holds ``data`` (``None``: until there is no file)."""
        wait_until(lambda: _read(self.dest) == data, what)


Watch = Callable[..., Watched]


@pytest.fixture
def watch(spawn: Callable[..., Process], tmp_path: pathlib.Path, zookeeper: str) -> Watch:
    """``watch(source, hosts=<the shared server>, **keys)``: start the watcher on one node,
    kept in ``dest`` under the test's directory, with a 0.2 s heartbeat and the tests'
    session timeout; ``keys`` add to its [live-data] section (``nodes.n.mode`` for the
    node's keys)."""

    def start(source: str, hosts: str = zookeeper, **keys: str) -> Watched:
        dest = tmp_path / "dest"
        raw = {
            "zookeeper.hosts": hosts,
            "zookeeper.timeout": str(SESSION_TIMEOUT),
            "heartbeat_interval": "0.2",
            "nodes.n.source": source,
            "nodes.n.dest": str(dest),
            **keys,
        }
        ini = write_ini(tmp_path / "watcher.ini", raw)
        process = spawn(module_command("baseplate.live_data.watcher", str(ini)))
        process.wait_for(r"Watching \d+ nodes$")
        return Watched(process, dest, ini)

    return start


def test_a_node_written_by_the_writer_reaches_the_file(
    watch: Watch, node: MakeNode, tmp_path: pathlib.Path
) -> None:
    """The writer's data shows up in the watcher's file (mode as configured), each change
    after it too; deleting the node removes the file and creating it brings it back."""
    client, path = node(b"first")
    watched = watch(path, **{"nodes.n.mode": "0640"})
    watched.wait_for_data(b"first", "the first data reaching the file")
    assert stat.S_IMODE(watched.dest.stat().st_mode) == 0o640

    source = tmp_path / "input.json"
    source.write_bytes(b'{"key": "two"}\n')
    assert writer_main([str(watched.ini), str(source), path]) == 0
    watched.wait_for_data(b'{"key": "two"}\n', "the writer's data reaching the file")

    client.delete(path)
    watched.wait_for_data(None, "the file's removal")
    client.create(path, b"back")
    watched.wait_for_data(b"back", "the recreated node reaching the file")
    assert sorted(os.listdir(tmp_path)) == ["dest", "input.json", "watcher.ini"]


def test_a_missing_node_has_no_file(
    watch: Watch, node: MakeNode, tmp_path: pathlib.Path, root: str
) -> None:
    """A node that does not exist when the watcher starts removes a stale file, and its file
    appears when the node is created."""
    (tmp_path / "dest").write_bytes(b"from an earlier life")
    watched = watch(f"{root}/later")
    watched.wait_for_data(None, "the stale file's removal")
    watched.process.wait_for(f"Node {root}/later does not exist: removed")
    node(b"now", "later")
    watched.wait_for_data(b"now", "the new node reaching the file")


def test_the_heartbeat_touches_the_files(watch: Watch, node: MakeNode) -> None:
    """While connected, each heartbeat sets the files' modification time to now."""
    _, path = node(b"data")
    watched = watch(path)
    watched.wait_for_data(b"data", "the data reaching the file")
    os.utime(watched.dest, (1000, 1000))
    wait_until(
        lambda: watched.dest.stat().st_mtime > time.time() - 60, "a heartbeat touching the file"
    )
    assert watched.dest.read_bytes() == b"data"


def test_credentials_from_the_secrets_file(
    watch: Watch,
    tmp_path: pathlib.Path,
    zookeeper: str,
    root: str,
    connect: Callable[..., KazooClient],
) -> None:
    """With zookeeper.credentials, the watcher and the writer authenticate with the digest
    credentials of the secrets file, and so read and write a node that only they may."""
    secrets = write_secrets(
        tmp_path / "secrets.json", {"secret/zk": {"type": "simple", "value": "syncer:s3cret"}}
    )
    owner = connect(zookeeper, auth_data=[("digest", "syncer:s3cret")])
    owner.ensure_path(root)
    owner.create(f"{root}/private", b"one", acl=[make_digest_acl("syncer", "s3cret", all=True)])
    keys = {"zookeeper.credentials": "secret/zk", "secrets.path": str(secrets)}
    watched = watch(f"{root}/private", **keys)
    watched.wait_for_data(b"one", "the private node reaching the file")
    source = tmp_path / "input"
    source.write_bytes(b"two")
    assert writer_main([str(watched.ini), str(source), f"{root}/private"]) == 0
    watched.wait_for_data(b"two", "the written data reaching the file")
    owner.delete(f"{root}/private")


def test_a_bad_configuration_stops_the_watcher(
    spawn: Callable[..., Process], tmp_path: pathlib.Path
) -> None:
    """A configuration error stops the watcher at start-up with exit status 1, naming the key."""
    ini = write_ini(tmp_path / "w.ini", {"zookeeper.hosts": "127.0.0.1:1", "nodes.a.source": "/a"})
    watcher = spawn(module_command("baseplate.live_data.watcher", str(ini)))
    assert watcher.wait() == 1
    assert "nodes.a.dest" in watcher.output


def test_zookeeper_restarting_loses_nothing(
    watch: Watch, own_zookeeper: OwnZooKeeper, connect: Callable[..., KazooClient]
) -> None:
    """While the watcher's ZooKeeper is stopped and started again, the file keeps its data
    whole (never missing, empty or cut), is not touched, and the log says so; the next
    change after the restart reaches the file."""
    data = b"before the restart" * 100
    client = connect(own_zookeeper.address)
    client.create("/flags", data)
    watched = watch("/flags", own_zookeeper.address)
    watched.wait_for_data(data, "the data reaching the file")
    client.stop()
    client.close()

    start = len(watched.process.lines)
    own_zookeeper.stop()
    watched.process.wait_for(
        "Lost the connection to ZooKeeper.*keep their last good data", start=start
    )
    mtime = watched.dest.stat().st_mtime_ns
    deadline = time.monotonic() + SESSION_TIMEOUT + 1  # past the session's expiry
    while time.monotonic() < deadline:
        assert data == _read(watched.dest)
        time.sleep(0.02)
    assert mtime == watched.dest.stat().st_mtime_ns

    own_zookeeper.start()
    watched.process.wait_for("Reconnected to ZooKeeper", start=start)
    connect(own_zookeeper.address).set("/flags", b"after the restart")
    watched.wait_for_data(b"after the restart", "the change after the restart")
