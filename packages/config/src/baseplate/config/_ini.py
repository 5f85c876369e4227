"""Reading one section of an INI file: what each sidecar's command line starts with."""

from __future__ import annotations

import configparser

from baseplate.config._errors import ConfigurationError


def read_ini_section(path: str, section: str, *, required: bool = True) -> dict[str, str]:
    """Return the keys and values of ``[section]`` in the INI file at ``path``.

    The file is read as UTF-8 by :class:`configparser.RawConfigParser`: no interpolation,
    so ``%`` and ``$`` reach the value parsers as written, and keys are lowercased. The
    result is ready for :func:`parse_config`.

    Args:
        path: The INI file.
        section: The section's name, without brackets (``"secret-fetcher"``,
            ``"trace-publisher:main"``).
        required: Whether a file without the section is an error; when ``False`` such a
            file gives an empty mapping.

    Returns:
        The section's keys and their values, as text.

    A file that is not INI raises the standard library's :exc:`!configparser.Error` (its
    subclass says what is wrong and where).

    Raises:
        OSError: if the file cannot be read.
        ConfigurationError: if it has no such section (and ``required``); the key is the
            section's name and the message names the section and the file.

    .. versionadded:: 0.1.0
    """
    parser = configparser.RawConfigParser()
    with open(path, encoding="utf-8") as config_file:
        parser.read_file(config_file)
    if not parser.has_section(section):
        if not required:
            return {}
        raise ConfigurationError(section, f"no [{section}] section in {path}")
    return dict(parser.items(section))
