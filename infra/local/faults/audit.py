"""After a fault run: did every send end exactly once?

The audit (its reading of the stores is in `store_reads`) checks a set of sends, each known
by the marker its Markdown carried, against the `messages` container, the messages queue
(and its `-poison`) and the attachment blobs, read directly, past any proxy:

- every send answered 201 has exactly one document under the id it was given, carrying its
  marker (else LOST or WRONG_DOCUMENT);
- no two documents carry one marker (DUPLICATE: a message delivered twice), whatever the
  send's answer: a send never answered 201 may have left one document, never two;
- no document is still ACCEPTED (STUCK);
- a decided document has exactly one terminal entry in its status history (HISTORY);
- a PROCESSED document's attachment blobs are all stored (MISSING_ATTACHMENT).

Those six kinds make a run fail. A REJECTED or FAILED message whose blobs are still stored
(LEFTOVER_ATTACHMENT) is reported. A decided message in another status than its send
expected (UNEXPECTED_STATUS), a 201 under another id than the outcome-unknown 503 before
it named (CHANGED_ID), and a document that no send carried (UNMATCHED) are reported, not
failed: a message may rightly end FAILED when its retries ran out during an outage, and a
changed id is a broken promise of the API but neither a loss nor (DUPLICATE tells) a
second delivery.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from shared.domain.message import MessageStatus

_TERMINAL = frozenset(status for status in MessageStatus if status.is_terminal)
# How many findings of each kind a report keeps in full (the counts are always complete).
MAX_EXAMPLES = 20
# Queue peeks return at most 32 messages.
MAX_PEEK = 32


class Answer(StrEnum):
    """How a send ended, for the client."""

    CREATED = "created"  # 201 with an id
    GAVE_UP = "gave_up"  # no final answer before the client's patience ran out
    REFUSED = "refused"  # a final 4xx (invalid, forbidden...): nothing should be stored


@dataclass(frozen=True)
class Send:
    """One message a client sent, however many attempts it took."""

    marker: str
    idempotency_key: str | None
    answer: Answer
    message_id: str | None = None  # the 201's id
    status_code: int | None = None  # the last answer's status (None: a transport error)
    expected_status: MessageStatus | None = None
    maybe_id: str | None = None  # the id an outcome-unknown 503 named, if any


@dataclass(frozen=True)
class StoredMessage:
    """What the audit needs of a message document."""

    id: str
    status: MessageStatus
    terminal_entries: int
    marker: str | None
    reason: str | None = None
    redeliveries: int = 0
    # The blob names of its attachments (Premium).
    attachment_blobs: tuple[str, ...] = ()


@dataclass(frozen=True)
class QueueState:
    """Approximate message counts (Azurite counts invisible messages too) and the ids of the
    messages referenced at the front of the poison queue."""

    waiting: int
    poisoned: int
    poisoned_ids: tuple[str, ...] = ()


class FindingKind(StrEnum):
    LOST = "lost"
    WRONG_DOCUMENT = "wrong_document"
    DUPLICATE = "duplicate"
    STUCK = "stuck"
    HISTORY = "history"
    UNEXPECTED_STATUS = "unexpected_status"
    CHANGED_ID = "changed_id"
    UNMATCHED = "unmatched"
    # A delivered message pointing at an attachment blob that is not there.
    MISSING_ATTACHMENT = "missing_attachment"
    # A REJECTED or FAILED message whose attachment blobs are still stored (they should go).
    LEFTOVER_ATTACHMENT = "leftover_attachment"


FAILING_KINDS = frozenset(
    {
        FindingKind.LOST,
        FindingKind.WRONG_DOCUMENT,
        FindingKind.DUPLICATE,
        FindingKind.STUCK,
        FindingKind.HISTORY,
        FindingKind.MISSING_ATTACHMENT,
    }
)


@dataclass(frozen=True)
class Finding:
    kind: FindingKind
    detail: str
    marker: str | None = None
    message_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class AuditReport:
    sends: int
    answers: dict[str, int]
    documents: int
    by_status: dict[str, int]
    by_reason: dict[str, int]
    # Sends never answered 201 that left a document all the same (allowed: at most one).
    unanswered_stored: int
    redeliveries: int
    queue: QueueState
    counts: dict[str, int]
    findings: tuple[Finding, ...] = field(default=())

    @property
    def clean(self) -> bool:
        """No loss, duplicate, stuck message or bad history."""
        return not any(self.counts.get(kind, 0) for kind in FAILING_KINDS)

    def count(self, kind: FindingKind) -> int:
        return self.counts.get(kind, 0)

    def as_dict(self) -> dict[str, Any]:
        return {
            "clean": self.clean,
            "sends": self.sends,
            "answers": self.answers,
            "documents": self.documents,
            "by_status": self.by_status,
            "by_reason": self.by_reason,
            "unanswered_stored": self.unanswered_stored,
            "redeliveries": self.redeliveries,
            "queue": {
                "waiting": self.queue.waiting,
                "poisoned": self.queue.poisoned,
                "poisoned_ids": list(self.queue.poisoned_ids),
            },
            "findings": {kind.value: self.count(kind) for kind in FindingKind},
            "examples": [
                {
                    "kind": finding.kind.value,
                    "detail": finding.detail,
                    "marker": finding.marker,
                    "message_ids": list(finding.message_ids),
                }
                for finding in self.findings
            ],
        }

    def format_table(self) -> str:
        """The report as Markdown tables."""
        rows = [
            ("sends", str(self.sends)),
            *((f"answered {name}", str(n)) for name, n in sorted(self.answers.items())),
            ("documents", str(self.documents)),
            *((f"status {name}", str(n)) for name, n in sorted(self.by_status.items())),
            *((f"reason {name}", str(n)) for name, n in sorted(self.by_reason.items())),
            ("never answered 201, stored anyway", str(self.unanswered_stored)),
            ("sweeper re-sends", str(self.redeliveries)),
            ("queue: still waiting", str(self.queue.waiting)),
            ("queue: poisoned", str(self.queue.poisoned)),
            *(
                (
                    f"**{kind.value}**" if kind in FAILING_KINDS else kind.value,
                    str(self.count(kind)),
                )
                for kind in FindingKind
            ),
            ("verdict", "clean" if self.clean else "**FAILED**"),
        ]
        lines = ["| audit | count |", "|---|---:|", *(f"| {a} | {b} |" for a, b in rows)]
        if self.findings:
            lines += ["", "| finding | detail |", "|---|---|"]
            lines += [f"| {f.kind.value} | {f.detail} |" for f in self.findings]
        return "\n".join(lines)


# --- the checks ---


def audit(
    sends: Sequence[Send],
    stored: Iterable[StoredMessage],
    queue: QueueState,
    blobs: frozenset[str] | None = None,
) -> AuditReport:
    """Check `sends` against the `stored` documents (all of the services the sends used),
    and, given the attachment `blobs` stored, each document's attachments."""
    documents = list(stored)
    by_id = {message.id: message for message in documents}
    by_marker: defaultdict[str, list[StoredMessage]] = defaultdict(list)
    for message in documents:
        if message.marker is not None:
            by_marker[message.marker].append(message)
    findings = _send_findings(sends, by_id, by_marker)
    findings += _document_findings(documents, {send.marker for send in sends})
    if blobs is not None:
        findings += _attachment_findings(documents, blobs)
    counts = Counter(finding.kind.value for finding in findings)
    kept: Counter[FindingKind] = Counter()
    examples = []
    for finding in findings:
        kept[finding.kind] += 1
        if kept[finding.kind] <= MAX_EXAMPLES:
            examples.append(finding)
    return AuditReport(
        sends=len(sends),
        answers=dict(Counter(send.answer.value for send in sends)),
        documents=len(documents),
        by_status=dict(Counter(message.status.value for message in documents)),
        by_reason=dict(Counter(m.reason for m in documents if m.reason is not None)),
        unanswered_stored=sum(
            1 for send in sends if send.answer is not Answer.CREATED and by_marker.get(send.marker)
        ),
        redeliveries=sum(message.redeliveries for message in documents),
        queue=queue,
        counts=dict(counts),
        findings=tuple(examples),
    )


