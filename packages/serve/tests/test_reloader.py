"""End-to-end test of ``baseplate-serve --reload`` (baseplate.server.reloader, with hupper)."""

from __future__ import annotations

import http.client
import os
import signal
import textwrap
import time

import pytest

from baseplate.server import reloader

APP = textwrap.dedent(
    """
    VERSION = {version!r}

    def make_app(app_config):
        def app(environ, start_response):
            body = VERSION.encode()
            start_response("200 OK", [("Content-Length", str(len(body)))])
            return [body]
        return app
    """
)


def fetch(port: int) -> str | None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request("GET", "/")
        return connection.getresponse().read().decode()
    except OSError:
        return None  # restarting
    finally:
        connection.close()


def test_not_a_worker_outside_the_reloader():
    """A plain process is not a reloader worker, and watch_files does nothing there."""
    assert not reloader.is_reloader_worker()
    reloader.watch_files(["/nonexistent"])


@pytest.mark.integration
def test_reload_serves_the_changed_source(spawn, console_script, unused_port, tmp_path):
    """With --reload, editing the app's source restarts the server with the new code; the
    monitor takes the server down with it when stopped."""
    source = tmp_path / "reloadable_app.py"
    source.write_text(APP.format(version="first"))
    (tmp_path / "service.ini").write_text(
        "[app:main]\nfactory = reloadable_app:make_app\n\n"
        "[server:main]\nfactory = baseplate.server.wsgi\n"
    )
    port = unused_port()
    monitor = spawn(
        [
            *console_script("baseplate-serve"),
            "service.ini",
            "--reload",
            "--bind",
            f"127.0.0.1:{port}",
        ],
        cwd=tmp_path,
    )
    listening = r"(\d+):MainThread:baseplate\.server:INFO:Listening on"
    first_server = int(monitor.wait_for(listening).group(1))
    assert fetch(port) == "first"

    start = len(monitor.lines)
    source.write_text(APP.format(version="second"))
    answer = None
    rewrite_at = time.monotonic() + 3
    deadline = time.monotonic() + 20
    while answer != "second" and time.monotonic() < deadline:
        time.sleep(0.2)
        answer = fetch(port)
        if answer == "first" and time.monotonic() > rewrite_at:
            # Still the old code: the edit may have come before the file was watched.
            source.write_text(APP.format(version="second"))
            rewrite_at = time.monotonic() + 3
    assert answer == "second"
    second_server = int(monitor.wait_for(listening, start=start).group(1))
    assert first_server != second_server
    assert "reloadable_app.py changed; reloading" in monitor.output

    monitor.signal(signal.SIGTERM)
    monitor.wait()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            os.kill(second_server, 0)
        except ProcessLookupError:
            break
        time.sleep(0.1)
    with pytest.raises(ProcessLookupError):
        os.kill(second_server, 0)
