"""The interface every experiment provider implements, and the bucketing hash they share."""

from __future__ import annotations

import abc
import hashlib
from typing import Any

__all__ = ["Experiment", "calculate_bucket"]


def calculate_bucket(seed: str, bucket_value: object, num_buckets: int) -> int:
    """Put a bucketing value into one of ``num_buckets`` buckets, as the original did.

    The bucket is the SHA-1 digest of the seed followed at once by ``str(bucket_value)``
    (UTF-8), read as a big-endian integer, modulo ``num_buckets``. Mixing in the seed keeps
    one user from landing in the same bucket of every experiment.
    """
    digest = hashlib.sha1(f"{seed}{bucket_value}".encode(), usedforsecurity=False).digest()
    return int.from_bytes(digest, "big") % num_buckets


class Experiment(abc.ABC):
    """An experiment: picks the variant, if any, that a request gets.

    Providers are made by :func:`~baseplate.experiments.providers.parse_experiment` from the
    experiments file.

    Attributes:
        id: The experiment's unique id (``None`` for a forced variant).
        name: The experiment's name.
        owner: Who is responsible for it.
        version: The version of its configuration, if the file gives one.

    .. versionadded:: 0.1.0
    """

    id: int | None = None
    name: str | None = None
    owner: str | None = None
    version: Any = None

    @abc.abstractmethod
    def variant(self, **kwargs: Any) -> str | None:
        """Return the variant these inputs get, or ``None`` for no variant.

        Args:
            kwargs: The inputs: the bucketing value (``user_id`` unless the experiment says
                otherwise) and any targeting or override parameters.
        """

    @abc.abstractmethod
    def should_log_bucketing(self) -> bool:
        """Return whether choosing a variant should log a bucketing event."""

    def get_unique_id(self, **kwargs: Any) -> str | None:
        """Return what identifies this bucketing decision within a request, if anything.

        A bucketing event is logged at most once per id per request; an experiment without
        one (the default) logs none.

        Args:
            kwargs: The inputs, as given to :meth:`variant`.
        """
        return None
