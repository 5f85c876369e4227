"""What the secrets tests share: writing a secrets file the way the fetcher does, and a
recording HTTP stub for what cannot run here."""

from __future__ import annotations

import dataclasses
import http.server
import json
import os
import pathlib
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest

WriteSecrets = Callable[..., pathlib.Path]


def write_document(path: pathlib.Path, document: object) -> None:
    """Replace ``path`` with ``document`` as JSON (or text, if it is a str) by a rename."""
    temporary = path.with_name(f".{path.name}.test-tmp")
    text = document if isinstance(document, str) else json.dumps(document, indent=2)
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)


@pytest.fixture
def secrets_path(tmp_path: pathlib.Path) -> pathlib.Path:
    return tmp_path / "secrets.json"


@pytest.fixture
def write_secrets(secrets_path: pathlib.Path) -> WriteSecrets:
    """``write_secrets(secrets, vault=...)``: write a secrets file as the fetcher would."""

    def write(
        secrets: dict[str, Any],
        vault: dict[str, Any] | None = None,
        **top_level: Any,
    ) -> pathlib.Path:
        document = {
            "secrets": secrets,
            "vault": vault if vault is not None else {"url": "http://vault:8200", "token": "t"},
            **top_level,
        }
        write_document(secrets_path, document)
        return secrets_path

    return write


@pytest.fixture
def write_raw(secrets_path: pathlib.Path) -> Callable[[object], None]:
    """``write_raw(document)``: replace the secrets file with any JSON value or text."""
    return lambda document: write_document(secrets_path, document)


@dataclasses.dataclass
class Request:
    """One request the stub received (header names in lower case)."""

    method: str
    path: str
    headers: dict[str, str]
    body: Any


Answer = tuple[int, Any]


class HttpStub:
    """A small local HTTP server that records every request and answers from a table.

    ``routes[(method, path)]`` is ``(status, body)`` (a body that is not a str is sent as
    JSON), or a function of the :class:`Request` returning that. Unknown routes get 404.
    It stands in for Vault's API and for the EC2 instance metadata service, which cannot
    run here.
    """

    def __init__(self) -> None:
        self.requests: list[Request] = []
        self.routes: dict[tuple[str, str], Answer | Callable[[Request], Answer]] = {}
        stub = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length).decode() if length else ""
                try:
                    body = json.loads(raw) if raw else None
                except ValueError:
                    body = raw
                path = self.path.split("?")[0]
                headers = {name.lower(): value for name, value in self.headers.items()}
                request = Request(self.command, path, headers, body)
                stub.requests.append(request)
                route = stub.routes.get((self.command, path), (404, {"errors": []}))
                status, answer = route(request) if callable(route) else route
                data = (answer if isinstance(answer, str) else json.dumps(answer)).encode()
                self.send_response(status)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = _handle

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def sent(self, method: str, path: str) -> list[Request]:
        """The requests received for one route, in order."""
        return [r for r in self.requests if (r.method, r.path) == (method, path)]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def http_stub() -> Iterator[HttpStub]:
    """A recording HTTP stub on a free local port (see :class:`HttpStub`)."""
    stub = HttpStub()
    yield stub
    stub.close()
