"""The fetcher and the store against a real Vault-API server: OpenBao's dev server.

tools/openbao.sh starts the shared one on 127.0.0.1:8200 (``BASEPLATE_VAULT_ADDR``
overrides it, ``BASEPLATE_VAULT_TOKEN`` its root token); each test works under paths and
mounts of its own. The outage test starts a second dev server of its own, on a free port,
so that stopping it disturbs no one. The fetcher runs as a real subprocess.
"""

from __future__ import annotations

import base64
import grp
import json
import os
import pathlib
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import hvac
import pytest

from baseplate.secrets import CredentialSecret, SecretsStore, VersionedSecret

pytestmark = pytest.mark.integration

REPO_ROOT = pathlib.Path(__file__).resolve().parents[3]
WAIT = 20.0
CYCLE = r"Wrote \d+ secrets|secrets are unchanged|ERROR:baseplate\.secrets\.fetcher"


def _root_token() -> str:
    return os.environ.get("BASEPLATE_VAULT_TOKEN", "baseplate-dev-root-token")


@pytest.fixture
def vault(service_address: Callable[[str, int], tuple[str, int]]) -> hvac.Client:
    """A root client of the shared dev server."""
    host, port = service_address("vault", 8200)
    return hvac.Client(url=f"http://{host}:{port}", token=_root_token(), timeout=10)


@pytest.fixture
def prefix() -> str:
    """A name no other test uses, for this test's paths and mounts."""
    return f"baseplate-test-{uuid.uuid4().hex[:10]}"


def write_ini(directory: pathlib.Path, url: str, secrets: list[str], **keys: str) -> pathlib.Path:
    """Write a fetcher configuration; by default it logs in with the root token's file."""
    token_file = directory / "vault-token"
    if not token_file.exists():
        token_file.write_text(_root_token())
    settings = {
        "vault.url": url,
        "vault.auth_type": "token",
        "vault.token_path": str(token_file),
        "output.path": str(directory / "secrets.json"),
        "output.owner": pwd.getpwuid(os.geteuid()).pw_name,
        "output.group": grp.getgrgid(os.getegid()).gr_name,
        "secrets": ", ".join(secrets),
        "refresh_interval": "0.2",
        **keys,
    }
    ini = directory / "fetcher.ini"
    ini.write_text("[secret-fetcher]\n" + "".join(f"{k} = {v}\n" for k, v in settings.items()))
    return ini


def fetcher_command(ini: pathlib.Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "baseplate.secrets.fetcher", str(ini), *args]


def wait_until(condition: Callable[[], bool], what: str, timeout: float = WAIT) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


def test_secrets_written_to_vault_are_read_back_through_the_store(
    vault: hvac.Client, prefix: str, tmp_path: pathlib.Path
) -> None:
    """Secrets put in Vault -- on the KV version 2 mount and on a version 1 mount -- come
    back through ``--once`` and the store: simple, base64, versioned and credential."""
    kv2 = vault.secrets.kv.v2
    kv2.create_or_update_secret(f"{prefix}/api", {"type": "simple", "value": "hunter2"})
    blob = base64.b64encode(b"\x00\x01binary").decode()
    kv2.create_or_update_secret(
        f"{prefix}/blob", {"type": "simple", "value": blob, "encoding": "base64"}
    )
    kv2.create_or_update_secret(
        f"{prefix}/signing", {"type": "versioned", "current": "new", "previous": "old"}
    )
    vault.sys.enable_secrets_engine("kv", path=f"{prefix}-kv1", options={"version": "1"})
    try:
        vault.secrets.kv.v1.create_or_update_secret(
            "db",
            {"type": "credential", "username": "app", "password": "pw"},
            mount_point=f"{prefix}-kv1",
        )
        paths = [f"secret/{prefix}/{name}" for name in ("api", "blob", "signing")]
        ini = write_ini(tmp_path, vault.url, [*paths, f"{prefix}-kv1/db"])

        result = subprocess.run(
            fetcher_command(ini, "--once"), capture_output=True, text=True, timeout=WAIT
        )
    finally:
        vault.sys.disable_secrets_engine(f"{prefix}-kv1")

    assert result.returncode == 0, result.stderr
    store = SecretsStore(tmp_path / "secrets.json")
    assert store.get_simple(f"secret/{prefix}/api") == b"hunter2"
    assert store.get_simple(f"secret/{prefix}/blob") == b"\x00\x01binary"
    assert VersionedSecret(previous=b"old", current=b"new", next=None) == store.get_versioned(
        f"secret/{prefix}/signing"
    )
    assert CredentialSecret("app", "pw") == store.get_credentials(f"{prefix}-kv1/db")
    assert (vault.url, _root_token()) == (store.get_vault_url(), store.get_vault_token())
    assert os.stat(tmp_path / "secrets.json").st_mode & 0o7777 == 0o400


