"""Timer entry point of SweepAcceptedMessages."""

from __future__ import annotations

import logging

import azure.functions as func

from shared import bootstrap
from shared.services.sweep_accepted import sweep_accepted

logger = logging.getLogger(__name__)


def handle_sweep(timer: func.TimerRequest) -> None:
    app = bootstrap.app()
    report = sweep_accepted(
        messages=app.messages,
        queue=app.queue,
        attachments=app.attachments,
        clock=app.clock,
        grace_seconds=app.settings.accepted_grace_seconds,
        max_redeliveries=app.settings.max_redeliveries,
    )
    logger.info("sweep: %d re-sent, %d failed", report.resent, report.failed)
