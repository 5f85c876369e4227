"""The server side of the THeader protocol, with less work per message.

Apache Thrift's :class:`THeaderTransport` reads a frame's header one byte at a time through a
memory transport, writes the answer's header through three buffers, and
:class:`THeaderProtocol` builds a new binary protocol object for every message. On a busy
server that is about a tenth of the time a small call costs. The subclasses here parse and
write the same bytes, raise the same exceptions and keep the same attributes, in fewer steps:
the header is read with slices and one ``struct`` call, the answer is framed in one buffer,
the (stateless) binary protocol object is kept from one message to the next, and a binary
message's first fields (type, method name, sequence id) are read and written with one
``struct`` call each rather than through four transport calls.

The wire format is Apache Thrift's ``doc/specs/HeaderFormat.md``; the tests check these
classes byte for byte against Apache's own.
"""

from __future__ import annotations

import struct
import zlib
from io import BytesIO
from typing import Any

from thrift.protocol.TBinaryProtocol import TBinaryProtocol
from thrift.protocol.TCompactProtocol import TCompactProtocol
from thrift.protocol.THeaderProtocol import (
    PROTOCOLS_BY_ID,
    THeaderProtocol,
    THeaderProtocolFactory,
)
from thrift.protocol.TProtocol import TProtocolException
from thrift.Thrift import TApplicationException, TMessageType
from thrift.transport.THeaderTransport import (
    HEADER_MAGIC,
    KNOWN_READ_TRANSFORM_IDS,
    WRITE_TRANSFORMS_BY_ID,
    THeaderClientType,
    THeaderSubprotocolID,
    THeaderTransport,
    TInfoHeaderType,
)
from thrift.transport.TTransport import TTransportException

_I32 = struct.Struct("!i")
# What follows a header frame's length: magic, flags, sequence id, header length in words.
_HEADER_PREFIX = struct.Struct("!HHiH")
# The same, with the frame length in front, as written.
_FRAME_PREFIX = struct.Struct("!iHHiH")
# A strict binary message's first two fields: version and type, then the name's length.
_MESSAGE_PREFIX = struct.Struct("!ii")
_MAX_VARINT_BYTES = 10

_HEADERS = THeaderClientType.HEADERS
_FRAMED = (THeaderClientType.FRAMED_BINARY, THeaderClientType.FRAMED_COMPACT)
_UNFRAMED = (THeaderClientType.UNFRAMED_BINARY, THeaderClientType.UNFRAMED_COMPACT)
# Client types whose whole message is in the read buffer once its frame is read.
_WHOLE_FRAME = (_HEADERS, *_FRAMED)
_BINARY_VERSION = TBinaryProtocol.VERSION_1
_BINARY_VERSION_MASK = TBinaryProtocol.VERSION_MASK
_BINARY_TYPE_MASK = TBinaryProtocol.TYPE_MASK
_COMPACT_ID = TCompactProtocol.PROTOCOL_ID
_COMPACT_VERSION = TCompactProtocol.VERSION
_COMPACT_VERSION_MASK = TCompactProtocol.VERSION_MASK
_BINARY_PROTOCOL = PROTOCOLS_BY_ID[THeaderSubprotocolID.BINARY]


def _read_varint(data: bytes, position: int) -> tuple[int, int]:
    """Decode the unsigned varint at ``position``; return it and the position after it.

    Raises:
        EOFError: the data ends inside the varint (what Apache's reader raises).
        TProtocolException: the varint is longer than ten bytes.
    """
    if position < len(data) and data[position] < 0x80:  # one byte: most lengths and ids
        return data[position], position + 1
    result = 0
    shift = 0
    for index in range(position, position + _MAX_VARINT_BYTES):
        try:
            byte = data[index]
        except IndexError:
            raise EOFError("the THeader frame ends inside a varint") from None
        result |= (byte & 0x7F) << shift
        if byte < 0x80:
            return result, index + 1
        shift += 7
    raise TProtocolException(TProtocolException.INVALID_DATA, "Variable-length int over 10 bytes.")


