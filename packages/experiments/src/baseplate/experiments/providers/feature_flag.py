"""Legacy feature flags: an r2-style experiment with the one variant ``active``."""

from __future__ import annotations

from .r2 import R2Experiment

__all__ = ["FeatureFlag"]


class FeatureFlag(R2Experiment):
    """An r2-style experiment whose only variant is ``active``, logging no bucketing events.

    For controlling access to a feature rather than running an experiment: rolling it out to
    a percentage of users, or to chosen subreddits through targeting. Buckets, targeting and
    overrides work as in :class:`~baseplate.experiments.providers.r2.R2Experiment`, which
    takes the same arguments.

    Raises:
        InvalidExperimentError: a variant other than ``active`` is configured, or as
            :class:`~baseplate.experiments.providers.r2.R2Experiment` does.

    .. versionadded:: 0.1.0

    .. deprecated:: 0.1.0
        Kept for configurations written for the original framework; new flags use
        :class:`~baseplate.experiments.providers.simple_experiment.SimpleExperiment` with the
        ``feature_rollout`` type.
    """

    _only_variant = "active"

    def should_log_bucketing(self) -> bool:
        """Return false: a feature flag logs no bucketing events."""
        return False
