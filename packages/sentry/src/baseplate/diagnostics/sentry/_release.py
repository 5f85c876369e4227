"""Finding the release of an application: the commit of the git checkout it runs from."""

from __future__ import annotations

import os
import re
import sys

_SHA = re.compile(r"^[0-9a-f]{40}(?:[0-9a-f]{24})?$")


def module_revision(module_name: str) -> str | None:
    """Return the commit checked out in the git work tree holding ``module_name``, if any.

    The module's directory and its parents are searched for a ``.git`` directory (or a
    ``.git`` file pointing at one, as worktrees and submodules have). The files are read
    directly; no ``git`` process is started. Returns ``None`` when the module is not
    imported, has no file, is not in a git work tree, or the checkout cannot be read.
    """
    module = sys.modules.get(module_name)
    filename = getattr(module, "__file__", None)
    if not isinstance(filename, str):
        return None
    directory = os.path.dirname(os.path.abspath(filename))
    while True:
        dotgit = os.path.join(directory, ".git")
        try:
            if os.path.isdir(dotgit):
                return _head_commit(dotgit)
            if os.path.isfile(dotgit):
                return _head_commit(_linked_git_dir(dotgit))
        except (OSError, ValueError):
            return None
        parent = os.path.dirname(directory)
        if parent == directory:
            return None
        directory = parent


def _read(path: str) -> str:
    with open(path, encoding="utf-8") as file:
        return file.read().strip()


def _linked_git_dir(dotgit_file: str) -> str:
    content = _read(dotgit_file)
    if not content.startswith("gitdir:"):
        raise ValueError(f"{dotgit_file} does not name a git directory")
    target = content[len("gitdir:") :].strip()
    return os.path.join(os.path.dirname(dotgit_file), target)


def _head_commit(git_dir: str) -> str | None:
    head = _read(os.path.join(git_dir, "HEAD"))
    if _SHA.match(head):
        return head  # a detached HEAD
    if not head.startswith("ref:"):
        return None
    ref = head[len("ref:") :].strip()
    common_dir = git_dir
    commondir_file = os.path.join(git_dir, "commondir")
    if os.path.isfile(commondir_file):
        common_dir = os.path.join(git_dir, _read(commondir_file))
    for base in (git_dir, common_dir):
        ref_file = os.path.join(base, ref)
        if os.path.isfile(ref_file):
            commit = _read(ref_file)
            return commit if _SHA.match(commit) else None
    packed = os.path.join(common_dir, "packed-refs")
    if os.path.isfile(packed):
        for line in _read(packed).splitlines():
            commit, _, name = line.partition(" ")
            if name == ref and _SHA.match(commit):
                return commit
    return None
