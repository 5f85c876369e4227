"""Errors raised by baseplate.core."""

from __future__ import annotations


class BaseplateError(Exception):
    """Base class of the errors raised by :mod:`baseplate.core`."""


class ParentSpanAlreadyFinishedError(BaseplateError):
    """Raised when a child span is made from a span that has already finished.

    A finished span has reported itself to the observers; a child made afterwards would
    never be seen by them. This usually means work outlived its request (a greenlet spawned
    in a handler, a generator consumed after the response).
    """

    def __init__(self, parent_name: str, child_name: str) -> None:
        super().__init__(parent_name, child_name)
        self.parent_name = parent_name
        self.child_name = child_name

    def __str__(self) -> str:
        return (
            f"cannot make child span {self.child_name!r}: its parent {self.parent_name!r} "
            "has already finished"
        )


class ReusedContextObjectError(BaseplateError):
    """Raised when one RequestContext is given to make_server_span a second time.

    A context object belongs to exactly one request; make a new one per request.
    """

    def __str__(self) -> str:
        return "this RequestContext already belongs to a server span; make one per request"


class MissingDistributionError(ImportError):
    """Raised when a feature needs a Baseplate distribution that is not installed.

    The message names the distribution and the command that installs it.
    """

    def __init__(self, feature: str, distribution: str) -> None:
        super().__init__(
            f"{feature} needs the {distribution} distribution, which is not installed: "
            f"pip install {distribution}"
        )
        self.feature = feature
        self.distribution = distribution

    def __reduce__(self) -> tuple[type[MissingDistributionError], tuple[str, str]]:
        return (type(self), (self.feature, self.distribution))
