"""The server's THeader transport and protocol read and write what Apache Thrift's do.

Each case feeds the same bytes to Apache's ``THeaderTransport`` and to ours, or has both
frame the same answer, and compares everything observable: payload, headers, flags,
sequence id, protocol, client type, bytes sent, exceptions raised. One hand-made frame,
laid out from Apache Thrift's ``doc/specs/HeaderFormat.md``, checks the parser against the
format itself rather than only against Apache's code.
"""

from __future__ import annotations

import struct
import zlib
from io import BytesIO
from typing import Any

import pytest
from thrift.protocol.TBinaryProtocol import TBinaryProtocol
from thrift.protocol.TCompactProtocol import TCompactProtocol
from thrift.protocol.THeaderProtocol import THeaderProtocol
from thrift.protocol.TProtocol import TProtocolException
from thrift.Thrift import TApplicationException, TMessageType
from thrift.transport.THeaderTransport import (
    THeaderClientType,
    THeaderSubprotocolID,
    THeaderTransformID,
    THeaderTransport,
)
from thrift.transport.TTransport import TMemoryBuffer, TTransportException

from baseplate.integration.thrift import server_protocol_factory
from baseplate.integration.thrift._header import (
    ServerHeaderProtocol,
    ServerHeaderTransport,
    _read_binary_message_begin,
)

ALL_CLIENT_TYPES = (
    THeaderClientType.HEADERS,
    THeaderClientType.FRAMED_BINARY,
    THeaderClientType.UNFRAMED_BINARY,
    THeaderClientType.FRAMED_COMPACT,
    THeaderClientType.UNFRAMED_COMPACT,
)


def binary_message(name: str = "greet", seqid: int = 7) -> bytes:
    """A binary-protocol call message with an empty argument struct."""
    buffer = TMemoryBuffer()
    protocol = TBinaryProtocol(buffer)
    protocol.writeMessageBegin(name, TMessageType.CALL, seqid)
    protocol.writeStructBegin("args")
    protocol.writeFieldStop()
    protocol.writeStructEnd()
    protocol.writeMessageEnd()
    return bytes(buffer.getvalue())


def compact_message() -> bytes:
    buffer = TMemoryBuffer()
    protocol = TCompactProtocol(buffer)
    protocol.writeMessageBegin("greet", TMessageType.CALL, 3)
    protocol.writeStructBegin("args")
    protocol.writeFieldStop()
    protocol.writeStructEnd()
    protocol.writeMessageEnd()
    return bytes(buffer.getvalue())


def header_frame(
    payload: bytes,
    headers: dict[bytes, bytes] | None = None,
    *,
    zlib_transform: bool = False,
    protocol_id: int = THeaderSubprotocolID.BINARY,
    sequence_id: int = 7,
) -> bytes:
    """A THeader frame as Apache's client-side transport writes it."""
    sink = TMemoryBuffer()
    writer = THeaderTransport(sink, (THeaderClientType.HEADERS,), protocol_id)
    writer.sequence_id = sequence_id
    for key, value in (headers or {}).items():
        writer.set_header(key, value)
    if zlib_transform:
        writer.add_transform(THeaderTransformID.ZLIB)
    writer.write(payload)
    writer.flush()
    return bytes(sink.getvalue())


def hand_made_frame(header_fields: bytes, payload: bytes, *, header_words: int = 0) -> bytes:
    """A THeader frame with the given raw header fields, padded to whole words."""
    padded = header_fields + bytes(-len(header_fields) % 4)
    words = header_words or len(padded) // 4
    body = struct.pack("!HHiH", 0x0FFF, 0, 5, words) + padded + payload
    return struct.pack("!i", len(body)) + body


def read_with(transport_class: type[THeaderTransport], data: bytes) -> dict[str, Any]:
    """Read one message's frame from ``data``; return what the reader can see, or the error."""
    transport = transport_class(TMemoryBuffer(data), ALL_CLIENT_TYPES)
    try:
        transport.readFrame(0)
        # What the frame held for the protocol to decode: all of it, and no more.
        body = transport._read_buffer.read()
    except EOFError:  # Apache's says nothing more; ours says where the input ended
        return {"error": EOFError}
    except Exception as exc:  # the exception's kind and details are the result
        return {"error": (type(exc), getattr(exc, "type", None), str(exc))}
    return {
        "body": body,
        "headers": transport.get_headers(),
        "flags": transport.flags,
        "sequence_id": transport.sequence_id,
        "protocol_id": transport.protocol_id,
        "client_type": transport._client_type,
    }


