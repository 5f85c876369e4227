"""The fetcher's logins, checked on the wire against a local recording HTTP stub.

No Kubernetes cluster or EC2 instance (with its metadata service and Vault's AWS method
behind it) can run here, so these tests check what the fetcher sends -- the login request
bodies, the metadata requests -- against a stub that records it and answers as Vault and
the metadata service do. The JWT and token logins also run against a real server in
test_fetcher_vault.py.
"""

from __future__ import annotations

import logging
import os
import pathlib
import stat
import uuid
from typing import Any

import hvac
import hvac.exceptions
import pytest

from baseplate.config import ConfigurationError
from baseplate.secrets.fetcher import parse_fetcher_config
from baseplate.secrets.fetcher._auth import (
    AwsEc2Login,
    JwtLogin,
    LoginError,
    TokenFileLogin,
    make_authenticator,
)

LOGIN_ANSWER = {"auth": {"client_token": "s.issued", "lease_duration": 3600, "renewable": True}}
PKCS7 = "MIAGCSqGSIb3DQEHAqCAMIACAQExDzANBglghkgBZQMEAgEFADCABgkqhkiG9w0BBwGggCSABIIB\nabc\n"


def client(stub: Any) -> hvac.Client:
    return hvac.Client(url=stub.url, token="", timeout=5)


def test_kubernetes_login_sends_the_service_account_token(
    http_stub: Any, tmp_path: pathlib.Path
) -> None:
    """The Kubernetes method: POST auth/<mount>/login with the pod's JWT and the role; the
    issued token is set on the client and its lifetime kept."""
    jwt_path = tmp_path / "token"
    jwt_path.write_text("eyJhbGciOi.service-account.jwt\n")
    http_stub.routes["POST", "/v1/auth/kubernetes/login"] = (200, LOGIN_ANSWER)
    vault = client(http_stub)

    token = JwtLogin("kubernetes", "my-role", "kubernetes", str(jwt_path)).login(vault)

    (sent,) = http_stub.sent("POST", "/v1/auth/kubernetes/login")
    assert sent.body == {"jwt": "eyJhbGciOi.service-account.jwt", "role": "my-role"}
    assert (token.token, token.ttl, token.renewable) == ("s.issued", 3600.0, True)
    assert vault.token == "s.issued"


def test_jwt_login_sends_the_jwt_and_role_to_its_mount(
    http_stub: Any, tmp_path: pathlib.Path
) -> None:
    """The JWT/OIDC method posts the same body to its own mount."""
    jwt_path = tmp_path / "jwt"
    jwt_path.write_text("a.b.c")
    http_stub.routes["POST", "/v1/auth/ci-jwt/login"] = (200, LOGIN_ANSWER)

    JwtLogin("jwt", "deployer", "ci-jwt", str(jwt_path)).login(client(http_stub))

    (sent,) = http_stub.sent("POST", "/v1/auth/ci-jwt/login")
    assert sent.body == {"jwt": "a.b.c", "role": "deployer"}


def test_empty_jwt_file_is_refused_before_vault_is_asked(
    http_stub: Any, tmp_path: pathlib.Path
) -> None:
    """An empty JWT file is an error naming the file; nothing is sent."""
    jwt_path = tmp_path / "jwt"
    jwt_path.write_text("\n")

    with pytest.raises(LoginError, match=f"the JWT file {jwt_path} is empty"):
        JwtLogin("jwt", "r", "jwt", str(jwt_path)).login(client(http_stub))

    assert http_stub.requests == []


def aws_routes(stub: Any, *, imds_v2: bool = True) -> None:
    def identity(request: Any) -> tuple[int, Any]:
        if imds_v2 and request.headers.get("x-aws-ec2-metadata-token") != "imds-session":
            return 401, ""
        return 200, PKCS7

    if imds_v2:
        stub.routes["PUT", "/latest/api/token"] = (200, "imds-session")
    else:
        stub.routes["PUT", "/latest/api/token"] = (405, "")
    stub.routes["GET", "/latest/dynamic/instance-identity/pkcs7"] = identity
    stub.routes["POST", "/v1/auth/aws-ec2/login"] = (200, LOGIN_ANSWER)


def test_aws_login_sends_the_identity_document_role_and_kept_nonce(
    http_stub: Any, tmp_path: pathlib.Path
) -> None:
    """The EC2 method: the PKCS#7 document (fetched with an IMDSv2 session, line breaks
    removed), the role, and a nonce made once, kept with mode 0400 and sent again on the
    next login."""
    aws_routes(http_stub)
    nonce_path = tmp_path / "vault.nonce"
    login = AwsEc2Login("my-role", "aws-ec2", str(nonce_path), 5, metadata_url=http_stub.url)
    vault = client(http_stub)

    login.login(vault)
    login.login(vault)

    first, second = http_stub.sent("POST", "/v1/auth/aws-ec2/login")
    nonce = nonce_path.read_text()
    assert {"pkcs7": PKCS7.replace("\n", ""), "nonce": nonce, "role": "my-role"} == first.body
    assert first.body == second.body
    assert str(uuid.UUID(nonce)) == nonce
    assert stat.S_IMODE(os.stat(nonce_path).st_mode) == 0o400
    (token_request, *_) = http_stub.sent("PUT", "/latest/api/token")
    assert token_request.headers["x-aws-ec2-metadata-token-ttl-seconds"] == "60"


