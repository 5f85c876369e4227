"""The secrets fetcher sidecar: keeps a local file of secrets from Vault up to date.

Run one per host (or pod) beside the services; they read the file with
:class:`baseplate.secrets.SecretsStore`::

    python -m baseplate.secrets.fetcher config.ini [--once] [--debug]
    baseplate-secrets-fetcher config.ini                  # the same, as a script

It needs the ``fetcher`` extra: ``pip install "baseplate-secrets[fetcher]"`` (hvac). Its
configuration is the ``[secret-fetcher]`` section:

.. code-block:: ini

    [secret-fetcher]
    ; the Vault (or OpenBao) server
    vault.url = https://vault.example.com:8200
    ; how to log in: aws (the default), kubernetes, jwt or token
    vault.auth_type = kubernetes
    ; the role to log in as (aws, kubernetes, jwt)
    vault.role = my-service
    ; optional: where the auth method is mounted; default aws-ec2 for aws, else the
    ; method's name (kubernetes, jwt)
    vault.mount_point = kubernetes
    ; kubernetes: optional, the service-account token (this is the default)
    ; jwt: required, a file holding the JWT to log in with
    vault.jwt_path = /var/run/secrets/kubernetes.io/serviceaccount/token
    ; token: required, a file holding the token (re-read whenever a new token is needed)
    ; vault.token_path = /run/vault/token
    ; aws: optional, where this instance's login nonce is kept (this is the default)
    ; vault.nonce_path = /var/local/vault.nonce
    ; optional: the timeout of each request to Vault; default 10 seconds
    vault.timeout = 10 seconds
    ; optional: a CA bundle to check Vault's certificate with; default the system's
    ; vault.ca_cert = /etc/ssl/vault-ca.pem
    ; optional: the secrets file, its owner, group and octal mode (these are the defaults)
    output.path = /var/local/secrets.json
    output.owner = root
    output.group = root
    output.mode = 0400
    ; the secrets to fetch: Vault paths, comma-separated
    secrets = secret/my-service/api-key, secret/my-service/signing-key
    ; optional: the longest wait between fetches (sooner when a token or lease expires
    ; first); default 5 minutes
    refresh_interval = 5 minutes

How it logs in, by ``vault.auth_type``:

``aws``
    The EC2 method: the instance's signed identity document (PKCS#7, from the instance
    metadata service) with ``vault.role`` and a nonce. The nonce is made on the first login
    and kept in ``vault.nonce_path`` (mode 0400): Vault ties the instance to it, so keep the
    file. A refused login (HTTP 400) is logged with what an operator must do if the nonce
    was lost.
``kubernetes``
    The Kubernetes method: the pod's service-account token (``vault.jwt_path``) and
    ``vault.role``.
``jwt``
    The JWT/OIDC method's role login: the JWT in ``vault.jwt_path`` and ``vault.role``.
``token``
    A token made elsewhere (by an operator or another agent), read from
    ``vault.token_path``. The fetcher renews it if it can; it cannot log in again, so a new
    token must be put in the file before the old one expires.

What it does, again and again:

1. Makes sure of its token: logs in when it has none; renews it a minute before it
   expires (a third of its lifetime before, for short ones), or logs in again when it
   cannot be renewed or is at its maximum lifetime.
2. Reads each secret. On a version 2 key/value mount, ``secret/my-service/key`` is read
   at ``secret/data/my-service/key`` and its data kept, so the paths are the same on
   either version. Key/value secrets are read every cycle; a secret with a lease (a
   dynamic secret) is kept and its lease renewed before it expires, and read again only
   when it cannot be.
3. Writes the file, only if every secret was read, and only if it changed: to a temporary
   file in the same directory with the configured owner, group and mode, flushed to disk,
   then renamed over the old one. Readers see the old file or the new one, whole; never a
   partial or empty file.
4. Waits ``refresh_interval``, or less when the token or a lease is due first.

When a cycle fails -- Vault unreachable, sealed, refusing the login or a secret, the file
not writable -- the file is left as it was, so the services keep the last good secrets. The
fetcher logs an error saying what failed, what it kept (the file and its age) and when it
tries again, and retries after 1 s, 2 s, 4 s ... up to a minute (never longer than
``refresh_interval``); when Vault answers again it says so.

With ``--once`` it runs one cycle and exits: 0 when the file was written (or already up to
date), 1 when it could not fetch (the file is then unchanged). Without it, it runs until
SIGTERM or SIGINT and exits 0. A bad configuration stops it at start-up (exit 1) with a
message naming the key.
"""

from __future__ import annotations

import argparse
import configparser
import logging
from collections.abc import Sequence
from types import FunctionType

from baseplate import config, sidecar_kit
from baseplate.core import MissingDistributionError

from ._config import AUTH_TYPES, FetcherConfig, parse_fetcher_config
from ._config import SECTION as _SECTION

__all__ = ["AUTH_TYPES", "FetcherConfig", "main", "parse_fetcher_config"]

# Present the public classes and functions under this module, so reprs, pickles and the
# generated documentation name it rather than the private module that defines them.
for _public in map(globals().get, __all__):
    if isinstance(_public, type | FunctionType):
        _public.__module__ = __name__
del _public

_logger = logging.getLogger("baseplate.secrets.fetcher")

#: What to install for the fetcher.
_FETCHER_EXTRA = "baseplate-secrets[fetcher]"


def _parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = sidecar_kit.argument_parser(
        "baseplate-secrets-fetcher",
        "Fetch secrets from Vault into a local file and keep it up to date.",
        _SECTION,
    )
    parser.add_argument(
        "--once",
        action="store_true",
        help="fetch once and exit: 0 when the file is up to date, 1 when fetching failed",
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the fetcher (see the module's documentation); return the exit status.

    Args:
        argv: The command line's arguments, without the program's name; default
            ``sys.argv[1:]``.

    .. versionadded:: 0.1.0
    """
    args = _parse_args(argv)
    sidecar_kit.configure_logging(args.debug)
    try:
        cfg = parse_fetcher_config(config.read_ini_section(args.config_file, _SECTION))
        try:
            from ._fetcher import make_fetcher
        except ModuleNotFoundError as exc:
            if exc.name != "hvac":
                raise
            raise MissingDistributionError("The secrets fetcher", _FETCHER_EXTRA) from exc
        fetcher = make_fetcher(cfg)
    except (
        OSError,
        configparser.Error,
        config.ConfigurationError,
        MissingDistributionError,
    ) as exc:
        _logger.error("Cannot start the secrets fetcher: %s", exc)
        return 1

    if args.once:
        return 0 if fetcher.fetch_once() else 1

    stop = sidecar_kit.stop_on_signals(_logger)
    _logger.info(
        "Fetching %d secrets from %s into %s",
        len(cfg.secrets),
        cfg.vault_url,
        cfg.output_path,
    )
    fetcher.run(stop)
    return 0
