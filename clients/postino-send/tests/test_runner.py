"""A campaign against a fake API: recipient checks, bounded concurrency, resume, stops."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from builders import MARKDOWN, SUBJECT, a_row, fiscal_codes
from fake_api import FakePostino, lost, problem
from postino_send.api import PostinoApi
from postino_send.outcomes import Outcome, RowResult
from postino_send.prepare import PreparedRow, prepare_rows
from postino_send.recipients_csv import CsvRow
from postino_send.retry import RetryPolicy
from postino_send.runner import (
    ABANDONED,
    API_DOWN_BEFORE,
    INTERRUPTED_BEFORE,
    KEY_REFUSED_BEFORE,
    Campaign,
    StopReason,
    wait_sleeper,
)
from postino_send.template import MessageTemplate

TEMPLATE = MessageTemplate(subject=SUBJECT, markdown=MARKDOWN)


def _prepared(codes: list[str], campaign: str = "c1") -> list[PreparedRow]:
    rows, problems = prepare_rows(
        campaign, TEMPLATE, [CsvRow(n, a_row(code)) for n, code in enumerate(codes, 1)]
    )
    assert problems == []
    return rows


def _run(
    fake: FakePostino, rows: list[PreparedRow], concurrency: int = 4, **options: object
) -> tuple[list[RowResult], Campaign]:
    stop = threading.Event()
    api = PostinoApi(fake, sleep=wait_sleeper(stop), policy=RetryPolicy(base_delay=0.001))
    campaign = Campaign(rows=rows, api=api, stop=stop, **options)  # type: ignore[arg-type]
    for worker in campaign.start(concurrency):
        worker.join(10)
    return campaign.finish(), campaign


def test_every_row_is_sent_once_and_a_rerun_sends_nothing_again() -> None:
    codes = fiscal_codes(5)
    fake = FakePostino(registered=set(codes))
    rows = _prepared(codes)

    first, _ = _run(fake, rows)
    again, _ = _run(fake, _prepared(codes))

    assert [r.outcome for r in first] == [Outcome.SENT] * 5
    assert [r.outcome for r in again] == [Outcome.ALREADY_SENT] * 5
    assert [r.message_id for r in first] == [r.message_id for r in again]
    assert all(fake.created[code] == 1 for code in codes)


def test_recipients_who_cannot_receive_are_skipped_and_sent_nothing() -> None:
    allowed, blocked, unknown = fiscal_codes(3)
    fake = FakePostino(registered={allowed, blocked}, blocked={blocked})

    results, _ = _run(fake, _prepared([allowed, blocked, unknown]))

    assert [r.outcome for r in results] == [
        Outcome.SENT,
        Outcome.NOT_ALLOWED,
        Outcome.NOT_REGISTERED,
    ]
    assert set(fake.created) == {allowed}


def test_a_dry_run_checks_recipients_and_sends_nothing() -> None:
    allowed, unknown = fiscal_codes(2)
    fake = FakePostino(registered={allowed})

    results, _ = _run(fake, _prepared([allowed, unknown]), dry_run=True)

    assert [r.outcome for r in results] == [Outcome.WOULD_SEND, Outcome.NOT_REGISTERED]
    assert "/api/v1/messages" not in fake.calls


def test_a_recipient_with_several_rows_is_checked_once() -> None:
    [code] = fiscal_codes(1)
    fake = FakePostino(registered={code})
    rows = _prepared([code, code, code])

    results, _ = _run(fake, rows, concurrency=1)

    assert fake.calls.count("/api/v1/profiles") == 1
    assert [r.outcome for r in results] == [Outcome.SENT] * 3
    assert fake.created[code] == 3  # three rows, three messages


def test_a_refused_row_fails_with_the_problems_detail_and_the_others_go_on() -> None:
    codes = fiscal_codes(3)
    fake = FakePostino(registered=set(codes))
    fake.script = [problem(200, "ignored")]  # the first profile check: malformed answer

    results, _ = _run(fake, _prepared(codes), concurrency=1)

    assert [r.outcome for r in results] == [Outcome.FAILED, Outcome.SENT, Outcome.SENT]
    assert results[0].error == "recipient check: unexpected answer"


def test_no_more_rows_than_the_concurrency_are_in_flight() -> None:
    codes = fiscal_codes(12)
    in_flight = 0
    peak = 0
    lock = threading.Lock()

    class SlowFake(FakePostino):
        def post(self, path, body, headers):  # type: ignore[no-untyped-def]
            nonlocal in_flight, peak
            with lock:
                in_flight += 1
                peak = max(peak, in_flight)
            time.sleep(0.01)
            try:
                return super().post(path, body, headers)
            finally:
                with lock:
                    in_flight -= 1

    results, _ = _run(SlowFake(registered=set(codes)), _prepared(codes), concurrency=3)

    assert [r.outcome for r in results] == [Outcome.SENT] * 12
    assert peak == 3


def test_a_refused_key_stops_the_run() -> None:
    codes = fiscal_codes(4)
    fake = FakePostino(registered=set(codes), script=[problem(401, "bad key")])

    results, campaign = _run(fake, _prepared(codes), concurrency=1)

    assert campaign.key_refused == "HTTP 401: bad key"
    assert campaign.stopped_because is StopReason.KEY_REFUSED
    assert [(r.outcome, r.error) for r in results] == [(Outcome.NOT_SENT, KEY_REFUSED_BEFORE)] * 4
    assert fake.calls == ["/api/v1/profiles"]


def test_a_stop_takes_no_new_row_and_tells_which_rows_may_have_been_sent() -> None:
    codes = fiscal_codes(6)
    stop_now = threading.Event()

    def stop_on_second_send(path: str) -> None:
        if path == "/api/v1/messages" and stop_now.is_set():
            campaign.stop.set()  # a Ctrl-C while this row's message is on its way
        if path == "/api/v1/messages":
            stop_now.set()

    fake = FakePostino(registered=set(codes), on_post=stop_on_second_send)
    stop = threading.Event()
    api = PostinoApi(fake, sleep=wait_sleeper(stop))
    campaign = Campaign(rows=_prepared(codes), api=api, stop=stop)
    for worker in campaign.start(1):
        worker.join(10)
    results = campaign.finish()

    # The message in flight when the stop came was answered and recorded.
    assert [r.outcome for r in results[:2]] == [Outcome.SENT, Outcome.SENT]
    assert {r.outcome for r in results[2:]} == {Outcome.NOT_SENT}
    assert {r.error for r in results[2:]} == {INTERRUPTED_BEFORE}
    assert sum(fake.created.values()) == 2


def test_a_row_abandoned_while_waiting_to_retry_may_have_been_sent() -> None:
    [code] = fiscal_codes(1)
    fake = FakePostino(registered={code})
    stop = threading.Event()
    api = PostinoApi(fake, sleep=wait_sleeper(stop))
    campaign = Campaign(rows=_prepared([code]), api=api, stop=stop)
    fake.on_post = _stop_during_the_wait_after_a_503(fake, campaign)

    for worker in campaign.start(1):
        worker.join(10)

    [result] = campaign.finish()
    assert (result.outcome, result.error) == (Outcome.NOT_SENT, ABANDONED)


def _stop_during_the_wait_after_a_503(
    fake: FakePostino, campaign: Campaign
) -> Callable[[str], None]:
    def on_post(path: str) -> None:
        if path.endswith("messages"):
            fake.script.append(problem(503, "down"))  # answered 503: the worker will wait
            campaign.stop.set()  # and the stop comes during that wait

    return on_post


def test_the_run_stops_when_rows_keep_failing_for_want_of_the_api_and_a_rerun_finishes() -> None:
    # GIVEN an API that cannot be reached, and a campaign of 20 rows
    codes = fiscal_codes(20)
    fake = FakePostino(registered=set(codes), down=True)

    # WHEN the campaign runs with a breaker of 3 rows in a row
    results, campaign = _run(fake, _prepared(codes), concurrency=2, failures_to_stop=3)

    # THEN it stops after a few failed rows instead of retrying every row
    failed = [r for r in results if r.outcome is Outcome.FAILED]
    not_sent = [r for r in results if r.outcome is Outcome.NOT_SENT]
    assert campaign.stopped_because is StopReason.API_DOWN
    assert 3 <= len(failed) <= 4  # the rows in flight when the breaker opened finish
    assert len(not_sent) == 20 - len(failed)
    assert {r.error for r in not_sent} == {API_DOWN_BEFORE}
    assert len(fake.calls) <= 4 * RetryPolicy().max_attempts

    # AND once the API is back, the same run sends every row, each once
    fake.down = False
    again, _ = _run(fake, _prepared(codes), failures_to_stop=3)
    assert [r.outcome for r in again] == [Outcome.SENT] * 20
    assert all(fake.created[code] == 1 for code in codes)


def test_an_answer_between_failures_closes_the_breaker_again() -> None:
    codes = fiscal_codes(5)
    fake = FakePostino(registered=set(codes))
    gave_up = [lost()] * RetryPolicy().max_attempts  # one row's attempts, all lost
    # rows 1-2 fail for want of the API, row 3 is answered (and refused), rows 4-5 fail
    fake.script = [*gave_up, *gave_up, problem(400, "bad row"), *gave_up, *gave_up]

    results, campaign = _run(fake, _prepared(codes), concurrency=1, failures_to_stop=3)

    assert campaign.stopped_because is None
    assert [r.outcome for r in results] == [Outcome.FAILED] * 5


def test_a_breaker_of_zero_never_stops_the_run() -> None:
    codes = fiscal_codes(4)
    fake = FakePostino(registered=set(codes), down=True)

    results, campaign = _run(fake, _prepared(codes), concurrency=1, failures_to_stop=0)

    assert campaign.stopped_because is None
    assert [r.outcome for r in results] == [Outcome.FAILED] * 4


def test_rows_known_sent_are_reported_with_their_id_and_cost_no_call() -> None:
    # GIVEN an earlier run's results: the first two rows sent
    codes = fiscal_codes(4)
    fake = FakePostino(registered=set(codes))
    rows = _prepared(codes)
    known = {rows[0].idempotency_key: "id-1", rows[1].idempotency_key: "id-2"}

    # WHEN the campaign runs again
    results, campaign = _run(fake, rows, known_sent=known)

    # THEN those rows are already sent, without a recipient check or a send
    assert [(r.outcome, r.message_id) for r in results[:2]] == [
        (Outcome.ALREADY_SENT, "id-1"),
        (Outcome.ALREADY_SENT, "id-2"),
    ]
    assert [r.outcome for r in results[2:]] == [Outcome.SENT] * 2
    assert len(fake.calls) == 4  # two checks, two sends: the last two rows only
    assert set(fake.created) == set(codes[2:])
    assert (campaign.known_sent_count(), campaign.done()) == (2, 2)


def test_a_dry_run_does_not_call_rows_known_sent_would_send() -> None:
    codes = fiscal_codes(2)
    fake = FakePostino(registered=set(codes))
    rows = _prepared(codes)

    results, _ = _run(fake, rows, dry_run=True, known_sent={rows[0].idempotency_key: "id-1"})

    assert [r.outcome for r in results] == [Outcome.ALREADY_SENT, Outcome.WOULD_SEND]
    assert fake.calls == ["/api/v1/profiles"]


def test_a_row_whose_message_changed_is_not_taken_for_sent() -> None:
    # GIVEN a results file from a campaign whose key no longer matches (the text changed)
    codes = fiscal_codes(1)
    fake = FakePostino(registered=set(codes))
    old_rows = _prepared(codes, campaign="c-old")

    results, _ = _run(fake, _prepared(codes), known_sent={old_rows[0].idempotency_key: "id"})

    assert [r.outcome for r in results] == [Outcome.SENT]