MESSAGE = binary_message()
READ_CASES = {
    "header, no headers": header_frame(MESSAGE),
    "header, trace headers": header_frame(
        MESSAGE,
        {b"Trace": b"1234", b"Span": b"99", b"Parent": b"0", b"Sampled": b"1", b"Flags": b"1"},
    ),
    "header, a long header value": header_frame(MESSAGE, {b"Edge-Request": b"\x01" * 300}),
    "header, varints with a zero low byte": header_frame(MESSAGE, {b"k" * 128: b"v" * 256}),
    "header, zlib": header_frame(MESSAGE * 20, {b"Trace": b"1"}, zlib_transform=True),
    "header, compact protocol": header_frame(
        compact_message(), protocol_id=THeaderSubprotocolID.COMPACT
    ),
    "header, negative sequence id": header_frame(MESSAGE, sequence_id=-2),
    "framed binary": struct.pack("!i", len(MESSAGE)) + MESSAGE,
    "unframed binary": MESSAGE,
    "framed compact": struct.pack("!i", len(compact_message())) + compact_message(),
    "unframed compact": compact_message(),
    "unknown info header kind: the rest is skipped": hand_made_frame(
        b"\x00\x00" + b"\x07\x01\x01a\x01b", MESSAGE
    ),
    "header longer than the frame": hand_made_frame(b"\x00\x00", MESSAGE, header_words=500),
    "unknown transform": hand_made_frame(b"\x00\x01\x05", MESSAGE),
    "ends inside a varint": hand_made_frame(b"\x00\x00\x01\x81", b""),
    "varint over ten bytes": hand_made_frame(b"\x00\x00\x01" + b"\xff" * 11, MESSAGE),
    "frame larger than allowed": struct.pack("!i", 0x7F000000) + b"\x00" * 8,
    "not a thrift client": b"GET / HTTP/1.1\r\n\r\n",
}


@pytest.mark.parametrize("data", READ_CASES.values(), ids=READ_CASES.keys())
def test_reads_every_frame_as_apaches_transport_does(data: bytes) -> None:
    assert read_with(THeaderTransport, data) == read_with(ServerHeaderTransport, data)


@pytest.mark.parametrize(
    "data", [struct.pack("!i", 0), struct.pack("!i", 2) + b"\x0f\xff"], ids=["empty", "short"]
)
def test_frame_too_short_for_a_version_is_the_end_of_the_clients_input(data: bytes) -> None:
    """Apache's reader fails with a struct.error here, which a server logs as its own error;
    ours raises EOFError, which the server's connection loop takes as the client's fault."""
    assert struct.error is read_with(THeaderTransport, data)["error"][0]
    assert EOFError is read_with(ServerHeaderTransport, data)["error"]


def test_reads_the_header_format_as_the_spec_lays_it_out() -> None:
    """Fields at the offsets HeaderFormat.md gives, independent of Apache's code."""
    fields = (
        b"\x00"  # protocol id: binary
        + b"\x00"  # no transforms
        + b"\x01"  # info header: key-value pairs
        + b"\x02"  # two of them
        + b"\x05Trace\x03123"
        + b"\x04Span\x02\xc3\xa9"
    )
    transport = ServerHeaderTransport(
        TMemoryBuffer(hand_made_frame(fields, MESSAGE)), (THeaderClientType.HEADERS,)
    )
    transport.readFrame(0)
    assert transport.get_headers() == {b"Trace": b"123", b"Span": b"\xc3\xa9"}
    assert transport.sequence_id == 5
    assert transport.protocol_id == THeaderSubprotocolID.BINARY
    assert transport.read(len(MESSAGE)) == MESSAGE


