"""Tests for the command-line tools' arguments and baseplate-script (baseplate.server.cli)."""

from __future__ import annotations

import socket
import subprocess
import textwrap

import pytest

from baseplate.server import cli


def test_serve_arguments_and_defaults():
    """baseplate-serve CONFIG: sections default to main, --bind to localhost:9090."""
    args = cli.make_serve_parser().parse_args(["app.ini"])
    assert (
        args.config_file,
        args.debug,
        args.reload,
        args.app_name,
        args.server_name,
    ) == ("app.ini", False, False, "main", "main")
    assert (args.bind.family, tuple(args.bind.address)) == (socket.AF_INET, ("localhost", 9090))


def test_serve_arguments_given():
    """Every option of baseplate-serve, including a UNIX socket to bind."""
    args = cli.make_serve_parser().parse_args(
        [
            "--debug",
            "--reload",
            "--app-name",
            "a",
            "--server-name=s",
            "--bind",
            "/run/x.sock",
            "c.ini",
        ]
    )
    assert (args.debug, args.reload, args.app_name, args.server_name) == (True, True, "a", "s")
    assert (args.bind.family, args.bind.address) == (socket.AF_UNIX, "/run/x.sock")
    ipv6 = cli.make_serve_parser().parse_args(["c.ini", "--bind", "[::1]:8080"]).bind
    assert (ipv6.family, tuple(ipv6.address)) == (socket.AF_INET6, ("::1", 8080))


def test_bad_bind_is_a_usage_error(capsys):
    """An unparsable --bind exits with status 2 and says why."""
    with pytest.raises(SystemExit) as info:
        cli.make_serve_parser().parse_args(["c.ini", "--bind", "nowhere"])
    assert info.value.code == 2
    assert "argument --bind: expected 'host:port'" in capsys.readouterr().err


def test_script_and_tshell_arguments():
    """baseplate-script CONFIG module:function [--app-name]; baseplate-tshell CONFIG."""
    args = cli.make_script_parser().parse_args(["printer.ini", "--app-name=bizarro", "printer:run"])
    assert (
        args.config_file,
        args.entrypoint,
        args.app_name,
    ) == ("printer.ini", "printer:run", "bizarro")
    args = cli.make_tshell_parser().parse_args(["example.ini", "--debug"])
    assert (args.config_file, args.app_name, args.debug) == ("example.ini", "main", True)


@pytest.fixture
def run_tool(console_script, env):
    """``run_tool(name, *arguments, cwd=...)``: run a console script; return its result."""

    def run(name, *arguments, cwd):
        return subprocess.run(
            [*console_script(name), *arguments],
            cwd=cwd,
            env=env(),
            capture_output=True,
            text=True,
            timeout=30,
        )

    return run


@pytest.fixture
def printer(tmp_path):
    """The printer.ini and printer.py of docs/serve.rst's baseplate-script example."""
    (tmp_path / "printer.ini").write_text(
        "[app:main]\nmessage = Hello!\n\n[app:bizarro]\nmessage = !olleH\n"
    )
    (tmp_path / "printer.py").write_text(
        textwrap.dedent(
            """
            def run(app_config):
                print(app_config["message"])
            """
        )
    )
    return tmp_path


@pytest.mark.integration
@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        (["printer.ini", "printer:run"], "Hello!\n"),
        (["printer.ini", "--app-name=bizarro", "printer:run"], "!olleH\n"),
    ],
)
def test_script_runs_the_documented_printer_example(printer, run_tool, arguments, expected):
    """baseplate-script calls the function with the chosen app section, from the cwd."""
    result = run_tool("baseplate-script", *arguments, cwd=printer)
    assert (0, expected) == (result.returncode, result.stdout), result.stderr


@pytest.mark.integration
def test_script_reports_a_bad_function_reference(printer, run_tool):
    """A function that does not exist is a one-line error and exit status 1."""
    result = run_tool("baseplate-script", "printer.ini", "printer:missing", cwd=printer)
    assert result.returncode == 1
    assert result.stderr == (
        "baseplate-script: error: the function argument = 'printer:missing': "
        "module 'printer' has no attribute 'missing'\n"
    )


@pytest.mark.integration
def test_serve_reports_a_bad_server_setting(tmp_path, run_tool):
    """A bad server value stops baseplate-serve at startup with the key in the message."""
    (tmp_path / "bad.ini").write_text(
        "[app:main]\nfactory = json:dumps\n\n[server:main]\n"
        "factory = baseplate.server.wsgi\nstop_timeout = soon\n"
    )
    result = run_tool("baseplate-serve", "bad.ini", "--bind", "127.0.0.1:0", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.startswith("baseplate-serve: error: stop_timeout: expected a span of time")


@pytest.mark.integration
def test_serve_reports_a_missing_server_section(tmp_path, run_tool):
    """--server-name naming no section is a one-line error."""
    (tmp_path / "app.ini").write_text("[app:main]\nfactory = json:dumps\n")
    result = run_tool("baseplate-serve", "app.ini", "--server-name", "web", cwd=tmp_path)
    assert (result.returncode, result.stderr) == (
        1,
        "baseplate-serve: error: app.ini: no [server:web] section (sections found: [app:main])\n",
    )
