"""What the secrets tests share: writing a secrets file the way the fetcher does."""

from __future__ import annotations

import json
import os
import pathlib
from collections.abc import Callable
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
