"""The protocol's message classes, generated from function_rpc.proto.

Import them from here, not from ``_generated``: this is the one place that says what to do
when they have not been generated yet.
"""

from __future__ import annotations

import struct
from typing import IO

try:
    from ._generated import function_rpc_pb2 as pb
except ImportError as error:  # pragma: no cover - only before `make install`
    raise ImportError(
        "the worker protocol's classes are not generated: run "
        "`python -m offline_host.worker.generate` (make install does it)"
    ) from error

__all__ = ["FRAME_HEADER", "encode_frame", "pb", "read_frame"]

# Each message on a worker's stdin and stdout is a 4-byte big-endian length, then a
# serialized StreamingMessage: pipes carry bytes, not messages.
FRAME_HEADER = struct.Struct(">I")


def encode_frame(message: pb.StreamingMessage) -> bytes:
    """``message`` as one frame."""
    data = message.SerializeToString()
    return FRAME_HEADER.pack(len(data)) + data


def read_frame(stream: IO[bytes]) -> pb.StreamingMessage | None:
    """The next message on a blocking stream; None when the stream ends between frames.

    Raises EOFError when it ends inside a frame (the writer died mid-message).
    """
    header = _read_up_to(stream, FRAME_HEADER.size)
    if not header:
        return None
    (length,) = FRAME_HEADER.unpack(header) if len(header) == FRAME_HEADER.size else (-1,)
    body = _read_up_to(stream, length) if length >= 0 else b""
    if length < 0 or len(body) != length:
        raise EOFError("the stream ended inside a frame")
    return pb.StreamingMessage.FromString(body)


def _read_up_to(stream: IO[bytes], size: int) -> bytes:
    """``size`` bytes, or fewer only when the stream ends first (pipes return short reads)."""
    chunks: list[bytes] = []
    remaining = size
    while remaining:
        chunk = stream.read(remaining)
        if not chunk:
            break
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)
