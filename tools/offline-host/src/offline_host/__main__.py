"""Command line: ``python -m offline_host --app-root PATH [--host H] [--port P]``.

Prints the functions it serves, then ``Host started``; Ctrl-C or SIGTERM stops it, after
waiting a few seconds for invocations in flight, with exit code 0.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
from pathlib import Path
from types import FrameType

from .errors import OfflineHostError
from .host import HostOptions, OfflineHost
from .host_logging import configure_logging

logger = logging.getLogger("offline_host")

DRAIN_SECONDS = 5.0


def parse_arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m offline_host",
        description="Run a v1-model Python Azure Functions app locally, without Core Tools.",
    )
    parser.add_argument("--app-root", type=Path, default=Path.cwd(), help="folder with host.json")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument(
        "--port",
        type=int,
        default=None,
        help="default: Host.LocalHttpPort of the settings, else 7071",
    )
    parser.add_argument("--settings", type=Path, default=None, help="settings file to read")
    parser.add_argument(
        "--strict", action="store_true", help="exit with code 1 if any function fails to load"
    )
    parser.add_argument("--verbose", action="store_true", help="also log Azure SDK requests")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Run the host until a stop signal; return the exit code."""
    arguments = parse_arguments(argv)
    configure_logging(verbose=arguments.verbose)
    stop_requested = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stop_requested.set()

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    host = OfflineHost(
        HostOptions(
            app_root=arguments.app_root,
            host=arguments.host,
            port=arguments.port,
            settings_file=arguments.settings,
        )
    )
    try:
        host.start()
    except (OfflineHostError, OSError) as error:
        logger.error("The host cannot start: %s", error)
        return 1
    print(host.listing, flush=True)
    if arguments.strict and host.load_errors:
        logger.error("Some functions failed to load (--strict)")
        host.stop(0)
        return 1
    logger.info("Host started")
    stop_requested.wait()
    logger.info("Stopping the host")
    drained = host.stop(DRAIN_SECONDS)
    logger.info("Host stopped")
    if not drained:
        # Threads still running user code would keep the interpreter from exiting.
        logging.shutdown()
        sys.stdout.flush()
        os._exit(0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