def _send_findings(
    sends: Sequence[Send],
    by_id: dict[str, StoredMessage],
    by_marker: dict[str, list[StoredMessage]],
) -> list[Finding]:
    findings: list[Finding] = []
    for send in sends:
        carrying = by_marker.get(send.marker, [])
        if len(carrying) > 1:
            answered = "answered 201" if send.answer is Answer.CREATED else f"{send.answer}"
            findings.append(
                Finding(
                    FindingKind.DUPLICATE,
                    f"{len(carrying)} documents carry the marker of one send ({answered})",
                    send.marker,
                    tuple(sorted(message.id for message in carrying)),
                )
            )
        if send.answer is not Answer.CREATED or send.message_id is None:
            continue
        if send.maybe_id is not None and send.maybe_id != send.message_id:
            findings.append(
                Finding(
                    FindingKind.CHANGED_ID,
                    f"an outcome-unknown 503 named {send.maybe_id}, the retry's 201 "
                    f"{send.message_id}",
                    send.marker,
                    (send.maybe_id, send.message_id),
                )
            )
        document = by_id.get(send.message_id)
        if document is None:
            findings.append(
                Finding(
                    FindingKind.LOST,
                    f"answered 201 with id {send.message_id}, which has no document",
                    send.marker,
                    (send.message_id,),
                )
            )
            continue
        if document.marker != send.marker:
            findings.append(
                Finding(
                    FindingKind.WRONG_DOCUMENT,
                    f"the 201's id {send.message_id} is another send's document",
                    send.marker,
                    (send.message_id,),
                )
            )
        elif (
            send.expected_status is not None
            and document.status.is_terminal
            and document.status is not send.expected_status
        ):
            findings.append(
                Finding(
                    FindingKind.UNEXPECTED_STATUS,
                    f"{send.message_id} ended {document.status} ({document.reason}), "
                    f"expected {send.expected_status}",
                    send.marker,
                    (send.message_id,),
                )
            )
    return findings


