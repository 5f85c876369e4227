"""Tests for baseplate-tshell (baseplate.server._shell): a real subprocess fed on stdin.

The shell is IPython when it can be imported, else the standard library's console. Both are
run for real: the IPython test needs IPython (in the serve package's test group); the
console test hides an installed IPython from the child with a package on PYTHONPATH whose
import fails, as if IPython were not installed.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import textwrap
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

SERVICE = textwrap.dedent(
    """
    import sys

    from baseplate.core import Baseplate, BaseplateObserver, SpanObserver


    class AnnounceFinish(SpanObserver):
        def on_finish(self, exc_info):
            print("shell span finished", file=sys.stderr)


    class Observer(BaseplateObserver):
        def on_server_span_created(self, context, server_span):
            server_span.register(AnnounceFinish())


    class App:
        def __init__(self, app_config):
            self.baseplate = Baseplate()
            self.baseplate.register(Observer())
            self.config = app_config


    def make_app(app_config):
        return App(app_config)


    def tshell_setup(env, env_banner):
        env["models"] = "the models module"
        env_banner["models"] = "Models module"
    """
)

COMMANDS = textwrap.dedent(
    """
    print("span:", context.trace.name, type(context).__name__)
    print("config:", app.config["color"])
    print("models:", models)
    """
)


def run_tshell(
    tmp_path: Path, console_script, env, **extra_env: str
) -> subprocess.CompletedProcess[str]:
    (tmp_path / "shell_service.py").write_text(SERVICE)
    (tmp_path / "example.ini").write_text(
        "[app:main]\nfactory = shell_service:make_app\ncolor = blue\n\n"
        "[tshell]\nsetup = shell_service:tshell_setup\n"
    )
    return subprocess.run(
        [*console_script("baseplate-tshell"), "example.ini"],
        cwd=tmp_path,
        env=env(**extra_env),
        input=COMMANDS,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_console_exposes_app_context_and_setup_variables(tmp_path, console_script, env):
    """Without IPython: the standard console has `app`, `context` (a RequestContext with a
    server span named shell) and what the [tshell] setup function added; the banner lists
    them, and the span finishes when the shell exits."""
    blocker = tmp_path / "no_ipython" / "IPython"
    blocker.mkdir(parents=True)
    (blocker / "__init__.py").write_text('raise ImportError("IPython is hidden by this test")\n')
    paths = [str(blocker.parent), os.environ.get("PYTHONPATH", "")]
    result = run_tshell(
        tmp_path, console_script, env, PYTHONPATH=os.pathsep.join(filter(None, paths))
    )
    assert result.returncode == 0, result.stderr
    printed = result.stdout.replace(">>> ", "")  # the console's prompts go to stdout too
    assert printed == "span: shell RequestContext\nconfig: blue\nmodels: the models module\n"
    assert "IPython" not in result.stderr
    assert "  app      This project's app instance" in result.stderr
    assert "  context  The context for this shell instance's span" in result.stderr
    assert "  models   Models module" in result.stderr
    assert result.stderr.rstrip().endswith("shell span finished")


@pytest.mark.skipif(
    importlib.util.find_spec("IPython") is None,
    reason="IPython is not installed (it is in the serve package's test dependencies)",
)
def test_ipython_exposes_app_context_and_setup_variables(tmp_path, console_script, env):
    """With IPython installed the shell is IPython, with the same variables, the banner
    after IPython's own, and the span finished on exit (IPython empties its namespace when
    it exits, so the shell must not look the span up there)."""
    result = run_tshell(tmp_path, console_script, env)
    assert result.returncode == 0, result.stderr
    assert "IPython" in result.stdout
    assert "In [1]: span: shell RequestContext\n" in result.stdout
    assert "In [2]: config: blue\n" in result.stdout
    assert "In [3]: models: the models module\n" in result.stdout
    assert "  app      This project's app instance" in result.stdout
    assert "  context  The context for this shell instance's span" in result.stdout
    assert "  models   Models module" in result.stdout
    assert "shell span finished" in result.stderr