def test_a_client_type_the_server_does_not_allow_is_refused() -> None:
    """The server's factory allows THeader and binary clients, not compact ones."""
    frame = struct.pack("!i", len(compact_message())) + compact_message()
    protocol = server_protocol_factory().getProtocol(TMemoryBuffer(frame))
    with pytest.raises(TTransportException) as caught:
        protocol.trans.readFrame(0)
    assert caught.value.type == TTransportException.INVALID_CLIENT_TYPE


def write_with(
    transport_class: type[THeaderTransport],
    client_type: int,
    *,
    headers: dict[bytes, bytes] | None = None,
    transforms: tuple[int, ...] = (),
    protocol_id: int = THeaderSubprotocolID.BINARY,
    payload: bytes = MESSAGE,
    max_frame_size: int | None = None,
) -> tuple[bytes, ...] | tuple[type, int | None, str]:
    """Frame ``payload`` twice as an answer to ``client_type``; return the bytes, or the error."""
    sink = TMemoryBuffer()
    transport = transport_class(sink, ALL_CLIENT_TYPES, protocol_id)
    transport._client_type = client_type
    transport.flags = 1
    transport.sequence_id = 42
    if max_frame_size is not None:
        transport.set_max_frame_size(max_frame_size)
    for transform in transforms:
        transport.add_transform(transform)
    sent = []
    try:
        for _ in range(2):  # headers are sent once; nothing of the first answer is resent
            for key, value in (headers or {}).items():
                transport.set_header(key, value)
            headers = None
            transport.write(payload)
            transport.flush()
            sent.append(bytes(sink.getvalue()))
    except Exception as exc:  # the exception's kind and details are the result
        return (type(exc), getattr(exc, "type", None), str(exc))
    return tuple(sent)


WRITE_CASES: dict[str, dict[str, Any]] = {
    "header": {"client_type": THeaderClientType.HEADERS},
    "header with headers": {
        "client_type": THeaderClientType.HEADERS,
        "headers": {b"Trace": b"1", b"X-Long": b"v" * 200},
    },
    "header, zlib": {
        "client_type": THeaderClientType.HEADERS,
        "transforms": (THeaderTransformID.ZLIB,),
    },
    "header, compact": {
        "client_type": THeaderClientType.HEADERS,
        "protocol_id": THeaderSubprotocolID.COMPACT,
    },
    "header, empty payload": {"client_type": THeaderClientType.HEADERS, "payload": b""},
    "framed binary": {"client_type": THeaderClientType.FRAMED_BINARY},
    "unframed binary": {"client_type": THeaderClientType.UNFRAMED_BINARY},
    "framed compact": {"client_type": THeaderClientType.FRAMED_COMPACT},
    "unknown client type": {"client_type": 99},
    "frame too large": {"client_type": THeaderClientType.HEADERS, "max_frame_size": 16},
}


@pytest.mark.parametrize("case", WRITE_CASES.values(), ids=WRITE_CASES.keys())
def test_frames_every_answer_as_apaches_transport_does(case: dict[str, Any]) -> None:
    assert write_with(THeaderTransport, **case) == write_with(ServerHeaderTransport, **case)


def test_zlib_answer_is_the_compressed_payload() -> None:
    sent = write_with(
        ServerHeaderTransport, THeaderClientType.HEADERS, transforms=(THeaderTransformID.ZLIB,)
    )
    frame = sent[0]
    assert isinstance(frame, bytes)
    assert zlib.decompress(frame[-(len(frame) - 4 - 14) :]) == MESSAGE


def test_binary_protocol_object_is_kept_between_messages_and_compact_is_not() -> None:
    two_binary = header_frame(MESSAGE) + header_frame(binary_message(seqid=8))
    protocol = ServerHeaderProtocol(TMemoryBuffer(two_binary), ALL_CLIENT_TYPES)
    first = protocol.readMessageBegin()
    kept = protocol._protocol
    protocol.skip(12)  # TType.STRUCT: the arguments
    protocol.readMessageEnd()
    second = protocol.readMessageBegin()
    assert first == ("greet", TMessageType.CALL, 7)
    assert second == ("greet", TMessageType.CALL, 8)
    assert kept is protocol._protocol

    compact = header_frame(compact_message(), protocol_id=THeaderSubprotocolID.COMPACT)
    protocol = ServerHeaderProtocol(TMemoryBuffer(compact + compact), ALL_CLIENT_TYPES)
    protocol.readMessageBegin()
    made = protocol._protocol
    protocol.skip(12)
    protocol.readMessageEnd()
    assert protocol.readMessageBegin() == ("greet", TMessageType.CALL, 3)
    assert made is not protocol._protocol


