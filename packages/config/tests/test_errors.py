"""Tests for ConfigurationError."""

from __future__ import annotations

import pickle

from baseplate.config import ConfigurationError


def test_message_is_key_and_error() -> None:
    """str() of the error is "<key>: <error>"."""
    error = ConfigurationError("nested.really.deep", ValueError("bad span"))

    expected = "nested.really.deep: bad span"
    assert expected == str(error)


def test_keeps_key_error_and_reason() -> None:
    """The key, the original error and its text stay available."""
    cause = ValueError("bad span")
    error = ConfigurationError("a.b", cause)

    expected = ("a.b", cause, "bad span")
    assert expected == (error.key, error.error, error.reason)


def test_accepts_plain_message() -> None:
    """The error can be a plain string."""
    expected = "port: must be set"
    assert expected == str(ConfigurationError("port", "must be set"))


def test_pickles() -> None:
    """The error survives pickling with its key and message."""
    error = ConfigurationError("a.b", ValueError("bad"))

    clone = pickle.loads(pickle.dumps(error))

    expected = ("a.b", "a.b: bad", "bad")
    assert expected == (clone.key, str(clone), clone.reason)
    assert isinstance(clone, ConfigurationError)


def test_is_not_a_value_error() -> None:
    """A ConfigurationError is not swallowed by code that handles ValueError from parsers."""
    assert not issubclass(ConfigurationError, ValueError)
