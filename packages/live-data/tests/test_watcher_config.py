"""The watcher's configuration and its file writes, without ZooKeeper."""

from __future__ import annotations

import os
import pathlib
import stat

import pytest

from baseplate import config
from baseplate.live_data.watcher import NodeConfig, parse_watcher_config
from baseplate.live_data.watcher._files import remove_file, replace_file, touch


def test_a_node_with_the_defaults() -> None:
    """A node needs source and dest; its mode defaults to 0400, owner and group to the
    watcher's, and the heartbeat to five minutes."""
    cfg = parse_watcher_config({"nodes.a.source": "/a", "nodes.a.dest": "/var/local/a"})
    assert (NodeConfig("a", "/a", "/var/local/a", None, None, 0o400),) == cfg.nodes
    assert cfg.heartbeat_interval == 300.0


def test_nodes_with_owner_group_mode_and_a_heartbeat() -> None:
    """Owner and group are names (as ids), the mode octal; nodes come sorted by name."""
    cfg = parse_watcher_config(
        {
            "heartbeat_interval": "2 seconds",
            "nodes.b.source": "/b",
            "nodes.b.dest": "/tmp/b",
            "nodes.b.owner": "root",
            "nodes.b.group": "root",
            "nodes.b.mode": "0644",
            "nodes.a.source": "/a",
            "nodes.a.dest": "/tmp/a",
        }
    )
    assert [node.name for node in cfg.nodes] == ["a", "b"]
    assert (cfg.nodes[1].owner, cfg.nodes[1].group, cfg.nodes[1].mode) == (0, 0, 0o644)
    assert cfg.heartbeat_interval == 2.0


@pytest.mark.parametrize(
    ("raw", "key", "message"),
    [
        ({}, "nodes", "no node to watch"),
        ({"nodes.a.dest": "/tmp/a"}, "nodes.a.source", "ZooKeeper path"),
        ({"nodes.a.source": "a/b", "nodes.a.dest": "/tmp/a"}, "nodes.a.source", "'a/b'"),
        ({"nodes.a.source": "/a"}, "nodes.a.dest", ""),
        (
            {"nodes.a.source": "/a", "nodes.a.dest": "/x", "nodes.a.mode": "rw"},
            "nodes.a.mode",
            "'rw'",
        ),
        (
            {"nodes.a.source": "/a", "nodes.a.dest": "/x", "nodes.a.mode": "17777"},
            "nodes.a.mode",
            "octal",
        ),
        (
            {"nodes.a.source": "/a", "nodes.a.dest": "/x", "nodes.a.owner": "no-such-user-here"},
            "nodes.a.owner",
            "no-such-user-here",
        ),
        (
            {
                "nodes.a.source": "/a",
                "nodes.a.dest": "/x",
                "nodes.b.source": "/b",
                "nodes.b.dest": "/x",
            },
            "nodes.b.dest",
            "already the dest of nodes.a",
        ),
        (
            {"nodes.a.source": "/a", "nodes.a.dest": "/x", "heartbeat_interval": "0"},
            "heartbeat_interval",
            "",
        ),
    ],
)
def test_bad_configuration_names_the_key(raw: dict[str, str], key: str, message: str) -> None:
    """Each problem is a ConfigurationError naming its key, and the value where there is one."""
    with pytest.raises(config.ConfigurationError) as caught:
        parse_watcher_config(raw)
    assert key == caught.value.key
    assert message in str(caught.value)


def test_replace_file_sets_mode_and_leaves_no_temporary(tmp_path: pathlib.Path) -> None:
    """The file gets the data and the mode; nothing else is left in the directory."""
    path = tmp_path / "data.json"
    path.write_bytes(b"old")
    replace_file(str(path), b"new data", None, None, 0o640)
    assert path.read_bytes() == b"new data"
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert os.listdir(tmp_path) == ["data.json"]


def test_replace_file_sets_owner_and_group(tmp_path: pathlib.Path) -> None:
    """Owner and group are given to the file (here the test's own ids, which need no
    privilege); a mode without write permission does not stop the write."""
    path = tmp_path / "data.json"
    replace_file(str(path), b"x", os.getuid(), os.getgid(), 0o400)
    info = path.stat()
    assert (os.getuid(), os.getgid(), 0o400) == (
        info.st_uid,
        info.st_gid,
        stat.S_IMODE(info.st_mode),
    )
    assert path.read_bytes() == b"x"


def test_a_failed_replace_keeps_the_old_file(tmp_path: pathlib.Path) -> None:
    """When the new file cannot be put in place, the old one keeps its data and the new one
    is removed."""
    path = tmp_path / "data.json"
    path.mkdir()  # a directory cannot be replaced by a file
    with pytest.raises(OSError, match="directory"):
        replace_file(str(path), b"new", None, None, 0o400)
    assert os.listdir(tmp_path) == ["data.json"]


def test_remove_and_touch_say_whether_there_was_a_file(tmp_path: pathlib.Path) -> None:
    """remove_file and touch return False for a missing file instead of failing; touch sets
    the modification time to now."""
    path = tmp_path / "data"
    assert not remove_file(str(path))
    assert not touch(str(path))
    path.write_bytes(b"x")
    os.utime(path, (1000, 1000))
    assert touch(str(path))
    assert path.stat().st_mtime > 1000
    assert remove_file(str(path))
    assert not path.exists()