def _read_binary_message_begin(
    buffer: BytesIO, string_length_limit: int | None
) -> tuple[str, int, int] | None:
    """Read a strict binary message's name, type and sequence id from a frame's ``buffer``.

    Returns ``None``, having read nothing, for anything but a whole, well-formed strict
    message header whose name is within ``string_length_limit``: the binary protocol's own
    reader then reads it, and raises what it raises.
    """
    # For a buffer made from bytes and only read, as readFrame makes it, getvalue() returns
    # those bytes themselves: nothing is copied.
    frame = buffer.getvalue()
    start = buffer.tell()
    if len(frame) - start < _MESSAGE_PREFIX.size:
        return None
    version_and_type, name_size = _MESSAGE_PREFIX.unpack_from(frame, start)
    if version_and_type & _BINARY_VERSION_MASK != _BINARY_VERSION or name_size < 0:
        return None
    if string_length_limit is not None and name_size > string_length_limit:
        return None
    name_end = start + _MESSAGE_PREFIX.size + name_size
    if name_end + _I32.size > len(frame):
        return None
    try:
        name = frame[start + _MESSAGE_PREFIX.size : name_end].decode("utf-8")
    except UnicodeDecodeError:
        return None
    (sequence_id,) = _I32.unpack_from(frame, name_end)
    buffer.seek(name_end + _I32.size)
    return name, version_and_type & _BINARY_TYPE_MASK, sequence_id


def _append_varint(buffer: bytearray, value: int) -> None:
    """Append ``value`` (not negative) as an unsigned varint."""
    while value > 0x7F:
        buffer.append((value & 0x7F) | 0x80)
        value >>= 7
    buffer.append(value)


