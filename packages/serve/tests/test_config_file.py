"""Tests for reading the configuration file (baseplate.server._config_file)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from baseplate.server import ConfigFileError, read_config


def write(tmp_path: Path, text: str) -> str:
    path = tmp_path / "service.ini"
    path.write_text(textwrap.dedent(text))
    return str(path)


EXAMPLE = """
    [app:main]
    factory = my_app.processor:make_processor
    foo = 3
    noodles.blah = one, two, three
    rate = 50%

    [app:other]
    factory = my_app:other

    [server:main]
    factory = baseplate.server.thrift
    stop_timeout = 30

    [tshell]
    setup = my_service:tshell_setup
    """


def test_reads_the_app_and_server_sections(tmp_path):
    """The app section, verbatim (keys lower-cased, % literal), and the server section."""
    path = write(tmp_path, EXAMPLE)
    config = read_config(path, server_name="main")
    assert config.app == {
        "factory": "my_app.processor:make_processor",
        "foo": "3",
        "noodles.blah": "one, two, three",
        "rate": "50%",
    }
    assert config.server == {"factory": "baseplate.server.thrift", "stop_timeout": "30"}
    assert config.tshell == {"setup": "my_service:tshell_setup"}
    assert (config.app_name, config.server_name) == ("main", "main")
    assert not config.has_logging_config


def test_names_select_sections(tmp_path):
    """--app-name picks [app:NAME]; without a server name no server section is read."""
    config = read_config(write(tmp_path, EXAMPLE), app_name="other")
    assert config.app == {"factory": "my_app:other"}
    assert config.server is None


def test_missing_section_lists_the_sections_found(tmp_path):
    """A missing section is a ConfigFileError naming it and the sections that exist."""
    path = write(tmp_path, EXAMPLE)
    with pytest.raises(
        ConfigFileError,
        match=r"no \[server:web\] section \(sections found: "
        r"\[app:main\], \[app:other\], \[server:main\], \[tshell\]\)",
    ) as info:
        read_config(path, server_name="web")
    assert info.value.section == "server:web"
    assert path == info.value.path


def test_missing_file(tmp_path):
    """A file that cannot be read is a ConfigFileError with the reason."""
    path = str(tmp_path / "absent.ini")
    with pytest.raises(
        ConfigFileError,
        match=r"absent\.ini: cannot read the configuration file: No such file or directory",
    ):
        read_config(path)


def test_invalid_ini(tmp_path):
    """A file that is not INI is a ConfigFileError."""
    with pytest.raises(ConfigFileError, match="not a valid INI file"):
        read_config(write(tmp_path, "key = value without a section\n"))
