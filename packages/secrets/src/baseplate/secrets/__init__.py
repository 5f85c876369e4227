"""Secrets from Vault, read from the local file that the fetcher sidecar keeps up to date.

The fetcher (:mod:`baseplate.secrets.fetcher`, one per host or pod) logs in to Vault, reads
the secrets the service needs and writes them to a file; :class:`SecretsStore` reads that
file, again whenever it changes, so services never talk to Vault for their secrets and keep
working from the last good copy while Vault is away::

    >>> secrets = SecretsStore(path)
    >>> secrets.get_simple("secret/my-service/api-key")
    b'hunter2'
    >>> secrets.get_versioned("secret/my-service/signing-key").current
    b'current key'

Ask the store each time a secret is needed rather than keeping the value, so a rotation is
used as soon as the fetcher has written it. Registered on a
:class:`~baseplate.core.Baseplate` with ``add_to_context("secrets", secrets)``, each request
gets ``context.secrets``, which reads the file at most once per request.
"""

from __future__ import annotations

from types import FunctionType

from baseplate.secrets._errors import (
    CorruptSecretError,
    SecretNotFoundError,
    SecretsError,
    SecretsNotAvailableError,
)
from baseplate.secrets._store import SecretsStore, secrets_store_from_config
from baseplate.secrets._types import CredentialSecret, VersionedSecret

__all__ = [
    "CorruptSecretError",
    "CredentialSecret",
    "SecretNotFoundError",
    "SecretsError",
    "SecretsNotAvailableError",
    "SecretsStore",
    "VersionedSecret",
    "secrets_store_from_config",
]

# Present the public classes and functions under this module, so reprs, pickles and the
# generated documentation name it rather than the private module that defines them.
for _public in map(globals().get, __all__):
    if isinstance(_public, type | FunctionType):
        _public.__module__ = __name__
del _public
