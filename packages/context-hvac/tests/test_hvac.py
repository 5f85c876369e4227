"""Tests for baseplate.context.hvac against a real Vault-API server (OpenBao's dev server).

tools/openbao.sh starts it on 127.0.0.1:8200 with a fixed root token (BASEPLATE_VAULT_ADDR
and BASEPLATE_VAULT_TOKEN point elsewhere).
"""

from __future__ import annotations

import datetime
import json
import os
import pathlib
import uuid
from collections.abc import Callable
from typing import Any

import hvac.exceptions
import pytest
from baseplate_testing import serve_one_request

from baseplate.config import ConfigurationError
from baseplate.context.hvac import (
    HvacContextFactory,
    InstrumentedHvacClient,
    hvac_factory_from_config,
)
from baseplate.secrets import SecretsStore

DEV_ROOT_TOKEN = "baseplate-dev-root-token"


@pytest.fixture
def vault_url(service_address: Callable[[str, int], tuple[str, int]]) -> str:
    host, port = service_address("vault", 8200)
    return f"http://{host}:{port}"


@pytest.fixture
def secrets(tmp_path: pathlib.Path, vault_url: str) -> SecretsStore:
    """A secrets file as the fetcher writes it, holding the dev server's URL and token."""
    path = tmp_path / "secrets.json"
    token = os.environ.get("BASEPLATE_VAULT_TOKEN", DEV_ROOT_TOKEN)
    path.write_text(json.dumps({"secrets": {}, "vault": {"url": vault_url, "token": token}}))
    return SecretsStore(str(path))


@pytest.mark.integration
def test_calls_to_vault_are_child_spans(secrets: SecretsStore, vault_url: str) -> None:
    """A KV write and read through context.vault each make one tagged request span."""
    path = f"baseplate-test/{uuid.uuid4()}"

    def handler(context: Any) -> Any:
        assert isinstance(context.vault, InstrumentedHvacClient)
        context.vault.secrets.kv.v2.create_or_update_secret(path=path, secret={"k": "v"})
        return context.vault.secrets.kv.v2.read_secret_version(
            path=path, raise_on_deleted_version=True
        )

    answer, recorder = serve_one_request(HvacContextFactory(secrets, 1.0), handler, "vault")

    assert answer["data"]["data"] == {"k": "v"}
    (server,) = recorder.server_spans
    expected = ["vault.request", "vault.request"]
    assert expected == [child.name for child in server.children]
    write, read = server.children
    assert write.tags["http.method"] == "POST"
    assert f"{vault_url}/v1/secret/data/{path}" == write.tags["http.url"]
    assert write.tags["http.status_code"] == 200
    assert read.tags["http.method"] == "GET"
    assert read.tags["http.status_code"] == 200
    assert write.finished
    assert write.exc_info is None


@pytest.mark.integration
def test_an_error_answer_finishes_the_span_with_the_exception(secrets: SecretsStore) -> None:
    """A 404 from Vault raises hvac's InvalidPath, and the span records it and the status."""

    def handler(context: Any) -> None:
        with pytest.raises(hvac.exceptions.InvalidPath):
            context.vault.secrets.kv.v2.read_secret_version(
                path=f"missing/{uuid.uuid4()}", raise_on_deleted_version=True
            )

    _, recorder = serve_one_request(HvacContextFactory(secrets, 1.0), handler, "vault")

    (span,) = recorder.server_spans[0].children
    assert span.tags["http.status_code"] == 404
    assert span.exc_info is not None
    assert span.exc_info[0] is hvac.exceptions.InvalidPath


@pytest.mark.integration
def test_unreachable_vault_finishes_the_span_with_the_error(
    tmp_path: pathlib.Path, unused_port: Callable[..., int]
) -> None:
    """Nothing listening: the connection error reaches the caller and the span, no status."""
    path = tmp_path / "secrets.json"
    url = f"http://127.0.0.1:{unused_port()}"
    path.write_text(json.dumps({"secrets": {}, "vault": {"url": url, "token": "t"}}))

    def handler(context: Any) -> None:
        with pytest.raises(Exception, match="onnect"):
            context.vault.sys.read_health_status(method="GET")

    _, recorder = serve_one_request(
        HvacContextFactory(SecretsStore(str(path)), 0.5), handler, "vault"
    )

    (span,) = recorder.server_spans[0].children
    assert span.exc_info is not None
    assert "http.status_code" not in span.tags


@pytest.mark.integration
def test_the_token_comes_from_the_secrets_file_on_each_request(
    tmp_path: pathlib.Path, vault_url: str
) -> None:
    """A token the fetcher rewrote is used by the next request without a restart."""
    path = tmp_path / "secrets.json"
    path.write_text(json.dumps({"secrets": {}, "vault": {"url": vault_url, "token": "wrong"}}))
    factory = HvacContextFactory(SecretsStore(str(path)), 1.0)

    def lookup(context: Any) -> Any:
        return context.vault.auth.token.lookup_self()

    with pytest.raises(hvac.exceptions.Forbidden):
        serve_one_request(factory, lookup, "vault")

    token = os.environ.get("BASEPLATE_VAULT_TOKEN", DEV_ROOT_TOKEN)
    replacement = tmp_path / "secrets.json.new"
    replacement.write_text(json.dumps({"secrets": {}, "vault": {"url": vault_url, "token": token}}))
    replacement.replace(path)

    answer, _ = serve_one_request(factory, lookup, "vault")
    assert "root" in answer["data"]["policies"]


def test_from_config_reads_the_timeout(secrets: SecretsStore) -> None:
    """vault.timeout is a span of time or seconds; one second by default."""
    assert hvac_factory_from_config({}, secrets).timeout == 1.0
    assert hvac_factory_from_config({"vault.timeout": "250 milliseconds"}, secrets).timeout == 0.25
    assert hvac_factory_from_config({"my.vault.timeout": "3"}, secrets, "my.vault.").timeout == 3.0


@pytest.mark.parametrize("value", ["0", "soon", "-1 seconds"])
def test_from_config_bad_timeout_names_the_key(secrets: SecretsStore, value: str) -> None:
    """A bad timeout is refused at startup, naming the full key."""
    with pytest.raises(ConfigurationError) as info:
        hvac_factory_from_config({"vault.timeout": value}, secrets)

    assert info.value.key == "vault.timeout"


@pytest.mark.parametrize("timeout", [0, -1.0, datetime.timedelta(0), True])
def test_factory_refuses_a_timeout_that_is_not_positive(
    secrets: SecretsStore, timeout: Any
) -> None:
    """The constructor checks its timeout too."""
    with pytest.raises(ValueError, match="timeout must be greater than zero"):
        HvacContextFactory(secrets, timeout)
