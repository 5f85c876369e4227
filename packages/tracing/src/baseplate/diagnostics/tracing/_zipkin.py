"""Finished spans in Zipkin v1 form, and their JSON encoding.

The JSON is written by hand rather than by :mod:`json`: the shape is fixed, and encoding the
nested dicts generically costs several times more on the request path. The output is
byte-for-byte what ``json.dumps(span.to_dict(), separators=(",", ":"))`` produces.
"""

from __future__ import annotations

from json.encoder import encode_basestring_ascii
from typing import Any

#: Annotation values and binary annotation keys with a meaning in Zipkin.
ANNOTATIONS = {
    "CLIENT_SEND": "cs",
    "CLIENT_RECEIVE": "cr",
    "SERVER_SEND": "ss",
    "SERVER_RECEIVE": "sr",
    "LOCAL_COMPONENT": "lc",
    "COMPONENT": "component",
    "DEBUG": "debug",
    "ERROR": "error",
}

#: The most tags (binary annotations) a span keeps; later tags are dropped and counted. The
#: error, debug and local-component annotations the observers add are not counted.
MAX_TAGS_PER_SPAN = 64
#: Longer tag keys are cut to this many characters.
MAX_TAG_KEY_LENGTH = 128
#: Longer tag values are cut to this many characters. With the limits above, a span of ASCII
#: tags encodes to well under the sidecar queue's 100 KiB message size.
MAX_TAG_VALUE_LENGTH = 1024
#: Binary annotation keys kept when a span has to be shrunk to fit a transport.
ESSENTIAL_KEYS = frozenset({"error", "debug", "lc", "component"})


def _json_value(value: bool | str) -> str:
    if value is True:
        return "true"
    if value is False:
        return "false"
    return encode_basestring_ascii(value)


class ZipkinEndpoint:
    """The service that recorded a span: ``{"serviceName": ..., "ipv4": ...}``.

    Args:
        service_name: The service's name.
        ipv4: The host's IPv4 address, or ``"undefined"``.
    """

    __slots__ = ("ipv4", "json", "service_name")

    def __init__(self, service_name: str, ipv4: str) -> None:
        self.service_name = service_name
        self.ipv4 = ipv4
        #: The endpoint's JSON encoding, computed once.
        self.json = (
            f'{{"serviceName":{encode_basestring_ascii(service_name)},'
            f'"ipv4":{encode_basestring_ascii(ipv4)}}}'
        )

    def to_dict(self) -> dict[str, str]:
        """Return the endpoint as a JSON-ready dict."""
        return {"serviceName": self.service_name, "ipv4": self.ipv4}

    def __repr__(self) -> str:
        return f"<ZipkinEndpoint {self.service_name!r} {self.ipv4!r}>"


class ZipkinSpan:
    """One finished span, as a recorder receives it.

    Times are in microseconds (``timestamp`` since the epoch). ``annotations`` names the
    start and end annotation values (``("sr", "ss")`` for a server span, ``("cs", "cr")`` for
    a client span) or is empty for a local span. ``binary_annotations`` holds ``(key,
    value)`` pairs whose values are bools or strings. A root span's ``parent_id`` is 0.

    .. versionadded:: 0.1.0
    """

    __slots__ = (
        "annotations",
        "binary_annotations",
        "duration",
        "endpoint",
        "id",
        "name",
        "parent_id",
        "timestamp",
        "trace_id",
    )

    def __init__(
        self,
        trace_id: int,
        name: str,
        span_id: int,
        parent_id: int,
        timestamp: int,
        duration: int,
        annotations: tuple[str, str] | tuple[()],
        binary_annotations: list[tuple[str, bool | str]],
        endpoint: ZipkinEndpoint,
    ) -> None:
        self.trace_id = trace_id
        self.name = name
        self.id = span_id
        self.parent_id = parent_id
        self.timestamp = timestamp
        self.duration = duration
        self.annotations = annotations
        self.binary_annotations = binary_annotations
        self.endpoint = endpoint

    def __repr__(self) -> str:
        return f"<ZipkinSpan {self.name!r} trace_id={self.trace_id} id={self.id}>"

    def to_dict(self) -> dict[str, Any]:
        """Return the span as a Zipkin v1 JSON object (a dict), IDs as integers."""
        endpoint = self.endpoint.to_dict()
        annotations = []
        if self.annotations:
            start, end = self.annotations
            annotations = [
                {"endpoint": endpoint, "timestamp": self.timestamp, "value": start},
                {"endpoint": endpoint, "timestamp": self.timestamp + self.duration, "value": end},
            ]
        return {
            "traceId": self.trace_id,
            "name": self.name,
            "id": self.id,
            "timestamp": self.timestamp,
            "duration": self.duration,
            "annotations": annotations,
            "binaryAnnotations": [
                {"key": key, "value": value, "endpoint": endpoint}
                for key, value in self.binary_annotations
            ],
            "parentId": self.parent_id,
        }

    def without_tags(self) -> ZipkinSpan:
        """Return a copy keeping only the essential tags (error, debug, lc, component).

        Used when the encoded span is too large for its transport; the copy is tagged
        ``truncated``.
        """
        kept = [(key, value) for key, value in self.binary_annotations if key in ESSENTIAL_KEYS]
        kept.append(("truncated", True))
        return ZipkinSpan(
            self.trace_id,
            self.name,
            self.id,
            self.parent_id,
            self.timestamp,
            self.duration,
            self.annotations,
            kept,
            self.endpoint,
        )

    def to_json(self) -> bytes:
        """Return the span's compact JSON encoding (ASCII), as the sidecar queue carries it."""
        endpoint = self.endpoint.json
        timestamp = self.timestamp
        duration = self.duration
        annotations = self.annotations
        if annotations:
            annotations_json = (
                f'[{{"endpoint":{endpoint},"timestamp":{timestamp},'
                f'"value":{encode_basestring_ascii(annotations[0])}}},'
                f'{{"endpoint":{endpoint},"timestamp":{timestamp + duration},'
                f'"value":{encode_basestring_ascii(annotations[1])}}}]'
            )
        else:
            annotations_json = "[]"
        if self.binary_annotations:
            binary_json = ",".join(
                [
                    f'{{"key":{encode_basestring_ascii(key)},"value":{_json_value(value)},'
                    f'"endpoint":{endpoint}}}'
                    for key, value in self.binary_annotations
                ]
            )
        else:
            binary_json = ""
        return (
            f'{{"traceId":{self.trace_id},"name":{encode_basestring_ascii(self.name)},'
            f'"id":{self.id},"timestamp":{timestamp},"duration":{duration},'
            f'"annotations":{annotations_json},"binaryAnnotations":[{binary_json}],'
            f'"parentId":{self.parent_id}}}'
        ).encode("ascii")