class Duplex(TMemoryBuffer):  # type: ignore[misc]  # thrift is untyped
    """Reads the given bytes; keeps what is written apart, as a socket does."""

    def __init__(self, incoming: bytes) -> None:
        super().__init__(incoming)
        self.sent = b""

    def write(self, buf: bytes) -> None:
        self.sent += buf


def test_unknown_transform_is_answered_with_an_exception_message() -> None:
    """The client is told why its message was refused, and the connection reads on."""
    frames = hand_made_frame(b"\x00\x01\x05", MESSAGE) + header_frame(binary_message(seqid=9))
    duplex = Duplex(frames)
    protocol = ServerHeaderProtocol(duplex, ALL_CLIENT_TYPES)
    assert protocol.readMessageBegin() == ("greet", TMessageType.CALL, 9)
    answer = ServerHeaderTransport(TMemoryBuffer(duplex.sent), ALL_CLIENT_TYPES)
    name, kind, _ = TBinaryProtocol(answer).readMessageBegin()
    error = TApplicationException()
    error.read(TBinaryProtocol(answer))
    assert (name, kind) == ("", TMessageType.EXCEPTION)
    assert error.type == TApplicationException.INVALID_TRANSFORM
    assert error.message == "Unknown transform: 5"


def test_apaches_protocol_still_cannot_answer_an_unknown_transform() -> None:
    """Why ServerHeaderProtocol has its own readMessageBegin; drop it once this fails."""
    protocol = THeaderProtocol(Duplex(hand_made_frame(b"\x00\x01\x05", MESSAGE)), ALL_CLIENT_TYPES)
    with pytest.raises(TypeError):
        protocol.readMessageBegin()


def strict_message_begin(name: bytes, kind: int = TMessageType.CALL, seqid: int = 7) -> bytes:
    """A strict binary message's first fields, laid out by hand (name given as raw bytes)."""
    return (
        struct.pack("!ii", TBinaryProtocol.VERSION_1 | kind, len(name))
        + name
        + struct.pack("!i", seqid)
    )


def begin_with(protocol_class: type[THeaderProtocol], data: bytes) -> dict[str, Any]:
    """readMessageBegin on ``data``; return the message's first fields and what is left."""
    protocol = protocol_class(TMemoryBuffer(data), ALL_CLIENT_TYPES)
    try:
        begin = protocol.readMessageBegin()
        rest = protocol.trans._read_buffer.read()
    except Exception as exc:  # the exception's kind and details are the result
        return {"error": (type(exc), getattr(exc, "type", None), str(exc))}
    return {"begin": begin, "rest": rest}


def framed(message: bytes) -> bytes:
    return struct.pack("!i", len(message)) + message


BEGIN_CASES = {
    "header": header_frame(MESSAGE),
    "header, empty name": header_frame(binary_message(name="")),
    "header, non-ASCII name": header_frame(binary_message(name="grüße")),
    "header, reply, negative sequence id": header_frame(
        strict_message_begin(b"greet", TMessageType.REPLY, -5) + b"\x00"
    ),
    "header, oneway": header_frame(strict_message_begin(b"ping", TMessageType.ONEWAY)),
    "framed binary": framed(MESSAGE),
    "unframed binary": MESSAGE,
    "header, compact": header_frame(compact_message(), protocol_id=THeaderSubprotocolID.COMPACT),
    "old unversioned form": framed(b"\x00\x00\x00\x05greet\x01\x00\x00\x00\x07\x00"),
    "bad version": framed(struct.pack("!ii", -2147352576 | 1, 5) + b"greet\x00\x00\x00\x07"),
    "name is not UTF-8": header_frame(strict_message_begin(b"gr\xffet")),
    "frame ends inside the name": framed(strict_message_begin(b"greet")[:10]),
    "frame ends before the sequence id": framed(strict_message_begin(b"greet")[:-2]),
    "frame ends before the name's length": framed(strict_message_begin(b"greet")[:6]),
    "negative name length": framed(struct.pack("!ii", TBinaryProtocol.VERSION_1 | 1, -1)),
}