def test_once_exits_non_zero_when_a_secret_cannot_be_fetched(
    vault: hvac.Client, prefix: str, tmp_path: pathlib.Path
) -> None:
    """``--once`` with a path Vault does not have exits 1, names the path, writes nothing."""
    ini = write_ini(tmp_path, vault.url, [f"secret/{prefix}/missing"])

    result = subprocess.run(
        fetcher_command(ini, "--once"), capture_output=True, text=True, timeout=WAIT
    )

    assert result.returncode == 1
    assert f"secret/{prefix}/missing: Vault has no secret there" in result.stderr
    assert not (tmp_path / "secrets.json").exists()


def test_rotation_is_seen_by_a_running_store(
    vault: hvac.Client, prefix: str, tmp_path: pathlib.Path, spawn: Callable[..., Any]
) -> None:
    """A secret rotated in Vault reaches a store that is already running, without restart."""
    kv2 = vault.secrets.kv.v2
    kv2.create_or_update_secret(f"{prefix}/key", {"type": "simple", "value": "before"})
    ini = write_ini(tmp_path, vault.url, [f"secret/{prefix}/key"])
    process = spawn(fetcher_command(ini))
    process.wait_for(r"Wrote 1 secrets", timeout=WAIT)
    store = SecretsStore(tmp_path / "secrets.json", timeout=1)
    assert store.get_simple(f"secret/{prefix}/key") == b"before"

    kv2.create_or_update_secret(f"{prefix}/key", {"type": "simple", "value": "after"})

    wait_until(lambda: store.get_simple(f"secret/{prefix}/key") == b"after", "the rotation")


def test_jwt_role_login_renews_its_token_then_logs_in_again(
    vault: hvac.Client, prefix: str, tmp_path: pathlib.Path, spawn: Callable[..., Any]
) -> None:
    """The JWT method: the fetcher logs in with a JWT signed by a key the test made and
    configured on a JWT auth mount, reads what the role's policy allows, renews its
    short-lived token before it expires and logs in again at the token's maximum lifetime;
    the file always holds a working token."""
    jwt = pytest.importorskip("jwt")
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public_pem = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    mount = f"{prefix}-jwt"
    vault.sys.enable_auth_method("jwt", path=mount)
    try:
        vault.auth.jwt.configure(jwt_validation_pubkeys=[public_pem], path=mount)
        vault.sys.create_or_update_policy(
            prefix, f'path "secret/data/{prefix}/*" {{ capabilities = ["read"] }}'
        )
        vault.auth.jwt.create_role(
            name="service",
            role_type="jwt",
            user_claim="sub",
            allowed_redirect_uris=[],
            bound_audiences=["baseplate-test"],
            token_policies=[prefix],
            token_ttl="3s",
            token_max_ttl="7s",
            path=mount,
        )
        vault.secrets.kv.v2.create_or_update_secret(f"{prefix}/k", {"type": "simple", "value": "v"})
        token = jwt.encode(
            {
                "sub": "my-service",
                "aud": "baseplate-test",
                "iat": int(time.time()) - 5,
                "nbf": int(time.time()) - 5,
                "exp": int(time.time()) + 600,
            },
            key,
            algorithm="RS256",
        )
        (tmp_path / "jwt").write_text(token)
        ini = write_ini(
            tmp_path,
            vault.url,
            [f"secret/{prefix}/k"],
            **{
                "vault.auth_type": "jwt",
                "vault.role": "service",
                "vault.mount_point": mount,
                "vault.jwt_path": str(tmp_path / "jwt"),
                "refresh_interval": "0.5",
            },
        )

        process = spawn(fetcher_command(ini))
        process.wait_for(rf"Logged in to Vault with jwt login as role 'service' at auth/{mount}")
        process.wait_for(r"Wrote 1 secrets")
        store = SecretsStore(tmp_path / "secrets.json", timeout=1)
        first_token = store.get_vault_token()
        assert store.get_simple(f"secret/{prefix}/k") == b"v"
        process.wait_for(r"Renewed the Vault token for \d+ s")
        process.wait_for(r"at its maximum lifetime; logging in again", timeout=WAIT)
        relogin = process.wait_for(r"Logged in to Vault", start=3)
        assert relogin
        wait_until(lambda: store.get_vault_token() != first_token, "the new token in the file")
        check = hvac.Client(url=vault.url, token=store.get_vault_token(), timeout=10)
        assert prefix in check.auth.token.lookup_self()["data"]["policies"]
    finally:
        vault.sys.disable_auth_method(mount)
        vault.sys.delete_policy(prefix)


# The outage: a dev server of the test's own, stopped and restarted under a running fetcher.


