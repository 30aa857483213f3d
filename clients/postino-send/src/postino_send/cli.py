"""`postino-send`: send one message per CSV row through Postino's institution API.

Exit codes: 0 every row sent (or skipped: the recipient cannot receive); 1 some rows
failed or were invalid (--skip-invalid), or the API key was refused; 2 bad input (options,
template, CSV, invalid rows: nothing sent); 3 the API kept failing, the run stopped (run the
same command again later); 130 interrupted (run the same command again to resume).
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from types import FrameType
from typing import TextIO

from postino_send.api import PostinoApi, RequestsTransport, Transport
from postino_send.api_url import InsecureApiUrlError, checked_api_url
from postino_send.outcomes import Outcome, RowResult
from postino_send.prepare import PreparedRow, RowProblem, missing_columns, prepare_rows
from postino_send.progress import ProgressBar
from postino_send.recipients_csv import FISCAL_CODE_COLUMN, CsvError, read_recipients
from postino_send.results_file import ResultsWriter, sent_by_key
from postino_send.retry import RetryPolicy, RetryStats
from postino_send.runner import DEFAULT_FAILURES_TO_STOP, Campaign, StopReason, wait_sleeper
from postino_send.template import MessageTemplate, TemplateError

EXIT_OK = 0
EXIT_FAILED_ROWS = 1
EXIT_BAD_INPUT = 2
EXIT_API_DOWN = 3
EXIT_INTERRUPTED = 130
URL_VARIABLE = "POSTINO_API_URL"
KEY_VARIABLE = "POSTINO_API_KEY"
MAX_CONCURRENCY = 32
FAILED_ROWS_SHOWN = 20
_LABELS = {
    Outcome.SENT: "sent",
    Outcome.ALREADY_SENT: "already sent (earlier run)",
    Outcome.WOULD_SEND: "would be sent (dry run)",
    Outcome.NOT_REGISTERED: "skipped: not registered",
    Outcome.NOT_ALLOWED: "skipped: service not allowed",
    Outcome.FAILED: "failed",
    Outcome.INVALID: "invalid (skipped, not sent)",
    Outcome.NOT_SENT: "not sent",
}
_NOT_SENT_LABELS = {
    StopReason.INTERRUPTED: "not sent (interrupted)",
    StopReason.KEY_REFUSED: "not sent (API key refused)",
    StopReason.API_DOWN: "not sent (API kept failing)",
}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="postino-send",
        description="Send one Postino message per row of a CSV. Every row is checked with "
        "the API's rules first; nothing is sent while any row is invalid. Running the same "
        "command again resumes: rows already sent are not sent twice.",
        epilog="Exit codes: 0 done, 1 rows failed, 2 bad input (nothing sent), 130 interrupted.",
    )
    parser.add_argument(
        "csv",
        type=Path,
        help="the recipients: a fiscal_code column, and "
        "the columns the template's {placeholders} name",
    )
    parser.add_argument(
        "--template",
        type=Path,
        required=True,
        help="the message template (TOML: subject, markdown, ...)",
    )
    parser.add_argument(
        "--campaign",
        required=True,
        help="the campaign's id: the same id resumes, a new id sends again",
    )
    parser.add_argument(
        "--api-url",
        default=os.environ.get(URL_VARIABLE),
        help=f"the API's base URL (default: ${URL_VARIABLE})",
    )
    parser.add_argument(
        "--api-key",
        default=os.environ.get(KEY_VARIABLE),
        help=f"the service's API key (default: ${KEY_VARIABLE}; prefer the "
        "variable: options show in the process list)",
    )
    parser.add_argument(
        "--results", type=Path, help="the results CSV (default: next to the CSV, NAME.results.csv)"
    )
    parser.add_argument(
        "--concurrency",
        type=int,
        default=4,
        help=f"rows in flight at once (1-{MAX_CONCURRENCY}, default 4)",
    )
    parser.add_argument(
        "--resume-from",
        type=Path,
        help="an earlier run's results CSV: the rows it records sent are neither checked nor "
        "sent again (default: the results file, NAME.results.csv or --results)",
    )
    parser.add_argument(
        "--dry-run", action="store_true", help="validate and check the recipients, send nothing"
    )
    parser.add_argument(
        "--skip-invalid",
        action="store_true",
        help="report the invalid rows and send the others (default: send nothing while any "
        "row is invalid)",
    )
    parser.add_argument(
        "--stop-after-failures",
        type=int,
        default=DEFAULT_FAILURES_TO_STOP,
        metavar="N",
        help="stop the run after N rows in a row fail for want of the API (server errors, "
        f"lost connections); 0: never (default {DEFAULT_FAILURES_TO_STOP})",
    )
    parser.add_argument(
        "--validate-only", action="store_true", help="validate the rows offline, call no API"
    )
    parser.add_argument("--delimiter", help="the CSV's separator (default: guessed: , ; tab)")
    parser.add_argument(
        "--timeout", type=float, default=30.0, help="seconds to wait for each answer (default 30)"
    )
    parser.add_argument(
        "--max-retry-after",
        type=float,
        default=60.0,
        help="the longest Retry-After wait honoured, in seconds (default 60)",
    )
    progress = parser.add_mutually_exclusive_group()
    progress.add_argument(
        "--progress",
        dest="progress",
        action="store_true",
        default=None,
        help="show the progress bar (default: on a terminal)",
    )
    progress.add_argument("--no-progress", dest="progress", action="store_false")
    return parser


def _problem_text(problem: RowProblem) -> str:
    where = ", ".join(part for part in (problem.column, problem.pointer) if part)
    code = f" ({problem.code})" if problem.code and problem.code != "invalid" else ""
    return (f"[{where}]: " if where else "") + problem.detail + code


def _report_problems(problems: Sequence[RowProblem], out: TextIO, *, skipped: bool) -> None:
    rows = len({problem.row for problem in problems})
    what = "they are skipped, the other rows are sent" if skipped else "nothing was sent"
    out.write(f"{rows} invalid row(s), {len(problems)} problem(s); {what}:\n")
    for problem in problems:
        text = _problem_text(problem)
        out.write(f"  row {problem.row}{'' if text.startswith('[') else ':'} {text}\n")


def _invalid_results(
    problems: Sequence[RowProblem], fiscal_codes: dict[int, str]
) -> list[RowResult]:
    """One INVALID result per row with problems, all its problems in its error cell."""
    by_row: dict[int, list[str]] = {}
    for problem in problems:
        by_row.setdefault(problem.row, []).append(_problem_text(problem))
    return [
        RowResult(row, fiscal_codes.get(row, ""), Outcome.INVALID, error="; ".join(texts))
        for row, texts in sorted(by_row.items())
    ]


def _summary(
    campaign: str,
    results: Sequence[RowResult],
    *,
    stats: RetryStats,
    stopped_because: StopReason | None,
    known_sent: int,
    results_path: Path,
    elapsed: float,
    out: TextIO,
) -> None:
    counts = Counter(result.outcome for result in results)
    labels = {
        **_LABELS,
        Outcome.NOT_SENT: _NOT_SENT_LABELS[stopped_because or StopReason.INTERRUPTED],
    }
    out.write(f"campaign {campaign}: {len(results)} row(s) in {elapsed:.1f} s\n")
    for outcome, label in labels.items():
        if counts[outcome]:
            out.write(f"  {label:<30} {counts[outcome]}\n")
    if known_sent:
        out.write(f"  ({known_sent} already sent according to the results file: no call made)\n")
    if stats.rate_limited or stats.failures:
        # Workers wait side by side: the run's own time waiting, and the sum over workers.
        out.write(
            f"  waits: {stats.rate_limited} rate limited (429), {stats.failures} retried "
            f"errors; {stats.wall_seconds:.1f} s of the run spent waiting "
            f"({stats.waited_seconds:.1f} s summed over the workers)\n"
        )
    failed = [r for r in results if r.outcome is Outcome.FAILED]
    for result in failed[:FAILED_ROWS_SHOWN]:
        out.write(f"  row {result.row} failed: {result.error}\n")  # never the fiscal code
    if len(failed) > FAILED_ROWS_SHOWN:
        out.write(f"  ... and {len(failed) - FAILED_ROWS_SHOWN} more failed row(s)\n")
    out.write(f"results: {results_path}\n")


def _stop_on_sigterm() -> None:
    def handler(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, handler)


def _wait(campaign: Campaign, workers: Sequence[threading.Thread], progress: ProgressBar) -> bool:
    """Wait for the workers; True when interrupted (Ctrl-C or SIGTERM)."""
    try:
        while any(worker.is_alive() for worker in workers):
            progress.update(campaign.done())
            time.sleep(0.1)
        return False
    except KeyboardInterrupt:
        campaign.stop.set()
    sys.stderr.write(
        "\nstopping: no new rows; waiting for the rows in flight (Ctrl-C again to abandon "
        "them; running the same command again sends nothing twice)\n"
    )
    try:
        while any(worker.is_alive() for worker in workers):
            time.sleep(0.1)
    except KeyboardInterrupt:
        pass
    return True


class BadInputError(Exception):
    """The options, the template or the CSV cannot be used; nothing was sent."""


def _valid_rows(args: argparse.Namespace) -> tuple[list[PreparedRow], list[RowResult]]:
    """Every valid row's request, and (with --skip-invalid) the invalid rows as results.

    Raises BadInputError; reports every invalid row on stderr.
    """
    if not args.campaign.strip() or not args.campaign.isprintable():
        raise BadInputError("--campaign must be a non-empty, printable id")
    if not 1 <= args.concurrency <= MAX_CONCURRENCY:
        raise BadInputError(f"--concurrency must be between 1 and {MAX_CONCURRENCY}")
    if args.stop_after_failures < 0:
        raise BadInputError("--stop-after-failures must be 0 (never) or more")
    try:
        template = MessageTemplate.load(args.template)
        recipients = read_recipients(args.csv, args.delimiter)
    except (TemplateError, CsvError) as exc:
        raise BadInputError(str(exc)) from None
    missing = missing_columns(template, recipients.columns)
    if missing:
        raise BadInputError(f"the template names columns the CSV lacks: {', '.join(missing)}")
    rows, problems = prepare_rows(args.campaign, template, recipients.rows)
    if not problems:
        return rows, []
    skip = args.skip_invalid and not args.validate_only
    _report_problems(problems, sys.stderr, skipped=skip)
    if not skip:
        raise BadInputError(
            "fix the rows above, then run the same command again (or --skip-invalid)"
        )
    fiscal_codes = {
        row.number: row.cells.get(FISCAL_CODE_COLUMN, "").upper() for row in recipients.rows
    }
    return rows, _invalid_results(problems, fiscal_codes)


def _sent_results_path(args: argparse.Namespace) -> Path:
    """The results file of the earlier sends: a dry run's own output is elsewhere."""
    if args.resume_from:
        return Path(args.resume_from)
    if args.results and not args.dry_run:
        return Path(args.results)
    return Path(args.csv.with_name(args.csv.stem + ".results.csv"))


