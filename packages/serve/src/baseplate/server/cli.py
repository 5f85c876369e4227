"""The command-line tools: ``baseplate-serve``, ``baseplate-script`` and ``baseplate-tshell``.

(``baseplate-healthcheck`` lives in :mod:`baseplate.server.healthcheck`.)

This module imports little at the top on purpose: ``baseplate-serve`` must apply gevent's
monkey-patching before the application, or any library it uses, is imported.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from baseplate.config import ConfigurationError, Endpoint, EndpointConfiguration
from baseplate.server._errors import ServeError

if TYPE_CHECKING:
    from baseplate.server._config_file import ServiceConfig

__all__ = [
    "make_script_parser",
    "make_serve_parser",
    "make_tshell_parser",
    "script",
    "serve",
    "tshell",
]

DEFAULT_BIND = "localhost:9090"


def _endpoint(text: str) -> EndpointConfiguration:
    try:
        return Endpoint(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _make_parser(prog: str, description: str, **kwargs: Any) -> argparse.ArgumentParser:
    """A parser with the arguments every tool takes: the file, --debug and --app-name."""
    parser = argparse.ArgumentParser(prog=prog, description=description, **kwargs)
    parser.add_argument("config_file", metavar="CONFIG", help="the service's INI file")
    parser.add_argument(
        "--debug", action="store_true", help="log at DEBUG level and show every warning"
    )
    parser.add_argument(
        "--app-name",
        default="main",
        metavar="NAME",
        help="read the [app:NAME] section (default: %(default)s)",
    )
    return parser


def make_serve_parser() -> argparse.ArgumentParser:
    """The argument parser of ``baseplate-serve``."""
    parser = _make_parser(
        "baseplate-serve",
        "Serve a Thrift or WSGI application with gevent.",
        allow_abbrev=False,  # --reload is removed from the command line by its exact spelling
    )
    parser.add_argument(
        "--reload",
        action="store_true",
        help="restart when a source file or the configuration changes (development only)",
    )
    parser.add_argument(
        "--server-name",
        default="main",
        metavar="NAME",
        help="read the [server:NAME] section (default: %(default)s)",
    )
    parser.add_argument(
        "--bind",
        type=_endpoint,
        default=_endpoint(DEFAULT_BIND),
        metavar="ENDPOINT",
        help="host:port, [ipv6]:port or a UNIX socket path to listen on "
        f"(default: {DEFAULT_BIND}; ignored under Einhorn)",
    )
    return parser


def make_script_parser() -> argparse.ArgumentParser:
    """The argument parser of ``baseplate-script``."""
    parser = _make_parser(
        "baseplate-script", "Run a function with the application's configuration."
    )
    parser.add_argument(
        "entrypoint",
        metavar="module:function",
        help="the function to call with the app section, as a dict",
    )
    return parser


def make_tshell_parser() -> argparse.ArgumentParser:
    """The argument parser of ``baseplate-tshell``."""
    return _make_parser(
        "baseplate-tshell", "Open an interactive shell with the application and a request context."
    )


def _use_working_directory() -> None:
    # Services and scripts are usually named relative to where the command is run, as
    # `python -m` would find them; put that directory on the import path, after everything
    # installed so it cannot shadow an installed package.
    cwd = os.getcwd()
    if cwd not in sys.path:
        sys.path.append(cwd)


@contextlib.contextmanager
def _errors_in_one_line(prog: str) -> Iterator[None]:
    # Bad input (a bad key, a missing section, a factory that cannot be found) is reported
    # as one line that says what to fix, and exit status 1; a bug still shows its traceback.
    try:
        yield
    except (ServeError, ConfigurationError) as exc:
        sys.stderr.write(f"{prog}: error: {exc}\n")
        raise SystemExit(1) from None


def _load_service_config(args: argparse.Namespace, server_name: str | None = None) -> ServiceConfig:
    """Read the configuration file the arguments name and set up logging from it."""
    from baseplate.server._config_file import read_config
    from baseplate.server._logging import configure_logging

    _use_working_directory()
    service_config = read_config(args.config_file, app_name=args.app_name, server_name=server_name)
    configure_logging(service_config, debug=args.debug)
    return service_config


def serve(argv: Sequence[str] | None = None) -> None:
    """Entry point of ``baseplate-serve`` (and ``python -m baseplate.server``)."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    args = make_serve_parser().parse_args(arguments)
    if args.reload:
        from baseplate.server import reloader

        # This process only watches files and restarts the real server, which runs (without
        # --reload) in a child process; it never imports the application.
        server_arguments = [argument for argument in arguments if argument != "--reload"]
        reloader.run_with_reloader([sys.executable, "-m", "baseplate.server", *server_arguments])
        return
    _patch_and_serve(args)


def _patch_and_serve(args: argparse.Namespace) -> None:
    # gevent's monkey-patching must come before the application and its libraries are
    # imported: modules that keep references to blocking functions from import time (such as
    # `from socket import create_connection` or `from time import sleep`) would otherwise
    # keep the blocking versions, and one blocking call would stall every request in the
    # process. Nothing above this line has imported anything that does.
    from gevent import monkey

    monkey.patch_all()

    from baseplate.server._serve import run_server

    with _errors_in_one_line("baseplate-serve"):
        service_config = _load_service_config(args, server_name=args.server_name)
        run_server(service_config, args.bind)


def script(argv: Sequence[str] | None = None) -> None:
    """Entry point of ``baseplate-script``: call ``module:function`` with the app section."""
    from baseplate.server._loader import load_callable

    args = make_script_parser().parse_args(argv)
    with _errors_in_one_line("baseplate-script"):
        service_config = _load_service_config(args)
        function = load_callable(args.entrypoint, key="the function argument")
    function(dict(service_config.app))


def tshell(argv: Sequence[str] | None = None) -> None:
    """Entry point of ``baseplate-tshell``: an interactive shell with ``app`` and ``context``."""
    from baseplate.server._shell import run_shell

    args = make_tshell_parser().parse_args(argv)
    with _errors_in_one_line("baseplate-tshell"):
        run_shell(_load_service_config(args))