def _document_findings(documents: list[StoredMessage], markers: set[str]) -> list[Finding]:
    findings: list[Finding] = []
    for message in documents:
        if message.status is MessageStatus.ACCEPTED:
            findings.append(
                Finding(
                    FindingKind.STUCK,
                    f"{message.id} is still ACCEPTED",
                    message.marker,
                    (message.id,),
                )
            )
        elif message.terminal_entries != 1:
            findings.append(
                Finding(
                    FindingKind.HISTORY,
                    f"{message.id} ({message.status}) has {message.terminal_entries} terminal "
                    "entries in its status history",
                    message.marker,
                    (message.id,),
                )
            )
        if message.marker is None or message.marker not in markers:
            findings.append(
                Finding(
                    FindingKind.UNMATCHED,
                    f"{message.id} carries no marker of these sends",
                    message.marker,
                    (message.id,),
                )
            )
    return findings


def _attachment_findings(documents: list[StoredMessage], blobs: frozenset[str]) -> list[Finding]:
    """A delivered message's attachments are all stored; a refused one's are gone."""
    findings: list[Finding] = []
    for message in documents:
        if message.status is MessageStatus.PROCESSED:
            missing = [name for name in message.attachment_blobs if name not in blobs]
            if missing:
                findings.append(
                    Finding(
                        FindingKind.MISSING_ATTACHMENT,
                        f"{message.id} points at {len(missing)} missing attachment blob(s)",
                        message.marker,
                        (message.id,),
                    )
                )
        elif message.status.is_terminal:
            left = [name for name in message.attachment_blobs if name in blobs]
            if left:
                findings.append(
                    Finding(
                        FindingKind.LEFTOVER_ATTACHMENT,
                        f"{message.id} ({message.status}) still has {len(left)} blob(s)",
                        message.marker,
                        (message.id,),
                    )
                )
    return findings
