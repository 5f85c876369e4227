"""Experiments and feature flags: which variant a request gets, and the events that says.

The experiment config fetcher writes every experiment to a JSON file; the
:class:`ExperimentsContextFactory` puts an :class:`Experiments` on each request's context that
reads it (re-read when it changes), buckets the request into a variant, and logs a bucketing
event through an :class:`~baseplate.events.EventLogger` the first time in the request that a
variant is chosen::

    from baseplate.experiments import experiments_client_from_config

    baseplate.add_to_context(
        "experiments", experiments_client_from_config(app_config, event_logger)
    )

    # in a handler
    user = context.request_context.user
    if context.experiments.variant("new_button", user=user) == "treatment":
        ...

The providers (the kinds of experiment) are in :mod:`baseplate.experiments.providers`,
their variant sets in :mod:`baseplate.experiments.variant_sets` and targeting trees in
:mod:`baseplate.experiments.targeting`.
"""

from __future__ import annotations

from ._client import (
    DEFAULT_PATH,
    EventType,
    Experiments,
    ExperimentsContextFactory,
    experiments_client_from_config,
)
from ._errors import (
    ExperimentsError,
    InvalidExperimentError,
    TargetingNodeError,
    UnknownTargetingOperatorError,
)

__all__ = [
    "DEFAULT_PATH",
    "EventType",
    "Experiments",
    "ExperimentsContextFactory",
    "ExperimentsError",
    "InvalidExperimentError",
    "TargetingNodeError",
    "UnknownTargetingOperatorError",
    "experiments_client_from_config",
]

for _name in __all__:
    _public = globals()[_name]
    if isinstance(_public, type) or callable(_public):
        _public.__module__ = __name__
del _name, _public
