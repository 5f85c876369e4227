"""The instrumented hvac client, its context factory and configuration."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any

import hvac
import requests
from hvac.adapters import JSONAdapter

from baseplate import config
from baseplate.core import ContextFactory, Span
from baseplate.secrets import SecretsStore


class _InstrumentedAdapter(JSONAdapter):
    """hvac's JSON adapter, with each HTTP request made inside a child span."""

    def __init__(self, *, server_span: Span, context_name: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._server_span = server_span
        self._span_name = f"{context_name}.request"

    def request(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str] | None = None,
        raise_exception: bool = True,
        **kwargs: Any,
    ) -> Any:
        span = self._server_span.make_child(self._span_name)

        def record_status(response: requests.Response, *args: Any, **kw: Any) -> None:
            span.set_tag("http.status_code", response.status_code)

        hooks = dict(kwargs.pop("hooks", None) or {})
        hooks["response"] = [record_status, *_as_list(hooks.get("response"))]
        with span:
            span.set_tag("http.method", method.upper())
            span.set_tag("http.url", self.urljoin(self.base_uri, url))
            return super().request(
                method, url, headers=headers, raise_exception=raise_exception, hooks=hooks, **kwargs
            )


def _as_list(hooks: Any) -> list[Any]:
    if hooks is None:
        return []
    return list(hooks) if isinstance(hooks, list | tuple) else [hooks]


class InstrumentedHvacClient(hvac.Client):
    """An :class:`hvac.Client` whose every HTTP request to Vault is a child span.

    Each request makes a span named ``<context attribute>.request`` (``vault.request`` for a
    client added to the context as ``vault``), tagged ``http.method``, ``http.url`` and
    ``http.status_code``, and finished with the exception when the request fails (hvac
    raises one for an error answer, e.g. :exc:`hvac.exceptions.InvalidPath` for a 404).

    Made by :class:`HvacContextFactory` for each request; not usually built directly.

    Args:
        url: Vault's URL.
        token: The Vault token to authenticate with.
        timeout: The timeout of each HTTP request, in seconds.
        session: The HTTP session (connection pool) to send requests through.
        context_name: The context attribute the client is on, for span names.
        server_span: The span of the request the client belongs to.

    .. versionadded:: 0.1.0
    """

    def __init__(
        self,
        url: str,
        token: str,
        timeout: float,
        session: requests.Session,
        context_name: str,
        server_span: Span,
    ) -> None:
        super().__init__(
            url=url,
            token=token,
            timeout=timeout,  # type: ignore[arg-type]  # hvac says int; requests takes float
            session=session,
            adapter=_InstrumentedAdapter,
            server_span=server_span,
            context_name=context_name,
        )


class HvacContextFactory(ContextFactory):
    """Puts an :class:`InstrumentedHvacClient` on each request's context.

    The client authenticates with the Vault URL and token from the secrets store (the
    fetcher's, so a renewed token is used as soon as the fetcher writes it), read when the
    request first uses the client. One HTTP connection pool is shared by every request's
    client.

    Args:
        secrets_store: The store the Vault URL and token come from.
        timeout: How long each call to Vault may take: a :class:`datetime.timedelta` or a
            number of seconds, greater than zero.

    Raises:
        ValueError: if ``timeout`` is not greater than zero.

    .. versionadded:: 0.1.0
    """

    def __init__(self, secrets_store: SecretsStore, timeout: datetime.timedelta | float) -> None:
        seconds = timeout.total_seconds() if isinstance(timeout, datetime.timedelta) else timeout
        if isinstance(seconds, bool) or not isinstance(seconds, int | float) or not seconds > 0:
            raise ValueError(f"timeout must be greater than zero, got {timeout!r}")
        self.secrets_store = secrets_store
        self.timeout = float(seconds)
        self._session = requests.Session()

    def make_object_for_context(self, name: str, span: Span) -> InstrumentedHvacClient:
        """Return a client for the request of ``span``, on its context as ``name``.

        Raises:
            baseplate.secrets.SecretsNotAvailableError: if the secrets file cannot be read.
        """
        return InstrumentedHvacClient(
            url=self.secrets_store.get_vault_url(),
            token=self.secrets_store.get_vault_token(),
            timeout=self.timeout,
            session=self._session,
            context_name=name,
            server_span=span,
        )


def hvac_factory_from_config(
    app_config: config.RawConfig, secrets_store: SecretsStore, prefix: str = "vault."
) -> HvacContextFactory:
    """Make an :class:`HvacContextFactory` from the application's configuration.

    Reads one key, with ``prefix`` in front of it:

    * ``timeout``: how long each call to Vault may take, as a span of time (``500
      milliseconds``) or a number of seconds; default one second.

    Args:
        app_config: The application's raw configuration.
        secrets_store: The store the Vault URL and token come from.
        prefix: The prefix of the keys, ``vault.`` by default.

    Raises:
        baseplate.config.ConfigurationError: naming the full key if its value is invalid.

    .. versionadded:: 0.1.0
    """
    parsed = config.parse_config(
        app_config,
        {
            "timeout": config.Optional(
                config.Positive(config.TimespanOrSeconds), default=datetime.timedelta(seconds=1)
            )
        },
        prefix=prefix,
    )
    return HvacContextFactory(secrets_store, parsed.timeout)
