"""Tests for baseplate-tshell (baseplate.server._shell): a real subprocess fed on stdin."""

from __future__ import annotations

import importlib.util
import subprocess
import textwrap

import pytest

pytestmark = pytest.mark.integration

SERVICE = textwrap.dedent(
    """
    from baseplate.core import Baseplate


    class App:
        def __init__(self, app_config):
            self.baseplate = Baseplate()
            self.config = app_config


    def make_app(app_config):
        return App(app_config)


    def tshell_setup(env, env_banner):
        env["models"] = "the models module"
        env_banner["models"] = "Models module"
    """
)


@pytest.mark.skipif(
    importlib.util.find_spec("IPython") is not None,
    reason="IPython is installed, so the shell would be IPython rather than the plain console",
)
def test_tshell_exposes_app_context_and_setup_variables(tmp_path, console_script, env):
    """The shell has `app`, `context` (a RequestContext with a server span named shell) and
    what the [tshell] setup function added; the banner lists them."""
    (tmp_path / "shell_service.py").write_text(SERVICE)
    (tmp_path / "example.ini").write_text(
        "[app:main]\nfactory = shell_service:make_app\ncolor = blue\n\n"
        "[tshell]\nsetup = shell_service:tshell_setup\n"
    )
    commands = textwrap.dedent(
        """
        print("span:", context.trace.name, type(context).__name__)
        print("config:", app.config["color"])
        print("models:", models)
        """
    )
    result = subprocess.run(
        [*console_script("baseplate-tshell"), "example.ini"],
        cwd=tmp_path,
        env=env(),
        input=commands,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert 0 == result.returncode, result.stderr
    printed = result.stdout.replace(">>> ", "")  # the console's prompts go to stdout too
    assert "span: shell RequestContext\nconfig: blue\nmodels: the models module\n" == printed
    assert "  app      This project's app instance" in result.stderr
    assert "  context  The context for this shell instance's span" in result.stderr
    assert "  models   Models module" in result.stderr
