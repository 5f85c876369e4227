"""The experiments package's exceptions."""

from __future__ import annotations


class ExperimentsError(Exception):
    """The base of every error this package raises.

    .. versionadded:: 0.1.0
    """


class InvalidExperimentError(ExperimentsError, ValueError):
    """An experiment's configuration is malformed.

    :class:`~baseplate.experiments.Experiments` never lets it reach a request: the experiment
    is disabled (its variant is ``None``) and the reason is logged once per version of the
    file.

    .. versionadded:: 0.1.0
    """


class TargetingNodeError(InvalidExperimentError):
    """A targeting tree, or one of its nodes, is malformed.

    .. versionadded:: 0.1.0
    """


class UnknownTargetingOperatorError(TargetingNodeError):
    """A targeting node names an operator that does not exist.

    .. versionadded:: 0.1.0
    """
