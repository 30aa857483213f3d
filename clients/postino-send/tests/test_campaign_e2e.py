"""The `postino-send` command against the app on the local stack (offline host, emulators):
a clean campaign, bad rows, recipients who cannot receive, an interrupted run resumed, and
a run over the service's rate limit."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from builders import a_row, fiscal_codes, write_csv, write_template
from infra.local.emulators import PROJECT_ROOT
from postino_send.results_file import read_results
from shared.bootstrap import build_app
from shared.domain.api_keys import hash_api_key
from shared.domain.profile import Profile
from shared.domain.service import RateLimit
from shared.services.onboarding import register_citizen
from tests.e2e.conftest import register_service

pytestmark = pytest.mark.emulators
COMMAND = Path(sys.executable).with_name("postino-send")
RUN_TIMEOUT = 120
# Runs a command with SIGINT as a terminal gives it, even when this suite was started as a
# background job (which starts with SIGINT ignored, and a program keeps an ignored SIGINT).
WITH_A_TERMINALS_SIGINT = [
    sys.executable,
    "-c",
    "import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); "
    "os.execv(sys.argv[1], sys.argv[1:])",
]


@dataclass(frozen=True)
class Service:
    id: str
    key: str


@dataclass(frozen=True)
class Run:
    returncode: int
    stdout: str
    stderr: str
    results: list[dict[str, str]]


@pytest.fixture(scope="module", autouse=True)
def _installed() -> None:
    if not COMMAND.exists():
        pytest.fail(f"{COMMAND} is missing: `make install` installs clients/postino-send")


def _service(local_stack: Any, **fields: Any) -> Service:
    """A service allowed to send the rows' payment notices, and its key."""
    key = register_service(local_stack.settings, max_allowed_payment_amount=1_000_000, **fields)
    record = build_app(local_stack.settings).api_keys.get(hash_api_key(key))
    assert record is not None
    return Service(record.service_id, key)


@pytest.fixture
def service(local_stack: Any) -> Service:
    return _service(local_stack)


def _citizens(local_stack: Any, count: int) -> list[str]:
    profiles = build_app(local_stack.settings).profiles
    codes = fiscal_codes(count)
    for code in codes:
        register_citizen(code, profiles=profiles)
    return codes


def _messages_to(local_stack: Any, fiscal_code: str, service: Service) -> int:
    """How many messages of `service` the store holds for this citizen, whatever their status."""
    container = build_app(local_stack.settings).messages._container  # type: ignore[attr-defined]
    documents = container.query_items(
        "SELECT c.id FROM c WHERE c.fiscal_code = @fc AND c.sender_service_id = @svc",
        parameters=[{"name": "@fc", "value": fiscal_code}, {"name": "@svc", "value": service.id}],
    )
    return len(list(documents))


def _command(
    tmp_path: Path, host: Any, service: Service, *extra: str
) -> tuple[list[str], dict[str, str]]:
    command = [
        str(COMMAND),
        str(tmp_path / "recipients.csv"),
        "--template",
        str(write_template(tmp_path / "template.toml")),
        "--campaign",
        f"campaign-{tmp_path.name}",
        *extra,
    ]
    env = {
        **os.environ,
        "POSTINO_API_URL": host.base_url,
        "POSTINO_API_KEY": service.key,
        # The repository's shared.domain, as the package ships it when built now.
        "PYTHONPATH": str(PROJECT_ROOT),
    }
    return command, env


def _results(tmp_path: Path) -> list[dict[str, str]]:
    path = tmp_path / "recipients.results.csv"
    return read_results(path) if path.exists() else []


def _run(tmp_path: Path, host: Any, service: Service, *extra: str) -> Run:
    command, env = _command(tmp_path, host, service, *extra)
    done = subprocess.run(
        command,
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT,
        check=False,
    )
    return Run(done.returncode, done.stdout, done.stderr, _results(tmp_path))


def _outcomes(run: Run) -> list[str]:
    return [line["outcome"] for line in run.results]


