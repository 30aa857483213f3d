"""Azurite on scratch files: started empty with its data in a folder of its own, which is
gone once the emulators stop."""

from __future__ import annotations

from pathlib import Path

import pytest
from azure.storage.queue import QueueClient

from infra.local.emulators import endpoints_on_free_ports, running_emulators_on_scratch_files

pytestmark = [pytest.mark.emulators]


def _azurite_location(queue_port: int) -> Path:
    """The --location of the Azurite process listening on `queue_port`."""
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            arguments = cmdline.read_bytes().split(b"\0")
        except OSError:
            continue
        if b"--queuePort" in arguments and str(queue_port).encode() in arguments:
            assert b"--inMemoryPersistence" not in arguments
            return Path(arguments[arguments.index(b"--location") + 1].decode())
    raise AssertionError(f"no Azurite listens on {queue_port}")


def test_azurite_keeps_its_data_in_a_folder_removed_when_it_stops(tmp_path):
    # GIVEN the emulators started on scratch files
    endpoints = endpoints_on_free_ports()
    with running_emulators_on_scratch_files(endpoints, log_dir=tmp_path) as running:
        folder = _azurite_location(running.queue_port)
        # WHEN a queue is used
        queue = QueueClient.from_connection_string(running.storage_connection_string, "scratch")
        queue.create_queue()
        queue.send_message("hello")
        # THEN it works, its data lives in the scratch folder
        assert [message.content for message in queue.receive_messages()] == ["hello"]
        assert folder.is_dir()
        assert any(folder.iterdir())
    # AND the folder is gone once the emulators stopped
    assert not folder.exists()
