"""Tests for baseplate.crypto's signatures: the byte format, rotation, and every failure."""

from __future__ import annotations

import base64
import datetime
import pickle
import string
from dataclasses import dataclass

import pytest
from hypothesis import given
from hypothesis import strategies as st

from baseplate.crypto import (
    ExpiredSignatureError,
    IncorrectSignatureError,
    SignatureError,
    SignatureInfo,
    UnreadableSignatureError,
    constant_time_compare,
    make_signature,
    validate_signature,
)

# The format's test vector, computed independently of this implementation: the secret
# b"hunter2" signing "Hello, world!" to expire at 1000000000.
VECTOR_SIGNATURE = b"AQAAAMqaOw4BxbJTpgkeIdEmlVHlvyjE94ij8fwIMOP6qpO_9bGA"
VECTOR_EXPIRATION = 1_000_000_000


@dataclass(frozen=True)
class Secret:
    """Stands in for baseplate.secrets.VersionedSecret (current, previous, next)."""

    current: bytes
    previous: bytes | None = None
    next: bytes | None = None

    @property
    def all_versions(self) -> tuple[bytes | None, ...]:
        return (self.current, self.previous, self.next)


HUNTER2 = Secret(b"hunter2")
DAY = datetime.timedelta(days=1)


def test_signature_matches_the_test_vector() -> None:
    """Signing the vector's message at the right time gives the vector's bytes exactly."""
    signature = make_signature(
        HUNTER2, "Hello, world!", datetime.timedelta(seconds=100), now=VECTOR_EXPIRATION - 100
    )

    assert signature == VECTOR_SIGNATURE


def test_header_layout() -> None:
    """Version 1, two zero bytes, then the expiry as a little-endian uint32."""
    raw = base64.urlsafe_b64decode(VECTOR_SIGNATURE)

    assert raw[:7].hex() == "010000" + "00ca9a3b"
    assert len(raw) == 39
    assert len(VECTOR_SIGNATURE) == 52


def test_vector_validates_before_it_expires() -> None:
    """The vector is valid up to and including its expiry second."""
    info = validate_signature(
        HUNTER2, "Hello, world!", VECTOR_SIGNATURE.decode(), now=VECTOR_EXPIRATION
    )

    assert SignatureInfo(version=1, expiration=VECTOR_EXPIRATION) == info


def test_vector_expires_after_its_time() -> None:
    """One second later it is expired, and the error says when."""
    with pytest.raises(ExpiredSignatureError) as info:
        validate_signature(HUNTER2, "Hello, world!", VECTOR_SIGNATURE, now=VECTOR_EXPIRATION + 1)

    assert info.value.expiration == VECTOR_EXPIRATION


def test_round_trip_with_the_real_clock() -> None:
    """A fresh signature validates now, and expires max_age from now."""
    signature = make_signature(HUNTER2, "payload", DAY)

    info = validate_signature(HUNTER2, "payload", signature)

    assert info.version == 1


@pytest.mark.parametrize(
    "secret",
    [
        Secret(current=b"new", previous=b"old"),
        Secret(current=b"newer", next=b"old"),
        Secret(current=b"old"),
    ],
    ids=["rotated-to-current", "signed-with-next", "same"],
)
def test_every_version_of_the_secret_is_accepted(secret: Secret) -> None:
    """A signature made with any version the secret still holds validates."""
    signature = make_signature(Secret(b"old"), "message", DAY, now=0)

    validate_signature(secret, "message", signature, now=0)


def test_a_version_the_secret_no_longer_holds_is_incorrect() -> None:
    """After two rotations the old version is gone and its signatures are refused."""
    signature = make_signature(Secret(b"old"), "message", DAY, now=0)

    with pytest.raises(IncorrectSignatureError):
        validate_signature(Secret(current=b"newest", previous=b"new"), "message", signature, now=0)


def test_correctness_is_checked_before_expiry() -> None:
    """A wrong and expired signature is reported as incorrect, not as expired."""
    signature = make_signature(Secret(b"other"), "message", DAY, now=0)

    with pytest.raises(IncorrectSignatureError):
        validate_signature(HUNTER2, "message", signature, now=10**9)


