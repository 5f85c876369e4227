"""The fetch cycle (token, secrets, file) and the loop that repeats it, backing off on failure."""

from __future__ import annotations

import dataclasses
import datetime
import logging
import os
import re
import threading
import time
from collections.abc import Callable
from typing import Any

import hvac
import hvac.exceptions
import requests

from ._auth import Authenticator, LoginError, Token, make_authenticator, token_from_login
from ._config import FetcherConfig
from ._output import render, write_atomically

logger = logging.getLogger("baseplate.secrets.fetcher")

#: The most a token or lease is renewed ahead of its expiry (less for short lifetimes).
RENEW_AHEAD = 60.0
#: The longest pause between attempts while Vault fails.
MAX_BACKOFF = 60.0


class FetchError(Exception):
    """A secret could not be fetched; the message names its path."""


# What a failed cycle can raise. Anything else is a bug and stops the fetcher.
FETCH_FAILURES = (
    hvac.exceptions.VaultError,
    requests.exceptions.RequestException,
    LoginError,
    FetchError,
    OSError,
    ValueError,
)
# Failures that mean Vault could not be reached or cannot serve (sealed, behind a proxy).
_UNREACHABLE = (
    requests.exceptions.ConnectionError,
    requests.exceptions.Timeout,
    hvac.exceptions.VaultDown,
    hvac.exceptions.BadGateway,
)


def _reason(exc: BaseException) -> str:
    """Say briefly why Vault could not be reached (requests' messages run to lines)."""
    if isinstance(exc, requests.exceptions.Timeout):
        return f"no answer in time: {type(exc).__name__}"
    if isinstance(exc, requests.exceptions.ConnectionError):
        found = re.search(r"\[Errno -?\d+\] [^'\")]+", str(exc))
        return f"cannot connect: {found.group(0) if found else type(exc).__name__}"
    return f"{type(exc).__name__}: {exc}"


def renew_at(obtained: float, ttl: float) -> float:
    """When to renew something obtained at ``obtained`` lasting ``ttl`` seconds (0: never).

    A minute ahead of expiry, or a third of the lifetime ahead for lifetimes under three
    minutes.
    """
    if ttl <= 0:
        return float("inf")
    return obtained + ttl - min(RENEW_AHEAD, ttl / 3)


@dataclasses.dataclass(frozen=True)
class _Leased:
    """A secret with a lease (a dynamic secret): kept, and renewed, until it must be read
    again."""

    data: dict[str, Any]
    lease_id: str
    renewable: bool
    ttl: float
    obtained: float

    @property
    def renew_at(self) -> float:
        return renew_at(self.obtained, self.ttl)


