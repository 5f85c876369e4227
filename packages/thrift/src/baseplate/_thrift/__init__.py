"""What baseplate-thrift's client pool, client context and server integration share.

Private to baseplate-thrift: other distributions use the public modules.
"""

from __future__ import annotations

from thrift.protocol.TProtocol import TProtocolException
from thrift.Thrift import TApplicationException
from thrift.transport.TTransport import TTransportException

#: Thrift exceptions that say something went wrong with the connection, the protocol or the
#: server's processing, as opposed to the exceptions a service declares in its IDL.
LOW_LEVEL_ERRORS: tuple[type[BaseException], ...] = (
    TApplicationException,
    TProtocolException,
    TTransportException,
)
