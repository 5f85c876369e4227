"""Restarting the server when its source or configuration changes (``--reload``).

For development only. With ``--reload``, ``baseplate-serve`` starts three processes:

* a monitor (:mod:`hupper`'s reloader), which never loads the application. It watches the
  files it is told about and, when one changes, stops its worker (``SIGTERM``) and starts a
  new one;
* the worker, a small supervisor (:func:`supervise`) that runs the real server as a child and
  passes the child's list of source files up to the monitor;
* the server: an ordinary ``baseplate-serve`` (gevent monkey-patching first, as always) that
  reports the file of every module it has loaded, and its configuration file, once the
  application and server are built (:func:`report_loaded_files`).

The server runs in a process of its own, rather than in hupper's worker, because the worker
has threads running before any of our code does, and gevent's monkey-patching must happen
before threads start. Modules first imported while requests are handled are not watched.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterable, Sequence
from types import FrameType

import hupper

__all__ = [
    "RELOADER_FD_VARIABLE",
    "is_reloader_worker",
    "report_loaded_files",
    "run_with_reloader",
    "supervise",
    "watch_files",
]

#: Seconds between checks for changes, and the least time between two restarts.
RELOAD_INTERVAL = 1.0

#: Seconds the server gets to stop after ``SIGTERM`` before the supervisor kills it.
SERVER_STOP_LIMIT = 20.0

#: The environment variable that gives the server the pipe to report its files on.
RELOADER_FD_VARIABLE = "BASEPLATE_RELOADER_FD"


def run_with_reloader(server_command: Sequence[str]) -> None:
    """Run ``server_command`` and run it again whenever a file it loaded changes.

    Does not return: it exits with the last worker's exit status.

    Args:
        server_command: The command line of the server, e.g.
            ``[sys.executable, "-m", "baseplate.server", "app.ini"]``.

    .. versionadded:: 0.1.0
    """
    hupper.start_reloader(
        "baseplate.server.reloader.supervise",
        reload_interval=RELOAD_INTERVAL,
        shutdown_interval=SERVER_STOP_LIMIT + 5,
        worker_args=[list(server_command)],
        verbose=1,
    )


def supervise(server_command: Sequence[str]) -> None:
    """Run the server as a child of hupper's worker and pass its files to the monitor.

    ``SIGTERM`` (the monitor restarting or stopping) is passed on to the server, which is
    killed if it has not stopped within ``SERVER_STOP_LIMIT`` (20) seconds. ``SIGINT`` is
    ignored: Ctrl-C reaches the server directly, as it is in the same process group.
    Exits with the server's exit status.

    .. versionadded:: 0.1.0
    """
    read_fd, write_fd = os.pipe()
    env = dict(os.environ)
    env[RELOADER_FD_VARIABLE] = str(write_fd)
    # The command is baseplate-serve's own, rebuilt from its command line.
    child = subprocess.Popen(list(server_command), env=env, pass_fds=[write_fd])  # noqa: S603
    os.close(write_fd)
    stop_requested: list[float] = []

    def forward(signum: int, frame: FrameType | None) -> None:
        stop_requested.append(time.monotonic())
        child.send_signal(signum)

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, forward)
    with os.fdopen(read_fd, encoding="utf-8") as reports:
        paths = [line.rstrip("\n") for line in reports]  # until the server closes the pipe
    watch_files([path for path in paths if path])
    while True:
        try:
            code = child.wait(timeout=0.5)
            break
        except subprocess.TimeoutExpired:
            if stop_requested and time.monotonic() - stop_requested[0] > SERVER_STOP_LIMIT:
                child.kill()
    raise SystemExit(code)


def report_loaded_files(extra_paths: Iterable[str] = ()) -> None:
    """Tell the supervisor which files to watch: every loaded module's, and ``extra_paths``.

    Does nothing unless this process is a server run by :func:`supervise`. Call it once
    the application is loaded; it closes the pipe, so later calls do nothing.

    .. versionadded:: 0.1.0
    """
    fd_text = os.environ.pop(RELOADER_FD_VARIABLE, None)
    if not fd_text:
        return
    paths = set(_module_files())
    paths.update(os.path.abspath(path) for path in extra_paths)
    with os.fdopen(int(fd_text), "w", encoding="utf-8") as report:
        report.writelines(f"{path}\n" for path in sorted(paths))


def _module_files() -> Iterable[str]:
    for module in list(sys.modules.values()):
        filename = getattr(module, "__file__", None)
        if not isinstance(filename, str):
            continue
        if filename.endswith(".pyc"):
            source = filename[:-1]
            if "__pycache__" in filename:
                import importlib.util

                try:
                    source = importlib.util.source_from_cache(filename)
                except ValueError:
                    continue
            filename = source
        if os.path.isfile(filename):
            yield os.path.abspath(filename)


def is_reloader_worker() -> bool:
    """Whether this process is hupper's worker (the supervisor of a reloaded server).

    .. versionadded:: 0.1.0
    """
    return bool(hupper.is_active())


def watch_files(paths: Sequence[str]) -> None:
    """Ask the monitor to also watch ``paths``. Does nothing outside hupper's worker.

    .. versionadded:: 0.1.0
    """
    if paths and is_reloader_worker():
        hupper.get_reloader().watch_files([os.path.abspath(path) for path in paths])
