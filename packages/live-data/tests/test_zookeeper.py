"""zookeeper_client_from_config: its keys, the credentials from the secrets store, the
handler it picks, and the clients it makes against a real ZooKeeper."""

from __future__ import annotations

import importlib.util
import pathlib
import subprocess
import sys
from collections.abc import Callable
from typing import Any

import pytest
from kazoo.client import KazooClient
from kazoo.exceptions import NoAuthError
from kazoo.handlers.threading import SequentialThreadingHandler
from kazoo.security import make_digest_acl
from live_data_support import SESSION_TIMEOUT, WAIT, write_secrets

from baseplate import config
from baseplate.live_data import _zookeeper, zookeeper_client_from_config
from baseplate.secrets import CorruptSecretError, SecretNotFoundError, SecretsStore

CREDENTIALS = "secret/live-data/zookeeper"


@pytest.fixture
def secrets(tmp_path: pathlib.Path) -> SecretsStore:
    """A store holding the simple secret ``CREDENTIALS`` = ``reader:hunter2``, and others."""
    path = write_secrets(
        tmp_path / "secrets.json",
        {
            CREDENTIALS: {"type": "simple", "value": "reader:hunter2"},
            "secret/wrong-password": {"type": "simple", "value": "reader:nope"},
            "secret/no-colon": {"type": "simple", "value": "reader"},
            "secret/versioned": {"type": "versioned", "current": "reader:hunter2"},
        },
    )
    return SecretsStore(path)


