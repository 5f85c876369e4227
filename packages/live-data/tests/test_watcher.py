"""The live-data watcher sidecar against a real ZooKeeper: nodes reach their files, deleted
nodes remove them, heartbeats touch them, and a ZooKeeper restart loses nothing."""

from __future__ import annotations

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

Spawn = Callable[..., Process]


def _read(path: pathlib.Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None


def _watcher_ini(
    path: pathlib.Path, hosts: str, nodes: dict[str, str], **keys: str
) -> pathlib.Path:
    """A [live-data] section for the watcher: ``nodes`` maps a ZooKeeper path to a file."""
    raw = {
        "zookeeper.hosts": hosts,
        "zookeeper.timeout": str(SESSION_TIMEOUT),
        "heartbeat_interval": "0.2",
        **keys,
    }
    for number, (source, dest) in enumerate(nodes.items()):
        raw[f"nodes.n{number}.source"] = source
        raw[f"nodes.n{number}.dest"] = dest
    return write_ini(path, raw)


def _watch(spawn: Spawn, ini: pathlib.Path) -> Process:
    watcher = spawn(module_command("baseplate.live_data.watcher", str(ini)))
    watcher.wait_for(r"Watching \d+ nodes$")
    return watcher


def test_a_node_written_by_the_writer_reaches_the_file(
    spawn: Spawn,
    tmp_path: pathlib.Path,
    zookeeper: str,
    root: str,
    connect: Callable[..., KazooClient],
) -> None:
    """The writer's data shows up in the watcher's file (mode as configured), each change
    after it too; deleting the node removes the file and creating it brings it back."""
    client = connect(zookeeper)
    client.create(f"{root}/flags", b"first", makepath=True)
    dest = tmp_path / "flags.json"
    ini = _watcher_ini(
        tmp_path / "watcher.ini",
        zookeeper,
        {f"{root}/flags": str(dest)},
        **{"nodes.n0.mode": "0640"},
    )
    _watch(spawn, ini)
    wait_until(lambda: _read(dest) == b"first", "the first data reaching the file")
    assert 0o640 == stat.S_IMODE(dest.stat().st_mode)

    source = tmp_path / "input.json"
    source.write_bytes(b'{"key": "two"}\n')
    assert 0 == writer_main([str(ini), str(source), f"{root}/flags"])
    wait_until(lambda: _read(dest) == b'{"key": "two"}\n', "the writer's data reaching the file")

    client.delete(f"{root}/flags")
    wait_until(lambda: not dest.exists(), "the file's removal")
    client.create(f"{root}/flags", b"back")
    wait_until(lambda: _read(dest) == b"back", "the recreated node reaching the file")
    assert [dest.name, "input.json", "watcher.ini"] == sorted(os.listdir(tmp_path))


def test_a_missing_node_has_no_file(
    spawn: Spawn,
    tmp_path: pathlib.Path,
    zookeeper: str,
    root: str,
    connect: Callable[..., KazooClient],
) -> None:
    """A node that does not exist when the watcher starts removes a stale file, and its file
    appears when the node is created."""
    dest = tmp_path / "stale"
    dest.write_bytes(b"from an earlier life")
    watcher = _watch(
        spawn, _watcher_ini(tmp_path / "w.ini", zookeeper, {f"{root}/later": str(dest)})
    )
    wait_until(lambda: not dest.exists(), "the stale file's removal")
    watcher.wait_for(f"Node {root}/later does not exist: removed")
    connect(zookeeper).create(f"{root}/later", b"now", makepath=True)
    wait_until(lambda: _read(dest) == b"now", "the new node reaching the file")


def test_the_heartbeat_touches_the_files(
    spawn: Spawn,
    tmp_path: pathlib.Path,
    zookeeper: str,
    root: str,
    connect: Callable[..., KazooClient],
) -> None:
    """While connected, each heartbeat sets the files' modification time to now."""
    connect(zookeeper).create(f"{root}/flags", b"data", makepath=True)
    dest = tmp_path / "flags"
    _watch(spawn, _watcher_ini(tmp_path / "w.ini", zookeeper, {f"{root}/flags": str(dest)}))
    wait_until(lambda: _read(dest) == b"data", "the data reaching the file")
    os.utime(dest, (1000, 1000))
    wait_until(lambda: dest.stat().st_mtime > time.time() - 60, "a heartbeat touching the file")
    assert b"data" == dest.read_bytes()


def test_credentials_from_the_secrets_file(
    spawn: Spawn,
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
    dest = tmp_path / "private"
    ini = _watcher_ini(
        tmp_path / "w.ini",
        zookeeper,
        {f"{root}/private": str(dest)},
        **{"zookeeper.credentials": "secret/zk", "secrets.path": str(secrets)},
    )
    _watch(spawn, ini)
    wait_until(lambda: _read(dest) == b"one", "the private node reaching the file")
    source = tmp_path / "input"
    source.write_bytes(b"two")
    assert 0 == writer_main([str(ini), str(source), f"{root}/private"])
    wait_until(lambda: _read(dest) == b"two", "the written data reaching the file")
    owner.delete(f"{root}/private")


def test_a_bad_configuration_stops_the_watcher(spawn: Spawn, tmp_path: pathlib.Path) -> None:
    """A configuration error stops the watcher at start-up with exit status 1, naming the key."""
    ini = write_ini(tmp_path / "w.ini", {"zookeeper.hosts": "127.0.0.1:1", "nodes.a.source": "/a"})
    watcher = spawn(module_command("baseplate.live_data.watcher", str(ini)))
    assert 1 == watcher.wait()
    assert "nodes.a.dest" in watcher.output


def test_zookeeper_restarting_loses_nothing(
    spawn: Spawn,
    tmp_path: pathlib.Path,
    own_zookeeper: OwnZooKeeper,
    connect: Callable[..., KazooClient],
) -> None:
    """While the watcher's ZooKeeper is stopped and started again, the file keeps its data
    whole (never missing, empty or cut), is not touched, and the log says so; the next
    change after the restart reaches the file."""
    client = connect(own_zookeeper.address)
    client.create("/flags", b"before the restart" * 100)
    dest = tmp_path / "flags"
    watcher = _watch(
        spawn, _watcher_ini(tmp_path / "w.ini", own_zookeeper.address, {"/flags": str(dest)})
    )
    wait_until(lambda: _read(dest) == b"before the restart" * 100, "the data reaching the file")
    client.stop()
    client.close()

    start = len(watcher.lines)
    own_zookeeper.stop()
    watcher.wait_for("Lost the connection to ZooKeeper.*keep their last good data", start=start)
    mtime = dest.stat().st_mtime_ns
    deadline = time.monotonic() + SESSION_TIMEOUT + 1  # past the session's expiry
    while time.monotonic() < deadline:
        assert b"before the restart" * 100 == _read(dest)
        time.sleep(0.02)
    assert mtime == dest.stat().st_mtime_ns

    own_zookeeper.start()
    watcher.wait_for("Reconnected to ZooKeeper", start=start)
    connect(own_zookeeper.address).set("/flags", b"after the restart")
    wait_until(lambda: _read(dest) == b"after the restart", "the change after the restart")
