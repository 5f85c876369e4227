"""The fetcher's configuration, its file writing and its cycle (renewals, scheduling,
failures), against a local recording HTTP stub standing in for Vault.

The same behaviour against a real Vault-API server is in test_fetcher_vault.py; the stub
is for what that server cannot show here: leased (dynamic) secrets and exact timings.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import pathlib
import stat
import threading
from typing import Any

import hvac
import pytest

from baseplate.config import ConfigurationError
from baseplate.secrets import SecretsStore
from baseplate.secrets.fetcher import FetcherConfig, main, parse_fetcher_config
from baseplate.secrets.fetcher._auth import JwtLogin
from baseplate.secrets.fetcher._fetcher import SecretFetcher, renew_at
from baseplate.secrets.fetcher._output import render, write_atomically

# Configuration.


def test_config_defaults() -> None:
    """Only vault.url and vault.role are needed; the rest has the documented defaults."""
    cfg = parse_fetcher_config({"vault.url": "https://vault:8200/", "vault.role": "r"})

    assert (
        FetcherConfig(
            vault_url="https://vault:8200",
            auth_type="aws",
            role="r",
            mount_point="aws-ec2",
            jwt_path=None,
            token_path=None,
            nonce_path="/var/local/vault.nonce",
            timeout=10.0,
            ca_cert=None,
            output_path="/var/local/secrets.json",
            owner=0,
            group=0,
            mode=0o400,
            secrets=(),
            refresh_interval=300.0,
        )
        == cfg
    )


def test_config_kubernetes_reads_the_service_account_token_by_default() -> None:
    """Kubernetes logins use the pod's service-account token unless told otherwise."""
    cfg = parse_fetcher_config(
        {"vault.url": "http://v", "vault.role": "r", "vault.auth_type": "kubernetes"}
    )

    assert cfg.jwt_path == "/var/run/secrets/kubernetes.io/serviceaccount/token"
    assert cfg.mount_point == "kubernetes"


def test_config_reads_every_key() -> None:
    """Every key is read; duplicate secrets are fetched once."""
    cfg = parse_fetcher_config(
        {
            "vault.url": "http://v",
            "vault.auth_type": "token",
            "vault.token_path": "/run/token",
            "vault.timeout": "2.5",
            "vault.ca_cert": "/ca.pem",
            "output.path": "/tmp/s.json",
            "output.owner": "nobody",
            "output.group": "nogroup",
            "output.mode": "0640",
            "secrets": "secret/a, secret/b, secret/a",
            "refresh_interval": "30 seconds",
        }
    )

    assert (cfg.auth_type, cfg.token_path, cfg.role) == ("token", "/run/token", None)
    assert (cfg.timeout, cfg.ca_cert, cfg.output_path) == (2.5, "/ca.pem", "/tmp/s.json")
    assert (cfg.owner, cfg.mode, 30.0) == (65534, 0o640, 30.0)
    assert cfg.secrets == ("secret/a", "secret/b")


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({}, r"^vault\.url: expected an http:// or https:// URL"),
        ({"vault.url": "vault:8200", "vault.role": "r"}, r"^vault\.url: .*got 'vault:8200'"),
        ({"vault.url": "http://v"}, r"^vault\.role: required when vault\.auth_type is 'aws'"),
        (
            {"vault.url": "http://v", "vault.role": "r", "vault.auth_type": "ldap"},
            r"^vault\.auth_type: expected one of .*got 'ldap'",
        ),
        (
            {"vault.url": "http://v", "vault.role": "r", "vault.auth_type": "jwt"},
            r"^vault\.jwt_path: required when vault\.auth_type is 'jwt'",
        ),
        (
            {"vault.url": "http://v", "vault.auth_type": "token"},
            r"^vault\.token_path: required when vault\.auth_type is 'token'",
        ),
        (
            {"vault.url": "http://v", "vault.role": "r", "output.mode": "0999"},
            r"^output\.mode: ",
        ),
        (
            {"vault.url": "http://v", "vault.role": "r", "output.mode": "17777"},
            r"^output\.mode: expected an octal file mode",
        ),
        (
            {"vault.url": "http://v", "vault.role": "r", "output.owner": "no-such-user-x"},
            r"^output\.owner: expected the name of a Unix user",
        ),
        (
            {"vault.url": "http://v", "vault.role": "r", "refresh_interval": "0"},
            r"^refresh_interval: ",
        ),
    ],
)
def test_config_errors_name_the_key(raw: dict[str, str], message: str) -> None:
    """Each bad or missing setting is a ConfigurationError naming its key."""
    with pytest.raises(ConfigurationError, match=message):
        parse_fetcher_config(raw)


