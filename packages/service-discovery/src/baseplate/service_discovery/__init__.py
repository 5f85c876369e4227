"""Read a Synapse service inventory and pick a backend from it.

Production services usually reach each other through a local HAProxy that Synapse keeps
up to date: connect to the right port on localhost and the routing is done. This module is
for the cases where a blind TCP connection is not enough, such as handing backend addresses
to a client, or topology-aware clients like Cassandra's. It reads the JSON inventory that
Synapse's ``file_output`` writes for one service::

    inventory = ServiceInventory("/var/lib/synapse/example.json")
    backend = inventory.get_backend()
    print(backend.endpoint.address)
"""

from __future__ import annotations

from types import FunctionType

from baseplate.service_discovery._inventory import (
    Backend,
    NoBackendsAvailableError,
    ServiceInventory,
)

__all__ = ["Backend", "NoBackendsAvailableError", "ServiceInventory"]

# Present the public classes and functions under this module, so reprs, pickles and the
# generated documentation name it rather than the private module that defines them.
for _public in map(globals().get, __all__):
    if isinstance(_public, type | FunctionType):
        _public.__module__ = __name__
del _public