class SecretFetcher:
    """Keeps the secrets file up to date from Vault.

    Each cycle (:meth:`fetch`) makes sure of the token (logging in, or renewing it when it
    is about to expire), reads every configured secret and writes the file if anything
    changed. Secrets of a key/value mount are read at every cycle, so rotations are seen
    within ``refresh_interval``; a secret with a lease (a dynamic secret, such as database
    credentials) is kept and its lease renewed, and is read again only when the lease cannot
    be renewed, so its credentials do not change at every cycle.

    For each path the fetcher first asks Vault which mount it is on; on a version 2
    key/value mount it reads ``<mount>/data/<rest>`` and keeps the secret's data, so
    ``secret/my-service/key`` works on either version.
    """

    def __init__(
        self,
        cfg: FetcherConfig,
        client: hvac.Client,
        authenticator: Authenticator,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._cfg = cfg
        self._client = client
        self._auth = authenticator
        self._clock = clock
        self._token: Token | None = None
        self._leased: dict[str, _Leased] = {}
        self._locations: dict[str, tuple[str, bool]] = {}

    # The token.

    def _ensure_token(self, now: float) -> Token:
        token = self._token
        if token is not None and now < renew_at(token.issued, token.ttl):
            return token
        if token is not None and token.renewable:
            try:
                renewed = token_from_login(self._client.auth.token.renew_self(), "renewal")
            except FETCH_FAILURES as exc:
                if isinstance(exc, _UNREACHABLE):
                    raise
                logger.warning("Could not renew the Vault token (%s); logging in again", exc)
            else:
                if renewed.ttl <= 0 or renewed.ttl > min(RENEW_AHEAD, token.ttl / 3):
                    logger.info("Renewed the Vault token for %d s", renewed.ttl)
                    self._token = dataclasses.replace(renewed, issued=now)
                    return self._token
                logger.info("The Vault token is at its maximum lifetime; logging in again")
        self._token = None
        token = dataclasses.replace(self._auth.login(self._client), issued=now)
        lifetime = f"lasts {token.ttl:.0f} s" if token.ttl > 0 else "does not expire"
        logger.info("Logged in to Vault with %s; the token %s", self._auth.describe(), lifetime)
        if token.ttl > 0 and not token.renewable and not self._auth.can_log_in_again:
            logger.warning(
                "The Vault token cannot be renewed and expires in %d s; replace it in time",
                token.ttl,
            )
        self._token = token
        return token

    # The secrets.

    def _locate(self, path: str) -> tuple[str, bool]:
        """Return the API path to read ``path`` at, and whether it is on a KV version 2 mount."""
        location = self._locations.get(path)
        if location is not None:
            return location
        location = (path, False)
        try:
            answer = self._client.adapter.get(f"/v1/sys/internal/ui/mounts/{path}")
        except (hvac.exceptions.Forbidden, hvac.exceptions.InvalidPath):
            pass  # not told: read the path as it is
        else:
            data = answer.get("data") if isinstance(answer, dict) else None
            if isinstance(data, dict):
                mount = data.get("path")
                version = str((data.get("options") or {}).get("version", ""))
                kv2 = data.get("type") == "kv" and version == "2"
                if kv2 and isinstance(mount, str) and path.startswith(mount):
                    location = (f"{mount}data/{path[len(mount) :]}", True)
        self._locations[path] = location
        return location

    def _renew_lease(self, path: str, leased: _Leased, now: float) -> bool:
        try:
            answer = self._client.sys.renew_lease(  # type: ignore[no-untyped-call]
                lease_id=leased.lease_id
            )
        except hvac.exceptions.VaultError as exc:
            if isinstance(exc, _UNREACHABLE):
                raise
            logger.warning("Could not renew the lease of %s (%s); reading it again", path, exc)
            return False
        ttl = float(answer.get("lease_duration") or 0) if isinstance(answer, dict) else 0.0
        if ttl <= min(RENEW_AHEAD, leased.ttl / 3):
            logger.info("The lease of %s is at its maximum lifetime; reading it again", path)
            return False
        self._leased[path] = dataclasses.replace(leased, ttl=ttl, obtained=now)
        logger.info("Renewed the lease of %s for %d s", path, ttl)
        return True

    def _read(self, path: str, now: float) -> dict[str, Any]:
        leased = self._leased.get(path)
        if leased is not None:
            if now < leased.renew_at:
                return leased.data
            if leased.renewable and self._renew_lease(path, leased, now):
                return leased.data
        api_path, kv2 = self._locate(path)
        try:
            answer = self._client.read(api_path)
        except hvac.exceptions.Forbidden as exc:
            raise FetchError(f"{path}: the token may not read it ({exc})") from exc
        if answer is None:
            raise FetchError(f"{path}: Vault has no secret there")
        if not isinstance(answer, dict):
            raise FetchError(f"{path}: Vault's answer is not JSON")
        data = answer.get("data")
        if kv2 and isinstance(data, dict):
            data = data.get("data")
        if not isinstance(data, dict):
            raise FetchError(f"{path}: Vault's answer holds no secret data")
        lease_id = answer.get("lease_id") or ""
        if lease_id:
            self._leased[path] = _Leased(
                data=data,
                lease_id=lease_id,
                renewable=bool(answer.get("renewable")),
                ttl=float(answer.get("lease_duration") or 0),
                obtained=now,
            )
        else:
            self._leased.pop(path, None)
        return data

    # One cycle.

    def fetch(self) -> float:
        """Run one cycle: token, secrets, file. Return the seconds to wait before the next.

        Nothing is written unless every secret was read: the file always holds a complete set.

        Raises:
            One of ``FETCH_FAILURES`` when Vault or the file failed; the file is unchanged.
        """
        now = self._clock()
        token = self._ensure_token(now)
        try:
            secrets = {path: self._read(path, now) for path in self._cfg.secrets}
        except (FetchError, hvac.exceptions.Unauthorized):
            self._token = None  # perhaps revoked: log in afresh next time
            raise
        content = render(secrets, self._cfg.vault_url, token.token)
        cfg = self._cfg
        if write_atomically(cfg.output_path, content, cfg.owner, cfg.group, cfg.mode):
            logger.info("Wrote %d secrets to %s", len(secrets), cfg.output_path)
        else:
            logger.debug("The secrets are unchanged; %s left as it is", cfg.output_path)
        return self._next_wait(now)

    def _next_wait(self, now: float) -> float:
        deadlines = [leased.renew_at for leased in self._leased.values()]
        if self._token is not None:
            deadlines.append(renew_at(self._token.issued, self._token.ttl))
        wait = self._cfg.refresh_interval
        shortest = min(1.0, wait)
        for deadline in deadlines:
            wait = min(wait, max(deadline - now, shortest))
        return wait

    def fetch_once(self) -> bool:
        """Run one cycle, logging a failure instead of raising it; say whether it worked."""
        try:
            self.fetch()
        except FETCH_FAILURES as exc:
            self._log_failure(exc, 1, None)
            return False
        return True

    # The loop.

    def run(self, stop: threading.Event) -> None:
        """Run cycles until ``stop`` is set; after a failure retry with exponential backoff.

        While Vault fails, the file keeps the last secrets written, and each failure is
        logged with what was kept and when the next attempt is.
        """
        failures = 0
        while not stop.is_set():
            try:
                wait = self.fetch()
            except FETCH_FAILURES as exc:
                failures += 1
                wait = self._backoff(failures)
                self._log_failure(exc, failures, wait)
            else:
                if failures:
                    logger.info(
                        "Vault answered again after %d failed attempts; %s is up to date",
                        failures,
                        self._cfg.output_path,
                    )
                failures = 0
            stop.wait(wait)

    def _backoff(self, failures: int) -> float:
        ceiling = min(MAX_BACKOFF, self._cfg.refresh_interval)
        return float(min(min(1.0, ceiling) * 2 ** (failures - 1), ceiling))

    def _log_failure(self, exc: BaseException, failures: int, wait: float | None) -> None:
        if isinstance(exc, _UNREACHABLE):
            what = f"Vault at {self._cfg.vault_url} is unreachable ({_reason(exc)})"
        else:
            what = f"Could not fetch the secrets ({type(exc).__name__}: {exc})"
        if wait is None:
            logger.error("%s; %s", what, self.describe_kept())
        else:
            logger.error(
                "%s; %s; retrying in %.1f s (attempt %d failed)",
                what,
                self.describe_kept(),
                wait,
                failures,
            )

    def describe_kept(self) -> str:
        """Say what the readers have while the fetcher fails: the last file, and its age."""
        path = self._cfg.output_path
        try:
            written = os.stat(path).st_mtime
        except OSError:
            return f"no secrets file at {path} yet"
        when = datetime.datetime.fromtimestamp(written, datetime.UTC)
        age = max(0.0, time.time() - written)
        return (
            f"keeping the last good secrets file {path} "
            f"(written {when:%Y-%m-%d %H:%M:%S} UTC, {age:.0f} s ago)"
        )


def make_fetcher(cfg: FetcherConfig) -> SecretFetcher:
    """Make the fetcher that ``cfg`` describes, with its Vault client and authenticator.

    Raises:
        baseplate.config.ConfigurationError: a setting the login method needs is missing.
    """
    client = hvac.Client(
        url=cfg.vault_url,
        token="",  # never a token from the environment or ~/.vault-token: only the login's
        # hvac's stubs say int; it hands the timeout to requests, which takes seconds as floats
        timeout=cfg.timeout,  # type: ignore[arg-type]
        verify=cfg.ca_cert if cfg.ca_cert is not None else True,
    )
    return SecretFetcher(cfg, client, make_authenticator(cfg))
