"""The examples of baseplate.config's docstrings (docs/config.rst shows them), run as written."""

from __future__ import annotations

import configparser
import datetime
import doctest
import pathlib

import pytest

import baseplate.config
from baseplate import config

MAIN_EXAMPLE = """\
[app:main]
simple = true
cards = clubs, spades, diamonds
nested.once = 1
nested.really.deep = 3 seconds
some_file = {some_file}
sample_rate = 37.1%
interval = 30 seconds
"""

POPULATION_EXAMPLE = """\
[app:main]
population.cn = 1383890000
population.in = 1317610000
population.us = 325165000
population.id = 263447000
population.br = 207645000
"""

COUNTRIES_EXAMPLE = """\
[app:main]
countries.cn.capital = Beijing
countries.in.population = 1317610000
countries.in.capital = New Delhi
countries.us.population = 325165000
countries.us.capital = Washington D.C.
countries.id.population = 263447000
countries.id.capital = Jakarta
countries.br.population = 207645000
countries.br.capital = Brasília
"""


def read_ini(tmp_path: pathlib.Path, text: str) -> dict[str, str]:
    """Write ``text`` to an INI file and read its [app:main] section like a server would."""
    path = tmp_path / "example.ini"
    path.write_text(text, encoding="utf-8")
    config_parser = configparser.RawConfigParser()
    with path.open(encoding="utf-8") as ini_file:
        config_parser.read_file(ini_file)
    return dict(config_parser.items("app:main"))


def test_main_example(tmp_path: pathlib.Path) -> None:
    """The module's main example parses to the values its docstring shows."""
    some_file = tmp_path / "whatever.txt"
    some_file.write_text("cool")
    raw_config = read_ini(tmp_path, MAIN_EXAMPLE.format(some_file=some_file))

    CARDS = config.OneOf(clubs=1, spades=2, diamonds=3, hearts=4)
    cfg = config.parse_config(
        raw_config,
        {
            "simple": config.Boolean,
            "cards": config.TupleOf(CARDS),
            "nested": {
                "once": config.Integer,
                "really": {
                    "deep": config.Timespan,
                },
            },
            "some_file": config.File(mode="r"),
            "optional": config.Optional(config.Integer, default=9001),
            "sample_rate": config.Percent,
            "interval": config.Fallback(config.Timespan, config.Integer),
        },
    )
    try:
        contents = cfg.some_file.read()
    finally:
        cfg.some_file.close()

    assert cfg.simple is True
    expected_cards = [1, 2, 3]
    assert expected_cards == cfg.cards
    expected_once = 1
    assert expected_once == cfg.nested.once
    assert datetime.timedelta(seconds=3) == cfg.nested.really.deep
    expected_contents = "cool"
    assert expected_contents == contents
    expected_optional = 9001
    assert expected_optional == cfg.optional
    assert pytest.approx(0.371) == cfg.sample_rate
    assert datetime.timedelta(seconds=30) == cfg.interval


def test_population_example(tmp_path: pathlib.Path) -> None:
    """DictOf(Integer) gathers the five population keys."""
    raw_config = read_ini(tmp_path, POPULATION_EXAMPLE)

    cfg = config.parse_config(raw_config, {"population": config.DictOf(config.Integer)})

    expected_count = 5
    assert expected_count == len(cfg.population)
    expected_br = 207645000
    assert expected_br == cfg.population["br"]


def test_countries_example(tmp_path: pathlib.Path) -> None:
    """DictOf with a nested spec gathers one namespace per country."""
    raw_config = read_ini(tmp_path, COUNTRIES_EXAMPLE)

    cfg = config.parse_config(
        raw_config,
        {
            "countries": config.DictOf(
                {
                    "population": config.Optional(config.Integer),
                    "capital": config.String,
                }
            ),
        },
    )

    expected_names = ["cn", "in", "us", "id", "br"]
    assert expected_names == list(cfg.countries)
    assert cfg.countries["cn"].population is None
    expected_capitals = ("Beijing", "Brasília")
    assert expected_capitals == (cfg.countries["cn"].capital, cfg.countries.br.capital)
    expected_population = 263447000
    assert expected_population == cfg.countries["id"].population


def test_countries_example_requires_capital(tmp_path: pathlib.Path) -> None:
    """Without Optional, a country missing a key is reported under the full key."""
    raw_config = read_ini(tmp_path, COUNTRIES_EXAMPLE)
    spec = {"countries": config.DictOf({"population": config.Integer, "capital": config.String})}

    with pytest.raises(config.ConfigurationError, match=r"^countries\.cn\.population: "):
        config.parse_config(raw_config, spec)


def test_module_docstring_examples() -> None:
    """The examples in the package docstring run and print what they show."""
    results = doctest.testmod(baseplate.config, optionflags=doctest.ELLIPSIS)

    assert results.attempted > 0
    expected_failures = 0
    assert expected_failures == results.failed