def _bao() -> str:
    for candidate in (REPO_ROOT / ".openbao" / "venv" / "bin" / "bao", shutil.which("bao")):
        if candidate and os.access(candidate, os.X_OK):
            return str(candidate)
    reason = "no bao binary (bash tools/openbao.sh installs one into .openbao/)"
    if os.environ.get("BASEPLATE_REQUIRE_SERVICES") == "1":
        pytest.fail(f"BASEPLATE_REQUIRE_SERVICES=1 but {reason}")
    pytest.skip(reason)


def _free_port_pair() -> int:
    """A port P with P and P + 1 (the dev server's cluster port) both free."""
    for _ in range(50):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = int(probe.getsockname()[1])
        with socket.socket() as cluster:
            try:
                cluster.bind(("127.0.0.1", port + 1))
            except OSError:
                continue
        return port
    raise AssertionError("no free pair of ports")


class DevServer:
    """A ``bao server -dev`` of the test's own, on a fixed port, that can stop and restart."""

    def __init__(self, bao: str, port: int, token: str) -> None:
        self.args = [
            bao,
            "server",
            "-dev",
            f"-dev-listen-address=127.0.0.1:{port}",
            f"-dev-root-token-id={token}",
            "-dev-no-store-token",
        ]
        self.url = f"http://127.0.0.1:{port}"
        self.token = token
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> hvac.Client:
        self.process = subprocess.Popen(
            self.args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        client = hvac.Client(url=self.url, token=self.token, timeout=5)

        def ready() -> bool:
            try:
                return bool(client.sys.read_health_status(method="GET")["initialized"])
            except Exception:
                return False

        wait_until(ready, "the dev server")
        return client

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@pytest.fixture
def own_server() -> Iterator[DevServer]:
    server = DevServer(_bao(), _free_port_pair(), "outage-test-root")
    yield server
    server.stop()


class FileChecker(threading.Thread):
    """Reads the secrets file every few milliseconds, and after every fetcher cycle (each
    cycle logs a line), and records anything that is not a complete secrets file."""

    def __init__(self, path: pathlib.Path, secret: str, process: Any) -> None:
        super().__init__(daemon=True)
        self.path = path
        self.secret = secret
        self.process = process
        self.problems: list[str] = []
        self.values: list[str] = []
        self.cycles_checked = 0
        self.stopping = threading.Event()

    def check(self) -> None:
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return  # not written yet: readers keep waiting, that is not a bad file
        try:
            value = json.loads(raw)["secrets"][self.secret]["value"]
        except (ValueError, KeyError, TypeError) as exc:
            self.problems.append(f"{exc!r} in {raw[:200]!r}")
            return
        if not self.values or self.values[-1] != value:
            self.values.append(value)

    def run(self) -> None:
        seen = 0
        while not self.stopping.is_set():
            self.check()
            lines = list(self.process.lines)
            for line in lines[seen:]:
                if any(marker in line for marker in ("Wrote ", "unchanged", ":ERROR:")):
                    self.check()
                    self.cycles_checked += 1
            seen = len(lines)
            time.sleep(0.005)


def test_vault_stopped_and_restarted_never_leaves_a_bad_file(
    own_server: DevServer, tmp_path: pathlib.Path, spawn: Callable[..., Any]
) -> None:
    """The server stops under a running fetcher, and comes back empty (a dev server keeps
    nothing), then gets the secret again with a new value: the file keeps the last good
    secrets throughout -- never missing, partial or empty, checked after every cycle and
    every few milliseconds -- the log says Vault is unreachable and retries, and the new
    value is written once Vault has it."""
    path = "secret/outage/key"
    vault = own_server.start()
    vault.secrets.kv.v2.create_or_update_secret("outage/key", {"type": "simple", "value": "v1"})
    (tmp_path / "vault-token").write_text(own_server.token)
    ini = write_ini(tmp_path, own_server.url, [path], **{"vault.timeout": "1"})
    process = spawn(fetcher_command(ini, "--debug"))
    process.wait_for(r"Wrote 1 secrets")
    checker = FileChecker(tmp_path / "secrets.json", path, process)
    checker.start()
    try:
        process.wait_for(r"secrets are unchanged")

        own_server.stop()
        down = process.wait_for(r"is unreachable \(cannot connect: .*retrying in").string
        assert "keeping the last good secrets file" in down
        process.wait_for(r"attempt 3 failed", timeout=WAIT)

        vault = own_server.start()
        process.wait_for(r"Could not fetch the secrets .*secret/outage/key: Vault has no secret")
        vault.secrets.kv.v2.create_or_update_secret("outage/key", {"type": "simple", "value": "v2"})
        process.wait_for(r"Vault answered again after \d+ failed attempts", timeout=WAIT)
        wait_until(lambda: checker.values[-1:] == ["v2"], "the new value in the file")
    finally:
        checker.stopping.set()
        checker.join(timeout=5)

    assert checker.problems == []
    assert checker.values == ["v1", "v2"]
    assert checker.cycles_checked >= 6
    assert SecretsStore(tmp_path / "secrets.json").get_simple(path) == b"v2"