@pytest.mark.parametrize(
    ("signature", "reason"),
    [
        ("", "cannot be decoded"),
        ("AQAA", "cannot be decoded"),
        ("not base64!", "cannot be decoded"),
        ("é", "cannot be decoded"),
        (base64.urlsafe_b64encode(b"\x02" + bytes(38)), "unknown signature format version 2"),
        (base64.urlsafe_b64encode(b"\x01" + bytes(6) + bytes(31)), "digest has 31 bytes"),
        (base64.urlsafe_b64encode(b"\x01" + bytes(6) + bytes(33)), "digest has 33 bytes"),
    ],
)
def test_unreadable_signatures(signature: str | bytes, reason: str) -> None:
    """Garbage, a wrong version and a wrong digest length are unreadable, saying which."""
    with pytest.raises(UnreadableSignatureError, match=reason):
        validate_signature(HUNTER2, "Hello, world!", signature, now=0)


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"message": b"bytes"}, TypeError, "message must be a str"),
        ({"max_age": 60}, TypeError, "max_age must be a datetime.timedelta"),
        ({"max_age": datetime.timedelta(days=-1)}, ValueError, "choose a smaller max_age"),
        ({"max_age": datetime.timedelta(days=50_000)}, ValueError, "outside the 0 to"),
    ],
)
def test_bad_arguments_to_make_signature(
    kwargs: dict[str, object], error: type[Exception], message: str
) -> None:
    """Wrong types and expiry times the format cannot hold are refused, saying why."""
    arguments: dict[str, object] = {"secret": HUNTER2, "message": "m", "max_age": DAY, "now": 0}
    arguments.update(kwargs)

    with pytest.raises(error, match=message):
        make_signature(**arguments)  # type: ignore[arg-type]


def test_errors_share_a_base_and_pickle() -> None:
    """Every failure is a SignatureError; the expired one keeps its time through pickling."""
    for error in (UnreadableSignatureError, IncorrectSignatureError, ExpiredSignatureError):
        assert issubclass(error, SignatureError)

    copy = pickle.loads(pickle.dumps(ExpiredSignatureError(1234)))

    assert copy.expiration == 1234
    assert "expired at 1234" in str(copy)


def test_constant_time_compare() -> None:
    """Equal values compare equal, others not; str and bytes cannot be mixed."""
    assert constant_time_compare(b"abc", b"abc")
    assert not constant_time_compare(b"abc", b"abd")
    assert constant_time_compare("abc", "abc")
    assert not constant_time_compare("abc", "abcd")
    with pytest.raises(TypeError):
        constant_time_compare("abc", b"abc")  # type: ignore[type-var]


# Properties: any change to the message, the signature or the clock is caught.

messages = st.text(max_size=200)
keys = st.binary(min_size=1, max_size=64)
NOW = 1_700_000_000


@given(key=keys, message=messages, other=messages)
def test_any_other_message_is_incorrect(key: bytes, message: str, other: str) -> None:
    """A signature never validates a different message."""
    secret = Secret(key)
    signature = make_signature(secret, message, DAY, now=NOW)

    if other == message:
        validate_signature(secret, other, signature, now=NOW)
    else:
        with pytest.raises(IncorrectSignatureError):
            validate_signature(secret, other, signature, now=NOW)


@given(key=keys, other_key=keys, message=messages)
def test_any_other_key_is_incorrect(key: bytes, other_key: bytes, message: str) -> None:
    """A signature made with another key never validates."""
    signature = make_signature(Secret(key), message, DAY, now=NOW)

    if other_key == key:
        validate_signature(Secret(other_key), message, signature, now=NOW)
    else:
        with pytest.raises(IncorrectSignatureError):
            validate_signature(Secret(other_key), message, signature, now=NOW)


@given(
    key=keys,
    message=messages,
    position=st.integers(min_value=0, max_value=51),
    replacement=st.sampled_from(string.ascii_letters + string.digits + "-_"),
)
def test_any_changed_character_is_refused(
    key: bytes, message: str, position: int, replacement: str
) -> None:
    """Changing any character of the signature makes it unreadable or incorrect.

    A changed version byte is unreadable; any other change alters the header or digest the
    HMAC covers, so it is incorrect. Never does a changed signature validate or merely
    "expire".
    """
    secret = Secret(key)
    signature = make_signature(secret, message, DAY, now=NOW).decode()
    changed = signature[:position] + replacement + signature[position + 1 :]

    if changed == signature:
        validate_signature(secret, message, changed, now=NOW)
    else:
        with pytest.raises((UnreadableSignatureError, IncorrectSignatureError)):
            validate_signature(secret, message, changed, now=NOW)


@given(
    key=keys,
    message=messages,
    max_age=st.integers(min_value=0, max_value=10**6),
    elapsed=st.integers(min_value=0, max_value=2 * 10**6),
)
def test_expiry_follows_the_clock(key: bytes, message: str, max_age: int, elapsed: int) -> None:
    """Valid until max_age seconds have passed, expired from the second after."""
    secret = Secret(key)
    signature = make_signature(secret, message, datetime.timedelta(seconds=max_age), now=NOW)

    if elapsed <= max_age:
        info = validate_signature(secret, message, signature, now=NOW + elapsed)
        assert NOW + max_age == info.expiration
    else:
        with pytest.raises(ExpiredSignatureError) as error:
            validate_signature(secret, message, signature, now=NOW + elapsed)
        assert NOW + max_age == error.value.expiration
