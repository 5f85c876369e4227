"""Signed, expiring messages keyed by a rotating secret, and constant-time comparison.

:func:`make_signature` signs a message with the current version of a versioned secret (a
:class:`baseplate.secrets.VersionedSecret`, or anything with ``current`` and
``all_versions``), valid until a given time; :func:`validate_signature` accepts a signature
made with any version the secret still holds (previous, current or next), so a key can rotate
without breaking signatures in flight::

    secret = secrets.get_versioned("some_signing_key")
    signature = make_signature(secret, "Hello, world!", max_age=datetime.timedelta(days=1))

    try:
        validate_signature(secret, "Hello, world!", signature)
    except SignatureError:
        print("Oh no, it was invalid!")
    else:
        print("Message was valid!")

Fetch the secret from the store right before each use rather than keeping it, so a rotation
is seen at once.
"""

from __future__ import annotations

from types import FunctionType

from baseplate.crypto._signing import (
    ExpiredSignatureError,
    IncorrectSignatureError,
    SignatureError,
    SignatureInfo,
    SigningSecret,
    UnreadableSignatureError,
    constant_time_compare,
    make_signature,
    validate_signature,
)

__all__ = [
    "ExpiredSignatureError",
    "IncorrectSignatureError",
    "SignatureError",
    "SignatureInfo",
    "SigningSecret",
    "UnreadableSignatureError",
    "constant_time_compare",
    "make_signature",
    "validate_signature",
]

# Present the public classes and functions under this module, so reprs, pickles and the
# generated documentation name it rather than the private module that defines them.
for _public in map(globals().get, __all__):
    if isinstance(_public, type | FunctionType):
        _public.__module__ = __name__
del _public