class ServerHeaderTransport(THeaderTransport):  # type: ignore[misc]  # thrift is untyped
    """:class:`THeaderTransport` with a faster frame reader and writer; same bytes, same errors.

    Accepts THeader, framed and unframed clients as the allowed client types say, and answers
    each in its own dialect.
    """

    def readFrame(self, req_sz: int) -> None:
        """Read the next message's frame (or, for an unframed client, its first bytes).

        Raises:
            TTransportException: the frame is too large, negative or malformed; also when a
                message runs on into a frame naming a transform this side cannot decode.
            TApplicationException: a message's first frame names such a transform (the
                protocol answers the client with it).
        """
        transport = self._transport
        first_word = transport.readAll(4)
        (frame_size,) = _I32.unpack(first_word)
        if frame_size & _BINARY_VERSION_MASK == _BINARY_VERSION:
            self._set_client_type(THeaderClientType.UNFRAMED_BINARY)
            self._read_unframed(first_word, req_sz)
            return
        if first_word[0] == _COMPACT_ID and first_word[1] & _COMPACT_VERSION_MASK == (
            _COMPACT_VERSION
        ):
            self._set_client_type(THeaderClientType.UNFRAMED_COMPACT)
            self._read_unframed(first_word, req_sz)
            return
        if frame_size > self._max_frame_size:
            # Refused before anything of that size is read or allocated.
            raise TTransportException(TTransportException.SIZE_LIMIT, "Frame was too large.")
        if frame_size < 0:
            raise TTransportException(
                TTransportException.NEGATIVE_SIZE, f"Negative frame size: {frame_size}"
            )
        frame = transport.readAll(frame_size)
        if len(frame) < 4:
            raise EOFError("the frame is too short to say its protocol")
        (version,) = _I32.unpack_from(frame)
        if version >> 16 == HEADER_MAGIC:
            self._set_client_type(_HEADERS)
            try:
                payload = self._parse_headers(frame)
            except TApplicationException as exc:
                if not req_sz:
                    raise  # a message's first frame: the protocol answers the client with it
                # A message running on into a frame this side cannot decode: Apache's raises
                # the exception meant for a message's start, which the server would take for
                # an error of its own.
                raise TTransportException(
                    TTransportException.UNKNOWN,
                    f"a message runs on into a frame this side cannot read: {exc.message}",
                ) from exc
            self._read_buffer = BytesIO(payload)
        elif version & _BINARY_VERSION_MASK == _BINARY_VERSION:
            self._set_client_type(THeaderClientType.FRAMED_BINARY)
            self._read_buffer = BytesIO(frame)
        elif frame[0] == _COMPACT_ID and frame[1] & _COMPACT_VERSION_MASK == _COMPACT_VERSION:
            self._set_client_type(THeaderClientType.FRAMED_COMPACT)
            self._read_buffer = BytesIO(frame)
        else:
            raise TTransportException(
                TTransportException.INVALID_CLIENT_TYPE, "Could not detect client transport type."
            )

    def _read_unframed(self, first_word: bytes, req_sz: int) -> None:
        rest = self._transport.read(req_sz - 4) if req_sz > 4 else b""
        self._read_buffer = BytesIO(first_word + rest)

    def _parse_header_format(self, buffer: BytesIO) -> BytesIO:
        """Apache's hook for a header frame held in ``buffer``; returns the payload."""
        return BytesIO(self._parse_headers(buffer.getvalue()))

    def _parse_headers(self, frame: bytes) -> bytes:
        """Take the header fields of a THeader ``frame``; return its payload, transforms undone.

        Sets ``flags``, ``sequence_id``, the protocol id and the read headers.

        Raises:
            TTransportException: the header is longer than the frame.
            TApplicationException: the frame names a transform this side does not know.
            TProtocolException: a varint is over ten bytes, or the zlib payload is corrupt.
            EOFError: the frame ends inside a field.
        """
        if len(frame) < _HEADER_PREFIX.size:
            raise EOFError("the THeader frame ends inside its fixed fields")
        _, self.flags, self.sequence_id, header_words = _HEADER_PREFIX.unpack_from(frame)
        end_of_headers = _HEADER_PREFIX.size + header_words * 4
        if end_of_headers > len(frame):
            raise TTransportException(
                TTransportException.SIZE_LIMIT, "Header size is larger than whole frame."
            )
        self._protocol_id, position = _read_varint(frame, _HEADER_PREFIX.size)
        transform_count, position = _read_varint(frame, position)
        transforms = []
        for _ in range(transform_count):
            transform_id, position = _read_varint(frame, position)
            if transform_id not in KNOWN_READ_TRANSFORM_IDS:
                raise TApplicationException(
                    TApplicationException.INVALID_TRANSFORM, f"Unknown transform: {transform_id}"
                )
            transforms.append(transform_id)
        headers: dict[bytes, bytes] = {}
        while position < end_of_headers:
            header_type, position = _read_varint(frame, position)
            if header_type != TInfoHeaderType.KEY_VALUE:
                break  # a kind of header this side does not know: the rest is skipped
            count, position = _read_varint(frame, position)
            for _ in range(count):
                size, position = _read_varint(frame, position)
                key = frame[position : position + size]
                size, position = _read_varint(frame, position + size)
                headers[key] = frame[position : position + size]
                position += size
        self._read_headers = headers
        payload = frame[end_of_headers:]
        for transform_id in reversed(transforms):
            try:
                payload = self._apply_read_transform(transform_id, payload)
            except zlib.error as exc:  # Apache's lets it out, as if the server had failed
                raise TProtocolException(
                    TProtocolException.INVALID_DATA, f"the frame's zlib payload is corrupt: {exc}"
                ) from exc
        return payload

    def flush(self) -> None:
        """Frame what was written as the client's dialect asks, and send it."""
        write_buffer = self._write_buffer
        payload = write_buffer.getvalue()
        write_buffer.seek(0)
        write_buffer.truncate()
        client_type = self._client_type
        if client_type == _HEADERS:
            transforms = self._write_transforms
            for transform_id in transforms:
                payload = WRITE_TRANSFORMS_BY_ID[transform_id](payload)
            header = bytearray()
            _append_varint(header, self._protocol_id)
            _append_varint(header, len(transforms))
            for transform_id in transforms:
                _append_varint(header, transform_id)
            headers: dict[bytes, bytes] = self._write_headers
            if headers:
                _append_varint(header, TInfoHeaderType.KEY_VALUE)
                _append_varint(header, len(headers))
                for key, value in headers.items():
                    _append_varint(header, len(key))
                    header += key
                    _append_varint(header, len(value))
                    header += value
                headers.clear()
            header += bytes(-len(header) % 4)
            frame = b"".join(
                (
                    _FRAME_PREFIX.pack(
                        10 + len(header) + len(payload),
                        HEADER_MAGIC,
                        self.flags,
                        self.sequence_id,
                        len(header) // 4,
                    ),
                    header,
                    payload,
                )
            )
        elif client_type in _FRAMED:
            frame = _I32.pack(len(payload)) + payload
        elif client_type in _UNFRAMED:
            frame = payload
        else:
            raise TTransportException(
                TTransportException.INVALID_CLIENT_TYPE, "Unknown client type."
            )
        # The length field does not count towards the limit (nor, as in Apache's, do the
        # first four bytes of an unframed message).
        if len(frame) - 4 > self._max_frame_size:
            raise TTransportException(
                TTransportException.SIZE_LIMIT, "Attempting to send frame that is too large."
            )
        self._transport.write(frame)
        self._transport.flush()


