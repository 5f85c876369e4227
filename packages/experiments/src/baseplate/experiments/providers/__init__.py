"""Experiment providers: the kinds of experiment the experiments file can hold.

:func:`parse_experiment` turns one entry of the file into its provider. Simple experiments
(:class:`~baseplate.experiments.providers.simple_experiment.SimpleExperiment`) are the
current kind; :class:`~baseplate.experiments.providers.r2.R2Experiment`,
:class:`~baseplate.experiments.providers.feature_flag.FeatureFlag` and
:class:`~baseplate.experiments.providers.forced_variant.ForcedVariantExperiment` are kept for
configurations written for the original framework::

    from baseplate.experiments.providers import parse_experiment

    experiment = parse_experiment({
        "id": 1, "name": "new_button", "owner": "growth", "version": "1",
        "type": "feature_rollout", "start_ts": 0, "stop_ts": 2**31,
        "experiment": {"experiment_version": 1,
                       "variants": [{"name": "on", "size": 0.25}]},
    })
    experiment.variant(user_id="t2_1")
"""

from __future__ import annotations

from ._parse import parse_experiment
from .base import Experiment, calculate_bucket
from .feature_flag import FeatureFlag
from .forced_variant import ForcedVariantExperiment
from .r2 import R2Experiment
from .simple_experiment import SimpleExperiment

__all__ = [
    "Experiment",
    "FeatureFlag",
    "ForcedVariantExperiment",
    "R2Experiment",
    "SimpleExperiment",
    "calculate_bucket",
    "parse_experiment",
]

parse_experiment.__module__ = __name__