def _no_fiscal_code_shown(run: Run, codes: Sequence[str]) -> None:
    for code in codes:
        assert code not in run.stdout
        assert code not in run.stderr


def test_a_clean_campaign_sends_every_row_once(
    tmp_path: Path, offline_host: Any, local_stack: Any, service: Service
) -> None:
    # GIVEN five registered citizens, one row each
    codes = _citizens(local_stack, 5)
    write_csv(tmp_path / "recipients.csv", [a_row(code) for code in codes])

    # WHEN the campaign runs, then runs again
    first = _run(tmp_path, offline_host, service)
    first_ids = [line["message_id"] for line in first.results]
    again = _run(tmp_path, offline_host, service)

    # THEN each citizen got one message, and the second run found them all sent
    assert first.returncode == 0, first.stderr
    assert _outcomes(first) == ["sent"] * 5
    assert all(first_ids)
    assert [line["fiscal_code"] for line in first.results] == codes
    assert re.search(r"  sent +5\n", first.stdout)
    assert again.returncode == 0, again.stderr
    assert _outcomes(again) == ["already_sent"] * 5
    assert [line["message_id"] for line in again.results] == first_ids
    assert [_messages_to(local_stack, code, service) for code in codes] == [1] * 5
    _no_fiscal_code_shown(first, codes)
    _no_fiscal_code_shown(again, codes)


def test_bad_rows_are_reported_together_and_nothing_is_sent(
    tmp_path: Path, offline_host: Any, local_stack: Any, service: Service
) -> None:
    good, bad_amount, no_due_date = _citizens(local_stack, 3)
    rows = [
        a_row(good),
        a_row(bad_amount, amount="12,50"),
        a_row("RSSMRA80A01H501X"),
        a_row(no_due_date, due_date=""),
        a_row(good, anno="chiamaci al 333 123 4567"),  # a phone number in the subject
    ]
    write_csv(tmp_path / "recipients.csv", rows)

    run = _run(tmp_path, offline_host, service)

    assert run.returncode == 2
    assert "4 invalid row(s), 4 problem(s); nothing was sent" in run.stderr
    for expected in (
        "row 2 [amount, /content/payment_data/amount]",
        "row 3 [fiscal_code, /fiscal_code]",
        "row 4 [due_date, /content/due_date]",
        "row 5 [template subject, /content/subject]",
    ):
        assert expected in run.stderr
    assert run.results == []
    assert _messages_to(local_stack, good, service) == 0
    _no_fiscal_code_shown(run, [good, bad_amount, no_due_date, "RSSMRA80A01H501X"])


def test_recipients_who_cannot_receive_are_skipped_and_reported(
    tmp_path: Path, offline_host: Any, local_stack: Any, service: Service
) -> None:
    # GIVEN a citizen who turned the service off, one never registered, one who receives
    allowed, blocked = _citizens(local_stack, 2)
    build_app(local_stack.settings).profiles.save(
        Profile(fiscal_code=blocked, service_preferences={service.id: False})
    )
    [unregistered] = fiscal_codes(1)
    write_csv(tmp_path / "recipients.csv", [a_row(c) for c in (allowed, blocked, unregistered)])

    # WHEN a dry run, then the real run
    dry = _run(tmp_path, offline_host, service, "--dry-run", "--results", "dry.csv")
    dry_results = read_results(tmp_path / "dry.csv")
    run = _run(tmp_path, offline_host, service)

    # THEN the dry run sent nothing; the run sent to the one who receives, skipped the others
    assert dry.returncode == 0, dry.stderr
    assert [line["outcome"] for line in dry_results] == [
        "would_send",
        "skipped_not_allowed",
        "skipped_not_registered",
    ]
    assert run.returncode == 0, run.stderr
    assert _outcomes(run) == ["sent", "skipped_not_allowed", "skipped_not_registered"]
    assert re.search(r"skipped: service not allowed +1\n", run.stdout)
    assert re.search(r"skipped: not registered +1\n", run.stdout)
    assert [_messages_to(local_stack, c, service) for c in (allowed, blocked)] == [1, 0]


