"""Property tests of the server's THeader frame reader on bytes a client chose.

Whatever arrives, reading a message raises one of the errors the server's connection loop
takes as the client's fault (:data:`CLIENT_FAULTS`: the connection is closed with one log
line) or returns a message; it never hangs, and never holds more than the input (or, for a
zlib frame, the frame limit) allows. ``BASEPLATE_FUZZ_PROFILE=fuzz`` (``nox -s fuzz``)
runs 10,000 examples of each; the gate runs a few hundred.
"""

from __future__ import annotations

import struct
import tracemalloc
import zlib
from io import BytesIO

from baseplate_testing import fuzz_settings
from hypothesis import given
from hypothesis import strategies as st
from thrift.protocol.TProtocol import TProtocolException
from thrift.Thrift import TType
from thrift.transport.THeaderTransport import THeaderClientType
from thrift.transport.TTransport import TTransportBase, TTransportException

from baseplate.integration.thrift._header import ServerHeaderProtocol

#: What reading a bad message may raise; the server's connection loop closes the
#: connection on each (EOFError: the input ends inside a frame).
CLIENT_FAULTS = (TTransportException, TProtocolException, EOFError)
MAX_FRAME_SIZE = 4096
ALLOWED = (
    THeaderClientType.HEADERS,
    THeaderClientType.FRAMED_BINARY,
    THeaderClientType.UNFRAMED_BINARY,
)


class Wire(TTransportBase):  # type: ignore[misc]  # thrift is untyped
    """The client's bytes to read; what the server writes back is kept apart."""

    def __init__(self, data: bytes) -> None:
        self._in = BytesIO(data)
        self.sent = bytearray()

    def isOpen(self) -> bool:
        return True

    def read(self, sz: int) -> bytes:
        return self._in.read(sz)

    def write(self, buf: bytes) -> None:
        self.sent += buf

    def flush(self) -> None:
        pass


def frame(body: bytes) -> bytes:
    return struct.pack("!i", len(body)) + body


def varint(value: int) -> bytes:
    out = bytearray()
    while value > 0x7F:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


header_fields = st.one_of(
    st.binary(max_size=48),
    st.builds(
        lambda protocol, transforms, pairs, tail: (
            varint(protocol)
            + varint(len(transforms))
            + b"".join(map(varint, transforms))
            + b"\x01"
            + varint(len(pairs))
            + b"".join(varint(len(k)) + k + varint(len(v)) + v for k, v in pairs)
            + tail
        ),
        st.sampled_from([0, 2, 1, 5, 2**40]),
        st.lists(st.sampled_from([1, 2, 3, 2**35]), max_size=3),
        st.lists(st.tuples(st.binary(max_size=8), st.binary(max_size=8)), max_size=3),
        st.binary(max_size=8),
    ),
)
payloads = st.one_of(
    st.binary(max_size=64),
    st.binary(max_size=64).map(lambda b: b"\x80\x01\x00\x01" + b),
    st.integers(0, 100_000).map(lambda n: zlib.compress(b"\x00" * n)),
)


@st.composite
def header_frames(draw: st.DrawFn) -> bytes:
    fields = draw(header_fields)
    padded = fields + bytes(-len(fields) % 4)
    words = draw(st.one_of(st.just(len(padded) // 4), st.integers(0, 0xFFFF)))
    flags = draw(st.integers(0, 0xFFFF))
    sequence_id = draw(st.integers(-(2**31), 2**31 - 1))
    body = struct.pack("!HHiH", 0x0FFF, flags, sequence_id, words) + padded + draw(payloads)
    data = frame(body)
    cut = draw(st.one_of(st.just(len(data)), st.integers(0, len(data))))
    return data[:cut]


wire_input = st.one_of(
    st.binary(max_size=256),
    header_frames(),
    st.binary(max_size=64).map(frame),
    st.integers(-(2**31), 2**31 - 1).map(lambda n: struct.pack("!i", n) + b"\x00" * 16),
    st.lists(header_frames(), min_size=2, max_size=3).map(b"".join),
)


def read_messages(data: bytes) -> int:
    """Read messages (skipping their arguments) until the input is used up or refused;
    return the largest buffer held."""
    wire = Wire(data)
    protocol = ServerHeaderProtocol(wire, ALLOWED)
    protocol.trans.set_max_frame_size(MAX_FRAME_SIZE)
    protocol.trans.set_max_decompressed_size(MAX_FRAME_SIZE)
    held = 0
    for _ in range(4):
        try:
            name, _, _ = protocol.readMessageBegin()
            protocol.skip(TType.STRUCT)
            protocol.readMessageEnd()
        except CLIENT_FAULTS:
            break
        assert isinstance(name, str)
        held = max(held, len(protocol.trans._read_buffer.getvalue()))
    return held


@fuzz_settings()
@given(wire_input)
def test_any_input_is_read_or_refused_with_a_client_fault(data: bytes) -> None:
    """Never another exception, never a buffer over the input or the frame limit."""
    held = read_messages(data)
    assert held <= max(len(data), MAX_FRAME_SIZE)


@fuzz_settings()
@given(wire_input)
def test_reading_allocates_no_more_than_the_input_allows(data: bytes) -> None:
    """The peak of memory allocated while reading is bounded by the input and the limit."""
    tracemalloc.start()
    try:
        read_messages(data)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 64 * 1024 + 4 * (len(data) + MAX_FRAME_SIZE)