class ServerHeaderProtocol(THeaderProtocol):  # type: ignore[misc]  # thrift is untyped
    """:class:`THeaderProtocol` over a :class:`ServerHeaderTransport`.

    The binary protocol object a message is decoded with has no state of its own, so it is
    kept for the next message rather than made anew; a compact one (which keeps the state of
    the message being read or written) is still made for every message.
    """

    def __init__(
        self,
        transport: Any,
        allowed_client_types: tuple[int, ...],
        default_protocol: int = THeaderSubprotocolID.BINARY,
    ) -> None:
        if not isinstance(transport, THeaderTransport):
            transport = ServerHeaderTransport(transport, allowed_client_types, default_protocol)
        super().__init__(transport, allowed_client_types, default_protocol)

    def readMessageBegin(self) -> tuple[str, int, int]:
        """Read the next message's frame and its first fields.

        A message this side cannot decode (an unknown transform or protocol) is answered with
        an exception message naming the reason, and the one after it is read. Apache's own
        method means to do the same, but writes the answer's name as bytes, which its binary
        protocol refuses under Python 3 (``TypeError``): the client saw its connection drop.
        """
        try:
            self.trans.readFrame(0)
            self._set_protocol()
        except TApplicationException as exc:
            self._protocol.writeMessageBegin("", TMessageType.EXCEPTION, 0)
            exc.write(self._protocol)
            self._protocol.writeMessageEnd()
            self.trans.flush()
        protocol = self._protocol
        transport = self.trans
        if type(protocol) is _BINARY_PROTOCOL and transport._client_type in _WHOLE_FRAME:
            message = _read_binary_message_begin(
                transport._read_buffer, protocol.string_length_limit
            )
            if message is not None:
                return message
        return protocol.readMessageBegin()  # type: ignore[no-any-return]

    def writeMessageBegin(self, name: str, ttype: int, seqid: int) -> None:
        """Start an answer: the same bytes as the binary protocol's, in one write."""
        self.trans.sequence_id = seqid
        protocol = self._protocol
        if type(protocol) is _BINARY_PROTOCOL and protocol.strictWrite:
            encoded = name.encode("utf-8")
            self.trans.write(
                _MESSAGE_PREFIX.pack(_BINARY_VERSION | ttype, len(encoded))
                + encoded
                + _I32.pack(seqid)
            )
        else:
            protocol.writeMessageBegin(name, ttype, seqid)

    def _set_protocol(self) -> None:
        current = getattr(self, "_protocol", None)
        if (
            type(current) is _BINARY_PROTOCOL
            and PROTOCOLS_BY_ID.get(self.trans.protocol_id) is _BINARY_PROTOCOL
        ):
            return
        super()._set_protocol()


class ServerHeaderProtocolFactory(THeaderProtocolFactory):  # type: ignore[misc]  # untyped
    """Makes a :class:`ServerHeaderProtocol` for each connection.

    ``max_frame_size``, when given, bounds both a frame read from the wire and what its zlib
    transform may decompress to; Apache's default (about 15.6 MiB) applies otherwise.
    """

    def __init__(
        self,
        allowed_client_types: tuple[int, ...] = (THeaderClientType.HEADERS,),
        default_protocol: int = THeaderSubprotocolID.BINARY,
        *,
        max_frame_size: int | None = None,
    ) -> None:
        super().__init__(allowed_client_types, default_protocol)
        self.max_frame_size = max_frame_size

    def getProtocol(self, trans: Any) -> ServerHeaderProtocol:
        protocol = ServerHeaderProtocol(trans, self.allowed_client_types, self.default_protocol)
        if self.max_frame_size is not None:
            protocol.trans.set_max_frame_size(self.max_frame_size)
            protocol.trans.set_max_decompressed_size(self.max_frame_size)
        return protocol
