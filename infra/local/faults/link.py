"""One proxied connection: a client and its upstream, pumped both ways, with its faults.

Bytes are forwarded verbatim. A *leg* starts with the first bytes a client sends while
nothing is outstanding on the connection (no reply pending); the upstream's first reply
bytes end it. A leg of TLS handshake records (`tls_handshake`) is a handshake, any other
leg a request.

A TLS 1.3 server sends session tickets on its own right after the handshake, so the first
reply bytes to the first request of a connection may be tickets, not the reply. Two
consequences: a RESET_AFTER of that request drops the upstream's bytes until it has been
quiet for a moment and only then resets, so that the request lands; and a request body
the client writes after the tickets came counts as a request of its own.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import struct
from collections.abc import Callable
from enum import Enum

from infra.local.faults.fault_modes import Fault
from infra.local.faults.tls_handshake import HandshakeScanner

logger = logging.getLogger(__name__)

CHUNK_BYTES = 64 * 1024
# How long the upstream must stay quiet before a RESET_AFTER of the first request after a
# TLS handshake resets (its first bytes may be session tickets, not the reply).
TLS_SETTLE_SECONDS = 0.1
TLS_SETTLE_LIMIT_SECONDS = 5.0
_LINGER_RESET = struct.pack("ii", 1, 0)

Decide = Callable[[bool], Fault]  # is_handshake -> the fault of the new leg


def abort_with_reset(transport: asyncio.WriteTransport) -> None:
    """Close now, sending RST (the peer sees ECONNRESET), dropping anything unsent."""
    sock = transport.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, _LINGER_RESET)
    transport.abort()


class _Leg(Enum):
    NONE = "none"  # idle: nothing outstanding
    HANDSHAKE = "handshake"
    REQUEST = "request"


class Link:
    """A client connection and its upstream connection. Lives on the proxy's event loop."""

    def __init__(
        self,
        client: tuple[asyncio.StreamReader, asyncio.StreamWriter],
        upstream: tuple[asyncio.StreamReader, asyncio.StreamWriter],
        *,
        decide: Decide,
        on_closed: Callable[[Link], None],
        name: str,
    ) -> None:
        self._client_reader, self._client_writer = client
        self._upstream_reader, self._upstream_writer = upstream
        self._decide = decide
        self._on_closed = on_closed
        self._name = name
        self._handshake = HandshakeScanner()
        self._leg = _Leg.NONE
        self._tls = False  # the client spoke TLS: its first reply bytes may be tickets
        self._requests_seen = False
        self._reset_on_reply = False
        self._settle_reply = False
        self._closed = False
        self.stalled = False

    async def run(self) -> None:
        """Pump both ways until both sides are done, or the link is reset."""
        await asyncio.gather(self._pump_client(), self._pump_upstream())
        self.close()

    def reset(self) -> None:
        """Reset both sides (RST), now. Idempotent."""
        if self._closed:
            return
        self._closed = True
        abort_with_reset(self._client_writer.transport)
        abort_with_reset(self._upstream_writer.transport)
        logger.debug("%s: connection reset", self._name)
        self._on_closed(self)

    def close(self) -> None:
        """Close both sides gracefully (FIN), after what is already queued. Idempotent."""
        if self._closed:
            return
        self._closed = True
        self._client_writer.close()
        self._upstream_writer.close()
        self._on_closed(self)

    async def _pump_client(self) -> None:
        while not self._closed:
            data = await self._read(self._client_reader)
            if data is None:
                return
            if not data:
                self._client_finished()
                return
            if not await self._from_client(data):
                return

    async def _from_client(self, data: bytes) -> bool:
        """Apply the faults to a chunk from the client and forward what passes; whether the
        link is still up."""
        if self.stalled:
            return True
        split = 0 if self._handshake.done else self._handshake.handshake_bytes(data)
        handshake, request = data[:split], data[split:]
        if handshake:
            if self._leg is _Leg.NONE and not self._begin_leg(handshake=True):
                return not self._closed
            if not await self._send(self._upstream_writer, handshake):
                return False
        if request:
            if self._leg is not _Leg.REQUEST and not self._begin_leg(handshake=False):
                return not self._closed
            return await self._send(self._upstream_writer, request)
        return True

    async def _pump_upstream(self) -> None:
        while not self._closed:
            data = await self._read(self._upstream_reader)
            if data is None:
                return
            if not data:
                self._upstream_finished()
                return
            if self.stalled:
                continue
            if self._reset_on_reply:
                await self._drop_reply_and_reset()
                return
            self._leg = _Leg.NONE
            if not await self._send(self._client_writer, data):
                return

    def _begin_leg(self, *, handshake: bool) -> bool:
        """Decide the new leg's fault and apply it; whether to forward its bytes."""
        fault = self._decide(handshake)
        logger.debug("%s: %s gets %s", self._name, "handshake" if handshake else "request", fault)
        self._reset_on_reply = fault is Fault.RESET_AFTER
        self._settle_reply = self._reset_on_reply and self._tls and not self._requests_seen
        self._tls = self._tls or handshake
        self._requests_seen = self._requests_seen or not handshake
        self._leg = _Leg.HANDSHAKE if handshake else _Leg.REQUEST
        if fault in (Fault.RESET_BEFORE, Fault.REFUSE):
            self.reset()
            return False
        if fault is Fault.STALL:
            self.stalled = True
            return False
        return True

    async def _drop_reply_and_reset(self) -> None:
        if self._settle_reply:
            with contextlib.suppress(TimeoutError, OSError):
                async with asyncio.timeout(TLS_SETTLE_LIMIT_SECONDS):
                    while await asyncio.wait_for(
                        self._upstream_reader.read(CHUNK_BYTES), TLS_SETTLE_SECONDS
                    ):
                        pass
        self.reset()

    def _client_finished(self) -> None:
        if self.stalled:
            self.close()  # the client gave up on the black hole; the upstream saw nothing
        else:
            self._write_eof(self._upstream_writer)

    def _upstream_finished(self) -> None:
        if self._reset_on_reply:
            self.reset()  # the reply is lost all the same
        elif not self.stalled:  # a black hole answers nothing, not even FIN
            self._write_eof(self._client_writer)

    def _write_eof(self, writer: asyncio.StreamWriter) -> None:
        if self._closed or writer.transport.is_closing():
            return
        try:
            writer.write_eof()
        except OSError:
            self.reset()

    async def _read(self, reader: asyncio.StreamReader) -> bytes | None:
        """The next chunk, b"" at EOF, None when the link failed (it is then reset)."""
        try:
            return await reader.read(CHUNK_BYTES)
        except OSError:
            self.reset()
            return None

    async def _send(self, writer: asyncio.StreamWriter, data: bytes) -> bool:
        if self._closed:
            return False
        try:
            writer.write(data)
            await writer.drain()
        except OSError:
            self.reset()
            return False
        return True