@pytest.mark.parametrize("data", BEGIN_CASES.values(), ids=BEGIN_CASES.keys())
def test_reads_every_message_begin_as_apaches_protocol_does(data: bytes) -> None:
    assert begin_with(THeaderProtocol, data) == begin_with(ServerHeaderProtocol, data)


def test_a_name_over_the_string_length_limit_is_refused_as_apaches_protocol_does(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("thrift.protocol.TBinaryProtocol.DEFAULT_STRING_LENGTH_LIMIT", 4)
    data = header_frame(MESSAGE)
    ours = begin_with(ServerHeaderProtocol, data)
    assert ours["error"][1] == TTransportException.SIZE_LIMIT
    assert begin_with(THeaderProtocol, data) == ours


def test_reads_message_begin_fields_at_the_offsets_the_binary_format_gives() -> None:
    """Independent of Apache's code: version|type, name length, name, sequence id."""
    data = header_frame(strict_message_begin(b"whoami", TMessageType.CALL, 0x01020304) + b"\x00")
    protocol = ServerHeaderProtocol(TMemoryBuffer(data), ALL_CLIENT_TYPES)
    assert protocol.readMessageBegin() == ("whoami", TMessageType.CALL, 0x01020304)
    assert protocol.trans._read_buffer.read() == b"\x00"


COMPACT_REQUEST = header_frame(compact_message(), protocol_id=THeaderSubprotocolID.COMPACT)


def answer_with(
    protocol_class: type[THeaderProtocol], request: bytes, name: str, kind: int, seqid: int
) -> bytes:
    """Read ``request``'s first fields, then write an answer's; return the bytes sent."""
    duplex = Duplex(request)
    protocol = protocol_class(duplex, ALL_CLIENT_TYPES)
    protocol.readMessageBegin()
    protocol.writeMessageBegin(name, kind, seqid)
    protocol.writeStructBegin("result")
    protocol.writeFieldStop()
    protocol.writeStructEnd()
    protocol.writeMessageEnd()
    protocol.trans.flush()
    return duplex.sent


@pytest.mark.parametrize(
    ("request_bytes", "name", "kind", "seqid"),
    [
        (header_frame(MESSAGE), "greet", TMessageType.REPLY, 7),
        (header_frame(MESSAGE), "", TMessageType.EXCEPTION, 0),
        (header_frame(MESSAGE), "grüße", TMessageType.REPLY, -1),
        (header_frame(MESSAGE), "greet", TMessageType.REPLY, 2**31 - 1),
        (framed(MESSAGE), "greet", TMessageType.REPLY, 7),
        (MESSAGE, "greet", TMessageType.REPLY, 7),
        (COMPACT_REQUEST, "greet", TMessageType.REPLY, 3),
    ],
    ids=["header", "empty name", "non-ASCII", "largest seqid", "framed", "unframed", "compact"],
)
def test_writes_every_message_begin_as_apaches_protocol_does(
    request_bytes: bytes, name: str, kind: int, seqid: int
) -> None:
    ours = answer_with(ServerHeaderProtocol, request_bytes, name, kind, seqid)
    assert answer_with(THeaderProtocol, request_bytes, name, kind, seqid) == ours
    if request_bytes is not COMPACT_REQUEST:  # the binary layout, independent of Apache's code
        assert strict_message_begin(name.encode(), kind, seqid) in ours


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (strict_message_begin(b"greet") + b"\x00", ("greet", TMessageType.CALL, 7)),
        (b"\x00\x00\x00\x05greet\x01\x00\x00\x00\x07", None),  # old form: left to the protocol
        (strict_message_begin(b"greet")[:-1], None),  # ends early: left to the protocol
        (strict_message_begin(b"gr\xffet"), None),  # not UTF-8: left to the protocol
    ],
    ids=["strict", "old form", "short", "not UTF-8"],
)
def test_message_begin_fast_path_reads_strict_headers_and_leaves_the_rest(
    data: bytes, expected: tuple[str, int, int] | None
) -> None:
    """The shortcut answers for a whole strict header; otherwise it reads nothing."""
    buffer = BytesIO(b"xx" + data)
    buffer.seek(2)
    assert expected == _read_binary_message_begin(buffer, None)
    assert (2 + len(strict_message_begin(b"greet")) if expected else 2) == buffer.tell()