@pytest.fixture
def recorded(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """The keyword arguments of the next KazooClient the function makes (none is made)."""
    arguments: dict[str, Any] = {}

    def record(**kwargs: Any) -> dict[str, Any]:
        arguments.update(kwargs)
        return arguments

    monkeypatch.setattr(_zookeeper, "KazooClient", record)
    return arguments


def test_hosts_are_required() -> None:
    """Without zookeeper.hosts the error names that key."""
    with pytest.raises(config.ConfigurationError, match=r"^zookeeper\.hosts: "):
        zookeeper_client_from_config(None, {})


def test_a_bad_timeout_is_named() -> None:
    """A timeout that is not a positive span of time is refused, naming the key."""
    raw = {"zookeeper.hosts": "zk:2181", "zookeeper.timeout": "-3 seconds"}
    with pytest.raises(config.ConfigurationError, match=r"^zookeeper\.timeout: "):
        zookeeper_client_from_config(None, raw)


def test_the_client_reconnects_forever_with_backoff(recorded: dict[str, Any]) -> None:
    """The client gets the hosts as written, the default 5 s timeout, no auth, and a
    connection retry that never gives up, doubling from 0.1 s to at most a minute."""
    zookeeper_client_from_config(None, {"zookeeper.hosts": "zk01:2181,zk02:2181/root"})
    assert recorded["hosts"] == "zk01:2181,zk02:2181/root"
    assert recorded["timeout"] == 5.0
    assert recorded["auth_data"] is None
    assert recorded["read_only"] is None
    retry = recorded["connection_retry"]
    assert (
        retry["max_tries"],
        retry["delay"],
        retry["backoff"],
        retry["max_delay"],
    ) == (-1, 0.1, 2, 60)
    assert isinstance(recorded["handler"], SequentialThreadingHandler)


def test_timeout_read_only_and_prefix(recorded: dict[str, Any]) -> None:
    """The timeout is read as a span (or seconds), read_only is passed on, and the keys can
    live under another prefix."""
    raw = {"coordinator.hosts": "zk:2181", "coordinator.timeout": "1.5"}
    zookeeper_client_from_config(None, raw, read_only=True, prefix="coordinator.")
    assert recorded["timeout"] == 1.5
    assert recorded["read_only"] is True


def test_credentials_become_digest_auth(recorded: dict[str, Any], secrets: SecretsStore) -> None:
    """Each credentials secret is sent as digest authentication, username:password."""
    raw = {"zookeeper.hosts": "zk:2181", "zookeeper.credentials": f"{CREDENTIALS}, {CREDENTIALS}"}
    zookeeper_client_from_config(secrets, raw)
    assert recorded["auth_data"] == [("digest", "reader:hunter2")] * 2


def test_credentials_need_a_secrets_store() -> None:
    """Credentials without a secrets store are a configuration error naming the key."""
    raw = {"zookeeper.hosts": "zk:2181", "zookeeper.credentials": CREDENTIALS}
    with pytest.raises(config.ConfigurationError, match=r"^zookeeper\.credentials: .*secrets"):
        zookeeper_client_from_config(None, raw)


@pytest.mark.parametrize(
    ("path", "error", "message"),
    [
        ("secret/missing", SecretNotFoundError, "secret/missing"),
        ("secret/no-colon", CorruptSecretError, "username:password"),
        ("secret/versioned", CorruptSecretError, "simple"),
    ],
)
def test_bad_credentials_say_which_secret(
    secrets: SecretsStore, path: str, error: type[Exception], message: str
) -> None:
    """A credentials secret that is missing, not simple, or not username:password is
    refused with an error naming the secret (and never showing its value)."""
    raw = {"zookeeper.hosts": "zk:2181", "zookeeper.credentials": path}
    with pytest.raises(error, match=message) as caught:
        zookeeper_client_from_config(secrets, raw)
    assert path in str(caught.value)
    assert "reader" not in str(caught.value)


def _started(client: KazooClient) -> KazooClient:
    client.start(timeout=WAIT)
    return client


@pytest.mark.integration
def test_hosts_with_a_chroot(
    zookeeper: str, root: str, connect: Callable[..., KazooClient]
) -> None:
    """With a chroot after the hosts, the client's paths are relative to it."""
    raw = {"zookeeper.hosts": f"{zookeeper}{root}", "zookeeper.timeout": str(SESSION_TIMEOUT)}
    plain = connect(zookeeper)
    plain.ensure_path(root)
    client = _started(zookeeper_client_from_config(None, raw))
    try:
        client.create("/inside", b"chrooted")
    finally:
        client.stop()
        client.close()
    assert plain.get(f"{root}/inside")[0] == b"chrooted"


@pytest.mark.integration
def test_digest_credentials_from_the_secrets_file(
    zookeeper: str, root: str, secrets: SecretsStore, connect: Callable[..., KazooClient]
) -> None:
    """A node whose ACL lets only a digest user in is readable by a client made with that
    user's credentials from the secrets file, and by no other."""
    raw = {
        "zookeeper.hosts": zookeeper,
        "zookeeper.timeout": str(SESSION_TIMEOUT),
        "zookeeper.credentials": CREDENTIALS,
    }
    plain = connect(zookeeper)
    plain.ensure_path(root)
    client = _started(zookeeper_client_from_config(secrets, raw))
    node = f"{root}/private"
    try:
        acl = make_digest_acl("reader", "hunter2", all=True)
        client.create(node, b"only for the reader", acl=[acl])
        assert client.get(node)[0] == b"only for the reader"
        with pytest.raises(NoAuthError):
            plain.get(node)
        wrong = dict(raw, **{"zookeeper.credentials": "secret/wrong-password"})
        other = _started(zookeeper_client_from_config(secrets, wrong))
        try:
            with pytest.raises(NoAuthError):
                other.get(node)
        finally:
            other.stop()
            other.close()
        client.delete(node)
    finally:
        client.stop()
        client.close()


@pytest.mark.integration
@pytest.mark.skipif(importlib.util.find_spec("gevent") is None, reason="gevent is not installed")
def test_gevent_patched_process_gets_the_gevent_handler(zookeeper: str) -> None:
    """In a process that gevent has patched, the client uses kazoo's gevent handler, and
    works: it connects and reads."""
    program = f"""
import gevent.monkey
gevent.monkey.patch_all()
from baseplate.live_data import zookeeper_client_from_config
client = zookeeper_client_from_config(None, {{"zookeeper.hosts": {zookeeper!r}}})
client.start(timeout={WAIT})
print(type(client.handler).__name__, client.exists("/") is not None)
client.stop()
client.close()
"""
    result = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, timeout=WAIT * 2
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "SequentialGeventHandler True"