def _send(
    args: argparse.Namespace,
    rows: Sequence[PreparedRow],
    invalid: Sequence[RowResult],
    transport: Transport | None,
    retry: RetryPolicy | None,
) -> int:
    suffix = ".dry-run.csv" if args.dry_run else ".results.csv"
    results_path: Path = args.results or args.csv.with_name(args.csv.stem + suffix)
    # Read before the writer truncates it: it may be this very file.
    known_sent = sent_by_key(_sent_results_path(args))
    writer = ResultsWriter(results_path)
    for result in invalid:
        writer.record(result)
    stop = threading.Event()
    api = PostinoApi(
        transport or RequestsTransport(args.api_url, args.api_key, timeout=args.timeout),
        sleep=wait_sleeper(stop),
        policy=replace(retry or RetryPolicy(), max_retry_after=args.max_retry_after),
    )
    campaign = Campaign(
        rows=rows,
        api=api,
        dry_run=args.dry_run,
        on_result=writer.record,
        stop=stop,
        known_sent=known_sent,
        failures_to_stop=args.stop_after_failures,
    )
    known = campaign.known_sent_count()
    show = sys.stderr.isatty() if args.progress is None else args.progress
    progress = ProgressBar(len(rows) - known, sys.stderr, enabled=show)
    started = time.monotonic()
    _stop_on_sigterm()
    interrupted = _wait(campaign, campaign.start(args.concurrency), progress)
    progress.close(campaign.done())
    results = sorted([*invalid, *campaign.finish()], key=lambda result: result.row)
    writer.complete(results)
    _summary(
        args.campaign,
        results,
        stats=api.stats,
        stopped_because=campaign.stopped_because,
        known_sent=known,
        results_path=results_path,
        elapsed=time.monotonic() - started,
        out=sys.stdout,
    )
    if campaign.key_refused:
        sys.stderr.write(f"postino-send: the API refused the key ({campaign.key_refused})\n")
        return EXIT_FAILED_ROWS
    if campaign.stopped_because is StopReason.API_DOWN:
        sys.stderr.write(
            f"postino-send: stopped after {args.stop_after_failures} rows in a row failed for "
            "want of the API; run the same command again when it is back: rows already sent "
            "are skipped\n"
        )
        return EXIT_API_DOWN
    if interrupted:
        sys.stderr.write("postino-send: interrupted; run the same command again to resume\n")
        return EXIT_INTERRUPTED
    unfinished = {Outcome.FAILED, Outcome.INVALID}
    failed = any(result.outcome in unfinished for result in results)
    return EXIT_FAILED_ROWS if failed else EXIT_OK


def _check_api_options(args: argparse.Namespace) -> None:
    """Raises BadInputError when the URL or the key is missing, or the URL is not safe."""
    if not (args.api_url and args.api_key):
        raise BadInputError(f"give the API's URL and key (${URL_VARIABLE}, ${KEY_VARIABLE})")
    try:
        checked_api_url(args.api_url)
    except InsecureApiUrlError as insecure:
        raise BadInputError(str(insecure)) from None


def main(
    argv: Sequence[str] | None = None,
    *,
    transport: Transport | None = None,
    retry: RetryPolicy | None = None,
) -> int:
    """The `postino-send` command; returns its exit code.

    For the tests: `transport` replaces HTTP to the API (the URL and key are still checked),
    `retry` the retry policy's delays and attempts.
    """
    args = _parser().parse_args(argv)
    try:
        rows, invalid = _valid_rows(args)
        if not args.validate_only:
            _check_api_options(args)
    except BadInputError as bad:
        sys.stderr.write(f"postino-send: {bad}\n")
        return EXIT_BAD_INPUT
    if args.validate_only:
        sys.stdout.write(f"{len(rows)} row(s), all valid\n")
        return EXIT_OK
    return _send(args, rows, invalid, transport, retry)
