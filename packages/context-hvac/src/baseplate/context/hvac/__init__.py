"""An instrumented hvac (Vault) client on each request's context.

:class:`~baseplate.secrets.SecretsStore` covers what most services need from Vault: reading
secrets, from the file the fetcher sidecar writes. This client is for Vault's other features,
such as the transit engine or cubbyholes. It is an :class:`hvac.Client` that logs in with the
fetcher's token (from the secrets file, so it is always the current one) and makes each HTTP
request to Vault a child span of the request's span.

.. code-block:: ini

    [app:main]
    secrets.path = /var/local/secrets.json
    vault.timeout = 1 second

::

    secrets = secrets_store_from_config(app_config)
    baseplate.add_to_context("vault", hvac_factory_from_config(app_config, secrets))

    def handler(context):
        context.vault.secrets.transit.encrypt_data(name="my-key", plaintext=encoded)
"""

from __future__ import annotations

from types import FunctionType

from baseplate.context.hvac._client import (
    HvacContextFactory,
    InstrumentedHvacClient,
    hvac_factory_from_config,
)

__all__ = ["HvacContextFactory", "InstrumentedHvacClient", "hvac_factory_from_config"]

# Present the public classes and functions under this module, so reprs, pickles and the
# generated documentation name it rather than the private module that defines them.
for _public in map(globals().get, __all__):
    if isinstance(_public, type | FunctionType):
        _public.__module__ = __name__
del _public
