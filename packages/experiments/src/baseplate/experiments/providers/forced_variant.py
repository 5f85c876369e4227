"""An experiment that always answers the same variant."""

from __future__ import annotations

from typing import Any

from .base import Experiment

__all__ = ["ForcedVariantExperiment"]


class ForcedVariantExperiment(Experiment):
    """An experiment that always returns one variant (possibly ``None``) and logs nothing.

    It is not configured directly: :func:`~baseplate.experiments.providers.parse_experiment`
    returns one for a disabled legacy experiment or one of unknown type (variant ``None``),
    and for an experiment with a ``global_override`` (that variant).

    Args:
        variant: The variant every call returns.

    .. versionadded:: 0.1.0

    .. deprecated:: 0.1.0
        Kept for configurations written for the original framework, where it was already
        deprecated.
    """

    def __init__(self, variant: str | None) -> None:
        self._variant = variant

    def variant(self, **kwargs: Any) -> str | None:
        """Return the forced variant, whatever the inputs."""
        return self._variant

    def should_log_bucketing(self) -> bool:
        """Return false: a forced variant is not a bucketing decision."""
        return False
