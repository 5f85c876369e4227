"""Tests of read_ini_section: one section of an INI file, as text, for parse_config."""

from __future__ import annotations

import configparser
import pathlib

import pytest

from baseplate.config import ConfigurationError, read_ini_section


def write(tmp_path: pathlib.Path, text: str) -> str:
    path = tmp_path / "service.ini"
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_the_section_is_read_raw_with_lowercased_keys(tmp_path: pathlib.Path) -> None:
    """Values come back as written (no % interpolation); keys are lowercased; other
    sections are not mixed in."""
    path = write(tmp_path, "[a:main]\nKey = 50% of ${x}\n\n[other]\nkey = no\n")

    assert read_ini_section(path, "a:main") == {"key": "50% of ${x}"}


def test_a_missing_section_names_the_section_and_the_file(tmp_path: pathlib.Path) -> None:
    """The error's key is the section; its message names the section and the path."""
    path = write(tmp_path, "[other]\nkey = value\n")

    with pytest.raises(
        ConfigurationError, match=r"no \[live-data\] section in .*service.ini"
    ) as info:
        read_ini_section(path, "live-data")
    assert info.value.key == "live-data"


def test_an_optional_section_that_is_missing_is_empty(tmp_path: pathlib.Path) -> None:
    """required=False turns a missing section into an empty mapping."""
    path = write(tmp_path, "[other]\nkey = value\n")

    assert read_ini_section(path, "app:main", required=False) == {}


def test_unreadable_and_malformed_files_raise_their_own_errors(tmp_path: pathlib.Path) -> None:
    """A missing file is an OSError; text that is not INI is a configparser.Error."""
    with pytest.raises(FileNotFoundError):
        read_ini_section(str(tmp_path / "absent.ini"), "x")
    with pytest.raises(configparser.Error):
        read_ini_section(write(tmp_path, "key = value without a section\n"), "x")
