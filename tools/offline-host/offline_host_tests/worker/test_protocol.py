"""Frames on the pipes, and the generator that keeps the protocol's classes up to date."""

from __future__ import annotations

import io
import os

import pytest

from offline_host.worker import generate
from offline_host.worker.protocol import encode_frame, pb, read_frame


def test_frames_round_trip_and_a_clean_end_reads_as_none() -> None:
    first = pb.StreamingMessage(request_id="1", rpc_log=pb.RpcLog(message="hello"))
    second = pb.StreamingMessage(request_id="2")
    stream = io.BytesIO(encode_frame(first) + encode_frame(second))

    assert read_frame(stream) == first
    assert read_frame(stream) == second
    assert read_frame(stream) is None


@pytest.mark.parametrize("cut", [2, 6])
def test_a_stream_that_ends_inside_a_frame_is_an_error(cut: int) -> None:
    frame = encode_frame(pb.StreamingMessage(request_id="12345"))

    with pytest.raises(EOFError):
        read_frame(io.BytesIO(frame[:cut]))


def test_the_generator_runs_only_when_the_proto_is_newer() -> None:
    generate.generate()

    assert not generate.is_stale()
    assert generate.generate() is False
    proto_time = generate.PROTO_FILE.stat().st_mtime
    os.utime(generate.GENERATED_MODULE, (proto_time - 10, proto_time - 10))
    assert generate.is_stale()
    assert generate.generate() is True
    assert not generate.is_stale()