def test_aws_login_without_imds_v2_asks_without_a_session(
    http_stub: Any, tmp_path: pathlib.Path
) -> None:
    """A metadata service that refuses the IMDSv2 session is asked without one."""
    aws_routes(http_stub, imds_v2=False)
    login = AwsEc2Login("r", "aws-ec2", str(tmp_path / "nonce"), 5, metadata_url=http_stub.url)

    login.login(client(http_stub))

    (document_request,) = http_stub.sent("GET", "/latest/dynamic/instance-identity/pkcs7")
    assert "x-aws-ec2-metadata-token" not in document_request.headers
    (sent,) = http_stub.sent("POST", "/v1/auth/aws-ec2/login")
    assert PKCS7.replace("\n", "") == sent.body["pkcs7"]


def test_aws_login_refused_says_how_to_recover(
    http_stub: Any, tmp_path: pathlib.Path, caplog: pytest.LogCaptureFixture
) -> None:
    """An HTTP 400 from the EC2 login logs what an operator must do if the nonce was lost."""
    aws_routes(http_stub)
    http_stub.routes["POST", "/v1/auth/aws-ec2/login"] = (
        400,
        {"errors": ["client nonce mismatch"]},
    )
    nonce_path = tmp_path / "nonce"
    login = AwsEc2Login("r", "aws-ec2", str(nonce_path), 5, metadata_url=http_stub.url)

    with pytest.raises(hvac.exceptions.InvalidRequest, match="client nonce mismatch"):
        login.login(client(http_stub))

    assert f"was {nonce_path} lost?" in caplog.text
    assert "auth/aws-ec2/identity-accesslist" in caplog.text


def test_token_file_login_asks_vault_for_the_lifetime(
    http_stub: Any, tmp_path: pathlib.Path
) -> None:
    """A plain token is read from its file and looked up for its TTL and renewability."""
    token_path = tmp_path / "token"
    token_path.write_text("s.plain\n")
    http_stub.routes["GET", "/v1/auth/token/lookup-self"] = (
        200,
        {"data": {"ttl": 120, "renewable": True}},
    )
    vault = client(http_stub)

    token = TokenFileLogin(str(token_path)).login(vault)

    (sent,) = http_stub.sent("GET", "/v1/auth/token/lookup-self")
    assert sent.headers["x-vault-token"] == "s.plain"
    assert (token.token, token.ttl, token.renewable) == ("s.plain", 120.0, True)


def test_login_without_a_client_token_is_an_error(http_stub: Any, tmp_path: pathlib.Path) -> None:
    """An answer that is not a login is refused with a LoginError."""
    jwt_path = tmp_path / "jwt"
    jwt_path.write_text("a.b.c")
    http_stub.routes["POST", "/v1/auth/jwt/login"] = (200, {"auth": None})

    with pytest.raises(LoginError, match=r"no auth\.client_token"):
        JwtLogin("jwt", "r", "jwt", str(jwt_path)).login(client(http_stub))


@pytest.mark.parametrize(
    ("raw", "kind", "mount_point"),
    [
        ({"vault.role": "r"}, AwsEc2Login, "aws-ec2"),
        ({"vault.role": "r", "vault.auth_type": "kubernetes"}, JwtLogin, "kubernetes"),
        ({"vault.role": "r", "vault.auth_type": "jwt", "vault.jwt_path": "/j"}, JwtLogin, "jwt"),
    ],
)
def test_auth_type_picks_the_login(raw: dict[str, str], kind: type, mount_point: str) -> None:
    """vault.auth_type picks the login, each with its usual mount point."""
    cfg = parse_fetcher_config({"vault.url": "http://vault:8200", **raw})

    login = make_authenticator(cfg)

    assert isinstance(login, kind)
    assert mount_point == login.mount_point  # type: ignore[attr-defined]


def test_hand_made_config_missing_a_setting_names_it() -> None:
    """A FetcherConfig made without parse_fetcher_config still gets a clear error."""
    import dataclasses

    cfg = parse_fetcher_config({"vault.url": "http://v", "vault.role": "r"})

    with pytest.raises(ConfigurationError, match=r"^vault\.role: required"):
        make_authenticator(dataclasses.replace(cfg, role=None))


def test_aws_nonce_is_not_logged(
    http_stub: Any, tmp_path: pathlib.Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Making a nonce is logged, the nonce itself is not (it is a credential)."""
    aws_routes(http_stub)
    nonce_path = tmp_path / "nonce"
    login = AwsEc2Login("r", "aws-ec2", str(nonce_path), 5, metadata_url=http_stub.url)

    with caplog.at_level(logging.DEBUG):
        login.login(client(http_stub))

    assert "Made a new login nonce" in caplog.text
    assert nonce_path.read_text() not in caplog.text
