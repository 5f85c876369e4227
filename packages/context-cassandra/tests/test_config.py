"""Tests of cluster_from_config: the keys it reads, keyword arguments, and its errors."""

from __future__ import annotations

import pytest
from cassandra.cluster import Cluster

from baseplate.config import ConfigurationError
from baseplate.context.cassandra import cluster_from_config


def test_contact_points_and_port_from_config() -> None:
    """contact_points is a comma-separated list and port a number, both under the prefix."""
    cluster = cluster_from_config(
        {"cassandra.contact_points": "10.0.0.1, 10.0.0.2,", "cassandra.port": "9142"}
    )
    assert isinstance(cluster, Cluster)
    assert list(cluster.contact_points) == ["10.0.0.1", "10.0.0.2"]
    assert cluster.port == 9142


def test_other_prefix_and_default_port() -> None:
    """The prefix chooses where the keys are read; without port the driver's default holds."""
    cluster = cluster_from_config({"db.contact_points": "localhost"}, prefix="db.")
    assert list(cluster.contact_points) == ["localhost"]
    assert cluster.port == 9042


def test_keyword_arguments_win() -> None:
    """Keyword arguments go to the Cluster and take precedence over the configuration."""
    cluster = cluster_from_config(
        {"cassandra.contact_points": "10.0.0.1", "cassandra.port": "9142"},
        contact_points=["10.9.9.9"],
        port=19042,
        protocol_version=4,
    )
    assert list(cluster.contact_points) == ["10.9.9.9"]
    assert cluster.port == 19042
    assert cluster.protocol_version == 4


def test_contact_points_as_keyword_make_the_key_optional() -> None:
    """With contact_points given as a keyword argument, the configuration may lack it."""
    cluster = cluster_from_config({}, contact_points=["127.0.0.1"])
    assert list(cluster.contact_points) == ["127.0.0.1"]


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({}, "required: a comma-separated list of hosts"),
        ({"cassandra.contact_points": " , "}, "at least one item, got ' , '"),
    ],
)
def test_missing_contact_points_names_the_key(config: dict[str, str], message: str) -> None:
    """No contact points at all is an error naming the full key and what is expected."""
    with pytest.raises(ConfigurationError, match=rf"^cassandra\.contact_points: .*{message}"):
        cluster_from_config(config)


@pytest.mark.parametrize(
    ("value", "message"),
    [("nine", "expected a whole number"), ("0", "from 1 to 65535"), ("70000", "from 1 to 65535")],
)
def test_bad_port_names_the_key(value: str, message: str) -> None:
    """A port that is not a number from 1 to 65535 is an error naming the key and the value."""
    with pytest.raises(ConfigurationError, match=rf"^cassandra\.port: .*{message}") as error:
        cluster_from_config({"cassandra.contact_points": "h", "cassandra.port": value})
    assert error.value.key == "cassandra.port"
    assert repr(value) in str(error.value)
