"""connection_from_config and exchange_from_config."""

from __future__ import annotations

import pytest

from baseplate.config import ConfigurationError
from baseplate.context.kombu import connection_from_config, exchange_from_config


def test_connection_reads_hostname_and_virtual_host_under_the_prefix() -> None:
    """The connection takes the URL and the virtual host from the prefixed keys."""
    conn = connection_from_config(
        {"rabbit.hostname": "amqp://u:p@broker.local:5673//", "rabbit.virtual_host": "vh"},
        prefix="rabbit.",
    )
    assert (conn.hostname, conn.port, conn.userid, conn.virtual_host) == (
        "broker.local",
        5673,
        "u",
        "vh",
    )


def test_connection_keyword_arguments_win_over_the_configuration() -> None:
    """A keyword argument overrides the key of the same name and is passed through."""
    conn = connection_from_config(
        {"amqp.hostname": "amqp://broker.local//", "amqp.virtual_host": "from-config"},
        "amqp.",
        virtual_host="from-code",
        heartbeat=7,
    )
    assert conn.virtual_host == "from-code"
    assert conn.heartbeat == 7


def test_connection_without_hostname_names_the_key() -> None:
    """No hostname anywhere fails at startup, naming the full key."""
    with pytest.raises(ConfigurationError, match=r"^queue\.hostname: required"):
        connection_from_config({}, prefix="queue.")


def test_connection_hostname_may_come_from_code_alone() -> None:
    """hostname= makes the key optional."""
    assert connection_from_config({}, hostname="amqp://other//").hostname == "other"


def test_exchange_reads_name_and_type() -> None:
    """The exchange's name and type come from the prefixed keys; kwargs pass through."""
    exchange = exchange_from_config(
        {"amqp.exchange_name": "events", "amqp.exchange_type": "topic"}, "amqp.", durable=False
    )
    assert (exchange.name, exchange.type, exchange.durable) == ("events", "topic", False)


def test_exchange_name_defaults_to_the_default_exchange() -> None:
    """Without exchange_name the exchange is the broker's default one, ''."""
    assert exchange_from_config({"amqp.exchange_type": "direct"}).name == ""


@pytest.mark.parametrize("raw", [{}, {"amqp.exchange_type": "sideways"}])
def test_exchange_type_missing_or_unknown_names_the_key_and_value(raw: dict[str, str]) -> None:
    """A missing or unknown exchange type fails, naming the key, the value and the choices."""
    with pytest.raises(ConfigurationError, match=r"^amqp\.exchange_type: expected one of direct"):
        exchange_from_config(raw)


def test_exchange_accepts_a_plugin_type() -> None:
    """A plugin's x-... exchange type is accepted."""
    raw = {"amqp.exchange_type": "x-consistent-hash"}
    assert exchange_from_config(raw).type == "x-consistent-hash"
