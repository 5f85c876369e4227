"""``baseplate-tshell``: an interactive shell with the application and a request context."""

from __future__ import annotations

import code
import importlib
import logging
import sys
from typing import Any

from baseplate.core import Baseplate, RequestContext
from baseplate.server._config_file import ServiceConfig
from baseplate.server._loader import load_callable
from baseplate.server._serve import make_app

logger = logging.getLogger(__name__)


def make_shell_environment(service_config: ServiceConfig) -> tuple[dict[str, Any], dict[str, str]]:
    """Build the application and the variables the shell starts with.

    ``app`` is what the app factory returns; ``context`` is a
    :class:`~baseplate.core.RequestContext` with a started server span named ``shell`` (made
    by ``app.baseplate`` when the app has one, so its observers and context attributes are
    there). The ``[tshell]`` section's ``setup = module:function`` is then called as
    ``function(env, env_banner)`` to add more.

    Returns:
        The variables, and a description of each for the banner.
    """
    app = make_app(service_config)
    baseplate = getattr(app, "baseplate", None)
    if not isinstance(baseplate, Baseplate):
        logger.info("The app has no `baseplate` attribute; the shell's context has no observers")
        baseplate = Baseplate()
    context = RequestContext()
    span = baseplate.make_server_span(context, "shell")
    span.start()

    env: dict[str, Any] = {"app": app, "context": context}
    env_banner = {
        "app": "This project's app instance",
        "context": "The context for this shell instance's span",
    }
    setup_reference = (service_config.tshell or {}).get("setup")
    if setup_reference:
        setup = load_callable(setup_reference, key="[tshell] setup")
        setup(env, env_banner)
    return env, env_banner


def _banner(env_banner: dict[str, str]) -> str:
    lines = ["Available objects:"]
    width = max((len(name) for name in env_banner), default=0)
    lines.extend(f"  {name:<{width}}  {text}" for name, text in sorted(env_banner.items()))
    return "\n".join(lines)


def run_shell(service_config: ServiceConfig) -> None:
    """Run the interactive shell: IPython when it is installed, else the standard console."""
    env, env_banner = make_shell_environment(service_config)
    banner = _banner(env_banner)
    # Held here, not read back from env: IPython empties the namespace when it exits.
    span = env["context"].trace
    try:
        try:
            ipython = importlib.import_module("IPython")
            traitlets_config = importlib.import_module("traitlets.config")
        except ImportError:
            console = code.InteractiveConsole(env)
            console.interact(banner=f"Python {sys.version}\n{banner}", exitmsg="")
        else:
            shell_config = traitlets_config.Config()
            shell_config.TerminalInteractiveShell.banner2 = banner + "\n"
            ipython.start_ipython(argv=[], user_ns=env, config=shell_config)
    finally:
        span.finish()