def _interrupt_after(
    tmp_path: Path, host: Any, service: Service, rows_done: int, sig: signal.Signals
) -> Run:
    """Start the campaign, send it `sig` once `rows_done` rows are in the results file."""
    command, env = _command(tmp_path, host, service, "--concurrency", "2")
    results = tmp_path / "recipients.results.csv"
    with subprocess.Popen(
        [*WITH_A_TERMINALS_SIGINT, *command],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as process:
        deadline = time.monotonic() + RUN_TIMEOUT
        while len(_results(tmp_path)) < rows_done:
            assert process.poll() is None, "the run ended before it could be interrupted"
            assert time.monotonic() < deadline
            time.sleep(0.02)
        process.send_signal(sig)
        stdout, stderr = process.communicate(timeout=RUN_TIMEOUT)
    return Run(process.returncode, stdout, stderr, read_results(results))


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGKILL], ids=["ctrl-c", "kill"])
def test_an_interrupted_run_resumes_without_sending_twice(
    tmp_path: Path, offline_host: Any, local_stack: Any, sig: signal.Signals
) -> None:
    # GIVEN a campaign slow enough to interrupt (the service may make 8 calls a second)
    service = _service(local_stack, rate_limit=RateLimit(requests=8, window_seconds=1))
    codes = _citizens(local_stack, 12)
    write_csv(tmp_path / "recipients.csv", [a_row(code) for code in codes])

    # WHEN it is interrupted after three rows, then the same command runs again
    stopped = _interrupt_after(tmp_path, offline_host, service, 3, sig)
    resumed = _run(tmp_path, offline_host, service)

    # THEN the first run stopped part way; the second finished every row, sending none twice
    sent_first = [line for line in stopped.results if line["outcome"] == "sent"]
    assert len(sent_first) >= 3
    if sig is signal.SIGINT:
        assert stopped.returncode == 130, stopped.stderr
        assert "interrupted; run the same command again to resume" in stopped.stderr
        assert len(stopped.results) == 12  # every row, with what became of it
        assert "not_sent" in _outcomes(stopped)
    else:
        assert stopped.returncode == -signal.SIGKILL
    assert resumed.returncode == 0, resumed.stderr
    assert set(_outcomes(resumed)) == {"sent", "already_sent"}
    already = {line["row"] for line in resumed.results if line["outcome"] == "already_sent"}
    assert {line["row"] for line in sent_first} <= already
    assert [_messages_to(local_stack, code, service) for code in codes] == [1] * 12


def test_a_run_over_the_rate_limit_waits_as_told_and_sends_every_row(
    tmp_path: Path, offline_host: Any, local_stack: Any
) -> None:
    # GIVEN a service allowed 3 calls per 2 seconds, and 6 rows (12 calls) at concurrency 4
    service = _service(local_stack, rate_limit=RateLimit(requests=3, window_seconds=2))
    codes = _citizens(local_stack, 6)
    write_csv(tmp_path / "recipients.csv", [a_row(code) for code in codes])

    started = time.monotonic()
    run = _run(tmp_path, offline_host, service, "--concurrency", "4")
    elapsed = time.monotonic() - started

    # THEN every row was sent once, after 429s whose Retry-After the sender waited out
    assert run.returncode == 0, run.stderr
    assert _outcomes(run) == ["sent"] * 6
    assert [_messages_to(local_stack, code, service) for code in codes] == [1] * 6
    waits = next(line for line in run.stdout.splitlines() if "rate limited (429)" in line)
    rate_limited = int(waits.split("waits: ")[1].split(" ")[0])
    # 12 calls at 3 per 2 s need four windows (more than 4 s, however the first is cut);
    # waiting as told, each worker meets a 429 about once per window, not a storm of them.
    assert elapsed >= 4
    assert 1 <= rate_limited <= 4 * 8, waits