def test_answer_begin_is_one_write() -> None:
    writes: list[bytes] = []
    protocol = ServerHeaderProtocol(TMemoryBuffer(header_frame(MESSAGE)), ALL_CLIENT_TYPES)
    protocol.readMessageBegin()
    protocol.trans.write = writes.append
    protocol.writeMessageBegin("greet", TMessageType.REPLY, 7)
    assert [strict_message_begin(b"greet", TMessageType.REPLY, 7)] == writes


class TestUntrustedFrames:
    """What the frame reader does with lengths and sizes a client chose."""

    def test_a_negative_frame_length_is_refused_before_reading(self) -> None:
        """Apache's reader reads nothing and fails on the empty frame; ours says why."""
        transport = ServerHeaderTransport(
            TMemoryBuffer(struct.pack("!i", -5) + b"\x00" * 16), ALL_CLIENT_TYPES
        )
        with pytest.raises(TTransportException, match="Negative frame size: -5") as caught:
            transport.readFrame(0)
        assert caught.value.type == TTransportException.NEGATIVE_SIZE

    def test_max_frame_size_bounds_the_frame_read(self) -> None:
        """A length over the factory's max_frame_size is refused from the length alone."""
        protocol = server_protocol_factory(max_frame_size=64).getProtocol(
            TMemoryBuffer(struct.pack("!i", 65))
        )
        with pytest.raises(TTransportException, match="Frame was too large") as caught:
            protocol.readMessageBegin()
        assert caught.value.type == TTransportException.SIZE_LIMIT

    def test_max_frame_size_bounds_what_zlib_decompresses_to(self) -> None:
        """A small compressed frame cannot expand past max_frame_size."""
        frame = header_frame(b"\x00" * 100_000, zlib_transform=True)
        assert len(frame) < 1000
        protocol = server_protocol_factory(max_frame_size=4096).getProtocol(TMemoryBuffer(frame))
        with pytest.raises(TTransportException) as caught:
            protocol.readMessageBegin()
        assert caught.value.type == TTransportException.SIZE_LIMIT

    @pytest.mark.parametrize("size", [0, -1, 2**30])
    def test_max_frame_size_out_of_range_is_refused(self, size: int) -> None:
        with pytest.raises(ValueError, match=r"max_frame_size must be between 1 and \d+ bytes"):
            server_protocol_factory(max_frame_size=size)

    @pytest.mark.parametrize(
        ("second_transform", "error", "message"),
        [
            # Apache's reader raised the TApplicationException meant for a message's start
            # from the middle of one, and the server logged it as its own failure.
            (b"\x00", TTransportException, "runs on into a frame"),
            # zlib.error got out of Apache's transform: invalid data from the client.
            (b"\x01", TProtocolException, "zlib payload is corrupt"),
        ],
        ids=["unknown transform mid-message", "corrupt zlib payload"],
    )
    def test_what_the_fuzz_tests_found_is_the_clients_fault(
        self, second_transform: bytes, error: type[Exception], message: str
    ) -> None:
        """Examples found by test_fuzz_header.py: a message whose second frame names a
        transform (0, unknown; or zlib, over bytes that are not zlib's)."""
        data = (
            b"\x00\x00\x00\x0c\x0f\xff\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"
            b"\x00\x00\x00\r\x0f\xff\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01" + second_transform
        )
        protocol = server_protocol_factory().getProtocol(TMemoryBuffer(data))
        with pytest.raises(error, match=message):
            protocol.readMessageBegin()
