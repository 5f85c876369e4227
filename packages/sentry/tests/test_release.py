"""Tests of the release a reporter sends: SENTRY_RELEASE, else the commit of the git checkout
holding the application (baseplate.diagnostics.sentry._release)."""

from __future__ import annotations

import sys

import pytest

from baseplate.diagnostics.sentry import error_reporter_from_config


def test_release_from_environment(clients):
    """SENTRY_RELEASE sets the release."""
    client = error_reporter_from_config({}, "app", environ={"SENTRY_RELEASE": "v1.2.3"})
    clients.append(client)
    assert client.options["release"] == "v1.2.3"


SHA = "0123456789abcdef0123456789abcdef01234567"


@pytest.mark.parametrize("layout", ["loose", "packed", "detached", "worktree"])
def test_release_is_the_commit_of_the_module_checkout(tmp_path, monkeypatch, clients, layout):
    """The release is the commit checked out in the git work tree holding module_name."""
    tree = tmp_path / "checkout"
    package = tree / "src" / "release_probe_app"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    git = tmp_path / "gitdir" if layout == "worktree" else tree / ".git"
    (git / "refs" / "heads").mkdir(parents=True)
    if layout == "worktree":
        (tree / ".git").write_text(f"gitdir: {git}\n")
    if layout == "detached":
        (git / "HEAD").write_text(SHA + "\n")
    else:
        (git / "HEAD").write_text("ref: refs/heads/main\n")
    if layout == "packed":
        (git / "packed-refs").write_text(f"# pack-refs with: peeled\n{SHA} refs/heads/main\n")
    else:
        (git / "refs" / "heads" / "main").write_text(SHA + "\n")
    monkeypatch.syspath_prepend(str(tree / "src"))
    monkeypatch.delitem(sys.modules, "release_probe_app", raising=False)
    __import__("release_probe_app")
    try:
        client = error_reporter_from_config({}, "release_probe_app", environ={})
        clients.append(client)
        assert client.options["release"] == SHA
    finally:
        sys.modules.pop("release_probe_app", None)