def test_main_refuses_a_bad_configuration(
    tmp_path: pathlib.Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A bad configuration stops the fetcher at start-up with exit 1, naming the key."""
    ini = tmp_path / "fetcher.ini"
    ini.write_text("[secret-fetcher]\nvault.url = http://v\nvault.auth_type = jwt\n")

    assert main([str(ini), "--once"]) == 1
    assert "Cannot start the secrets fetcher: vault.role: required" in caplog.text


def test_main_needs_the_section(tmp_path: pathlib.Path, caplog: pytest.LogCaptureFixture) -> None:
    """A file without [secret-fetcher] is refused, saying so."""
    ini = tmp_path / "fetcher.ini"
    ini.write_text("[app:main]\n")

    assert main([str(ini)]) == 1
    assert f"no [secret-fetcher] section in {ini}" in caplog.text


# Writing the file.


def test_render_is_what_the_store_reads(tmp_path: pathlib.Path) -> None:
    """The file holds the secrets, the Vault URL and token, and the legacy vault_token,
    indented with sorted keys; the store reads it back."""
    path = tmp_path / "secrets.json"
    content = render({"secret/b": {"type": "simple", "value": "x"}, "secret/a": {}}, "u", "t")
    path.write_bytes(content)

    text = content.decode()
    assert text.index('"secret/a"') < text.index('"secret/b"')
    assert json.loads(text)["vault_token"] == "t"
    assert text.startswith('{\n  "secrets"')
    store = SecretsStore(path)
    assert (
        store.get_simple("secret/b"),
        store.get_vault_url(),
        store.get_vault_token(),
    ) == (b"x", "u", "t")


def test_write_atomically_sets_owner_and_mode(tmp_path: pathlib.Path) -> None:
    """The file gets the configured owner, group and mode, and no temporary file is left."""
    path = tmp_path / "secrets.json"
    owner = 65534 if os.geteuid() == 0 else os.geteuid()

    assert write_atomically(str(path), b"{}\n", owner, os.getegid(), 0o440)

    info = os.stat(path)
    assert (owner, os.getegid(), 0o440) == (info.st_uid, info.st_gid, stat.S_IMODE(info.st_mode))
    assert path.read_bytes() == b"{}\n"
    assert os.listdir(tmp_path) == ["secrets.json"]


def test_write_atomically_leaves_an_unchanged_file_alone(tmp_path: pathlib.Path) -> None:
    """Unchanged contents, owner and mode: nothing is written (the inode stays), so readers
    do not parse it again."""
    path = tmp_path / "secrets.json"
    uid, gid = os.geteuid(), os.getegid()
    write_atomically(str(path), b"one", uid, gid, 0o400)
    inode = os.stat(path).st_ino

    assert not write_atomically(str(path), b"one", uid, gid, 0o400)
    assert inode == os.stat(path).st_ino
    assert write_atomically(str(path), b"one", uid, gid, 0o600)
    assert write_atomically(str(path), b"two", uid, gid, 0o600)
    assert path.read_bytes() == b"two"


def test_write_atomically_failure_keeps_the_old_file(
    tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A failure while writing (here the fsync) leaves the old file whole and no temporary."""
    path = tmp_path / "secrets.json"
    uid, gid = os.geteuid(), os.getegid()
    write_atomically(str(path), b"old", uid, gid, 0o400)

    def failing_fsync(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", failing_fsync)
    with pytest.raises(OSError, match="No space left"):
        write_atomically(str(path), b"new", uid, gid, 0o400)

    assert path.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["secrets.json"]


def test_write_atomically_refuses_empty_content(tmp_path: pathlib.Path) -> None:
    """An empty file is never written."""
    with pytest.raises(ValueError, match="empty"):
        write_atomically(str(tmp_path / "s.json"), b"", 0, 0, 0o400)

    assert os.listdir(tmp_path) == []


# The cycle, against the stub.


class Clock:
    """A monotonic clock the test moves."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def login_answer(ttl: int, renewable: bool = True, token: str = "s.one") -> dict[str, Any]:
    return {"auth": {"client_token": token, "lease_duration": ttl, "renewable": renewable}}


@pytest.fixture
def stub_fetcher(http_stub: Any, tmp_path: pathlib.Path) -> Any:
    """``stub_fetcher(secrets, refresh=...)``: a fetcher with a JWT login, against the stub,
    on a test clock; the stub answers logins with a one-hour renewable token."""
    jwt_path = tmp_path / "jwt"
    jwt_path.write_text("a.b.c")
    http_stub.routes["POST", "/v1/auth/jwt/login"] = (200, login_answer(3600))

    def make(secrets: tuple[str, ...], refresh: float = 300.0) -> tuple[SecretFetcher, Clock]:
        cfg = parse_fetcher_config(
            {
                "vault.url": http_stub.url,
                "vault.auth_type": "jwt",
                "vault.role": "r",
                "vault.jwt_path": str(jwt_path),
                "output.path": str(tmp_path / "secrets.json"),
                "refresh_interval": str(refresh),
            }
        )
        cfg = dataclasses.replace(cfg, secrets=secrets, owner=os.geteuid(), group=os.getegid())
        clock = Clock()
        client = hvac.Client(url=http_stub.url, token="", timeout=5)
        login = JwtLogin("jwt", "r", "jwt", str(jwt_path))
        return SecretFetcher(cfg, client, login, clock=clock), clock

    return make


def test_token_is_renewed_ahead_of_expiry_then_replaced_at_its_maximum(
    http_stub: Any, stub_fetcher: Any, tmp_path: pathlib.Path
) -> None:
    """A renewable token is renewed a minute before it expires; when renewal no longer
    extends it (its maximum lifetime), the fetcher logs in again and writes the new token."""
    fetcher, clock = stub_fetcher(())
    http_stub.routes["POST", "/v1/auth/token/renew-self"] = (200, login_answer(3600))

    assert fetcher.fetch() == 300  # refresh_interval: the token lasts longer
    clock.now += 3600 - 61
    fetcher.fetch()
    assert http_stub.sent("POST", "/v1/auth/token/renew-self") == []
    clock.now += 2
    fetcher.fetch()
    assert len(http_stub.sent("POST", "/v1/auth/token/renew-self")) == 1
    assert len(http_stub.sent("POST", "/v1/auth/jwt/login")) == 1

    http_stub.routes["POST", "/v1/auth/token/renew-self"] = (200, login_answer(10))
    http_stub.routes["POST", "/v1/auth/jwt/login"] = (200, login_answer(3600, token="s.two"))
    clock.now += 3600
    fetcher.fetch()
    assert len(http_stub.sent("POST", "/v1/auth/jwt/login")) == 2
    assert SecretsStore(tmp_path / "secrets.json").get_vault_token() == "s.two"


def test_short_lived_token_is_renewed_a_third_ahead(http_stub: Any, stub_fetcher: Any) -> None:
    """A token lasting under three minutes is renewed a third of its lifetime early, and
    the next cycle is scheduled for then."""
    http_stub.routes["POST", "/v1/auth/jwt/login"] = (200, login_answer(30))
    fetcher, _ = stub_fetcher(())

    assert fetcher.fetch() == 20
    assert renew_at(1000.0, 30) == 1020.0


def test_kv_secret_read_each_cycle(
    http_stub: Any, stub_fetcher: Any, tmp_path: pathlib.Path
) -> None:
    """A KV secret (no lease) is read at every cycle, so a rotation is written at the next;
    on a version 2 mount the data path is read and the secret's data kept."""
    http_stub.routes["GET", "/v1/sys/internal/ui/mounts/secret/app/key"] = (
        200,
        {"data": {"path": "secret/", "type": "kv", "options": {"version": "2"}}},
    )
    http_stub.routes["GET", "/v1/secret/data/app/key"] = (
        200,
        {"data": {"data": {"type": "simple", "value": "one"}, "metadata": {"version": 1}}},
    )
    fetcher, _ = stub_fetcher(("secret/app/key",))
    fetcher.fetch()
    store = SecretsStore(tmp_path / "secrets.json")
    assert store.get_simple("secret/app/key") == b"one"

    http_stub.routes["GET", "/v1/secret/data/app/key"] = (
        200,
        {"data": {"data": {"type": "simple", "value": "two"}, "metadata": {"version": 2}}},
    )
    fetcher.fetch()

    assert store.get_simple("secret/app/key") == b"two"
    assert len(http_stub.sent("GET", "/v1/sys/internal/ui/mounts/secret/app/key")) == 1


def test_leased_secret_is_kept_and_its_lease_renewed(http_stub: Any, stub_fetcher: Any) -> None:
    """A dynamic secret is read once, its lease renewed before it expires (the next cycle is
    scheduled for then), and read again when renewal fails."""
    path = "/v1/database/creds/app"
    http_stub.routes["GET", path] = (
        200,
        {
            "lease_id": "database/creds/app/abc",
            "renewable": True,
            "lease_duration": 120,
            "data": {"type": "credential", "username": "u1", "password": "p"},
        },
    )
    http_stub.routes["PUT", "/v1/sys/leases/renew"] = (200, {"lease_duration": 120})
    fetcher, clock = stub_fetcher(("database/creds/app",))

    assert fetcher.fetch() == 80
    clock.now += 50
    fetcher.fetch()
    assert len(http_stub.sent("GET", path)) == 1
    clock.now += 31
    fetcher.fetch()
    (renewal,) = http_stub.sent("PUT", "/v1/sys/leases/renew")
    assert {"lease_id": renewal.body["lease_id"]} == {"lease_id": "database/creds/app/abc"}
    assert len(http_stub.sent("GET", path)) == 1

    http_stub.routes["PUT", "/v1/sys/leases/renew"] = (400, {"errors": ["lease expired"]})
    clock.now += 200
    fetcher.fetch()
    assert len(http_stub.sent("GET", path)) == 2


def test_a_missing_secret_fails_the_cycle_and_writes_nothing(
    http_stub: Any, stub_fetcher: Any, tmp_path: pathlib.Path
) -> None:
    """If any secret cannot be read, no file is written: never a partial set."""
    http_stub.routes["GET", "/v1/kv/present"] = (200, {"data": {"type": "simple", "value": "x"}})
    fetcher, _ = stub_fetcher(("kv/present", "kv/missing"))

    assert not fetcher.fetch_once()

    assert not (tmp_path / "secrets.json").exists()


def test_run_backs_off_and_keeps_the_file_while_vault_fails(
    http_stub: Any, stub_fetcher: Any, tmp_path: pathlib.Path, caplog: pytest.LogCaptureFixture
) -> None:
    """While Vault fails, the loop retries with doubling waits (capped by the refresh
    interval), logs what it kept, leaves the file alone, and says when Vault is back."""
    http_stub.routes["GET", "/v1/kv/a"] = (200, {"data": {"type": "simple", "value": "x"}})
    fetcher, _ = stub_fetcher(("kv/a",), refresh=4.0)
    fetcher.fetch()
    good = (tmp_path / "secrets.json").read_bytes()
    http_stub.routes["GET", "/v1/kv/a"] = (503, {"errors": ["Vault is sealed"]})
    waits: list[float] = []
    stop = threading.Event()

    class Recorder(threading.Event):
        def wait(self, timeout: float | None = None) -> bool:
            assert timeout is not None
            waits.append(timeout)
            assert good == (tmp_path / "secrets.json").read_bytes()
            if len(waits) == 5:
                http_stub.routes["GET", "/v1/kv/a"] = (
                    200,
                    {"data": {"type": "simple", "value": "x"}},
                )
            if len(waits) == 6:
                stop.set()
            return stop.is_set()

        def is_set(self) -> bool:
            return stop.is_set()

    with caplog.at_level(logging.INFO):
        fetcher.run(Recorder())

    assert waits == [1.0, 2.0, 4.0, 4.0, 4.0, 4.0]
    assert "is unreachable (VaultDown: " in caplog.text
    assert "Vault is sealed" in caplog.text
    assert "keeping the last good secrets file" in caplog.text
    assert "retrying in 2.0 s (attempt 2 failed)" in caplog.text
    assert "Vault answered again after 5 failed attempts" in caplog.text
