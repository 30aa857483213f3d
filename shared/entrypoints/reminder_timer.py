"""Timer entry point of ReminderTimer.

The reminder rules (Premium, consent, unread / unpaid) are not implemented yet: a run
only records that it happened. The trigger, its schedule setting and its wiring are real.
"""

from __future__ import annotations

import logging

import azure.functions as func

logger = logging.getLogger(__name__)


def handle_reminder_timer(timer: func.TimerRequest) -> None:
    logger.info("reminder run started (past_due=%s); no reminder rules yet", timer.past_due)
