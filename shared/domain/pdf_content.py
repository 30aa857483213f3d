"""What a PDF carries, learnt a slice at a time while its bytes are decoded: its header and
trailer, and the active content the content policy refuses (shared.domain.content_policy).

No whole file is ever held. The inspector sees each decoded slice once and keeps only a few
kilobytes between slices (the end of the previous slice, so that a name or a `stream`
keyword cut in two is still seen) and one zlib decompressor per compressed stream being read.

How active content is found (ISO 32000-1): every action, script and embedded file is a
dictionary whose type or key is a PDF *name*: `/JavaScript`, `/Launch`, `/EmbeddedFiles`...
A name may spell any character as `#xx`, so names are read with those escapes resolved. A
dictionary is either in the file as written, or packed in a compressed object stream; so the
bytes are searched as written, and every zlib (FlateDecode) stream is inflated and its output
searched too. Inflating has a budget: past it the file cannot be checked, and is refused as
such (a file of a few MiB that expands to gigabytes is a decompression bomb); so is a file
with more streams, or more streams open at once, than real files have (each costs a look).
The search over-approximates on purpose: a refused name anywhere (even inside a string, or
a `stream` keyword that is only text) counts. Every search is a regular expression run in
C over each slice, so inspecting a file costs about as much as decoding it.

What it does not see (the malware scan of the stored blob is the second line): names hidden
behind other filters (ASCIIHex, ASCII85, LZW, RunLength, PNG/TIFF predictors) or inside
encrypted streams, which is why an encrypted file is refused outright.
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass

from shared.domain.content_policy import (
    MAX_INFLATED_PDF_BYTES,
    MAX_OVERLAPPING_PDF_STREAMS,
    MAX_PDF_STREAMS,
    REFUSED_PDF_NAMES,
)

PDF_HEADER = b"%PDF-"
PDF_EOF = b"%%EOF"
_TRAILING = b" \t\r\n\x00"
# The trailer is looked for in the file's last kilobyte.
_TAIL_BYTES = 1024
# Whitespace and delimiters end a name (ISO 32000-1, 7.2.2).
_DELIMITERS = rb"\x00\t\n\x0c\r ()<>\[\]{}/%"


def _spelled(char: str) -> bytes:
    """A pattern for one character of a name: itself, or #xx with either case of hex."""
    code = b"%02X" % ord(char)
    hex_digits = b"".join(
        b"[%s%s]" % (digit.upper(), digit.lower()) if digit.isalpha() else digit
        for digit in (code[:1], code[1:])
    )
    return b"(?:" + re.escape(char.encode()) + b"|#" + hex_digits + b")"


# Every refused name, however its characters are spelled (each group named after its
# name), followed by the end of the name: one search in C, however many `/` the data holds.
_NAMES = re.compile(
    b"/(?:"
    + b"|".join(
        b"(?P<%s>%s)" % (name.encode(), b"".join(_spelled(char) for char in name))
        for name in sorted(REFUSED_PDF_NAMES, key=len, reverse=True)
    )
    + b")(?=["
    + _DELIMITERS
    + b"])"
)

# A stream's data starts after the end of the line holding its `stream` keyword (readers
# skip whatever else that line holds); a zlib stream's first byte is never whitespace.
# (The pattern starts with its literal, which the regex engine then looks for quickly.)
_MAX_STREAM_LINE = 1024
_STREAM_START = re.compile(
    rb"stream(?<!endstream)[^\r\n]{0,%d}(?:\r\n|\r|\n)[\x00\t\n\x0c\r ]{0,64}" % _MAX_STREAM_LINE
)
# Kept from one slice to the next: a name, or a stream's first line, cut by the slice's end.
_CARRY = 2 * _MAX_STREAM_LINE + 64
# Inflated output is taken this much at a time, so a bomb never lands in memory at once.
_INFLATE_STEP = 1024 * 1024
# Compressed input is given to zlib this much at a time, the first piece of a stream less.
_INFLATE_INPUT = 16 * 1024
_FIRST_INPUT = 64

Bytes = bytes | bytearray | memoryview


class _NameSearch:
    """The refused names in a sequence of byte slices, a name cut between slices included."""

    def __init__(self) -> None:
        self._carry = b""
        self.found: set[str] = set()

    def feed(self, data: Bytes) -> None:
        # The bytes around the cut, then the slice itself: no copy of the whole slice.
        self._search(self._carry + bytes(data[:_CARRY]))
        self._search(data)
        self._carry = (self._carry + bytes(data[-_CARRY:]))[-_CARRY:]

    def finish(self) -> None:
        # The end of the data ends a name as a delimiter would.
        self._search(self._carry + b"\n")
        self._carry = b""

    def _search(self, buffer: Bytes) -> None:
        for match in _NAMES.finditer(buffer):
            if match.lastgroup is not None:
                self.found.add(match.lastgroup)


def _starts_like_zlib(header: bytes) -> bool:
    """Whether two bytes can open a zlib stream (RFC 1950): deflate (method 8), a window of
    at most 32 KiB, a check making them a multiple of 31, no preset dictionary. Most
    streams a PDF holds are not zlib (images, fonts, the word in a string): asking zlib
    about each would cost far more."""
    if len(header) < 2:
        return False
    method, flags = header[0], header[1]
    return (
        method & 0x0F == 8
        and method >> 4 <= 7
        and (method << 8 | flags) % 31 == 0
        and not flags & 0x20
    )


class _Inflation:
    """One zlib stream being inflated as its bytes arrive, its output searched for names."""

    def __init__(self) -> None:
        self._decompressor = zlib.decompressobj()
        self.names = _NameSearch()
        self.done = False

    def feed(self, data: Bytes, budget: int) -> int:
        """Inflate `data`; returns how many bytes it inflated to (stopping once over
        `budget`)."""
        produced = 0
        view = memoryview(data)
        # A little input at a time, the first piece tiny: zlib's work on a call grows with
        # the input it is given, even when it fails on the first bytes (as it does on most
        # "streams" the search finds that are not zlib).
        starts = [0, *range(_FIRST_INPUT, len(view), _INFLATE_INPUT)] if view else []
        try:
            for start, end in zip(starts, [*starts[1:], len(view)], strict=True):
                pending: Bytes = view[start:end]
                while pending and not self.done and produced <= budget:
                    output = self._decompressor.decompress(pending, _INFLATE_STEP)
                    produced += len(output)
                    self.names.feed(output)
                    pending = self._decompressor.unconsumed_tail
                    self.done = self._decompressor.eof
                if self.done or produced > budget:
                    break
        except zlib.error:
            # Not zlib data after all (an image, a font, the word `stream` in a string), or
            # corrupt: what it inflated to so far has been searched.
            self.done = True
        if self.done:
            self.names.finish()
        return produced


@dataclass(frozen=True)
class PdfFindings:
    """What the inspection of a whole file found."""

    has_header: bool
    has_trailer: bool
    # The refused names it carries (shared.domain.content_policy), in alphabetical order.
    active_content: tuple[str, ...]
    # Why what it carries could not all be checked, or None.
    not_checkable: str | None

    @property
    def is_pdf(self) -> bool:
        return self.has_header and self.has_trailer


class PdfInspector:
    """Feed a file's bytes in order, slice by slice, then `finish()`."""

    def __init__(self) -> None:
        self._head = b""
        self._tail = b""
        self._names = _NameSearch()
        self._inflated_names: set[str] = set()
        self._carry = b""
        self._position = 0  # how many bytes were fed
        self._next_stream_at = 0  # streams whose data starts before this were handled
        self._inflations: list[_Inflation] = []
        self._inflated = 0
        self._streams = 0  # streams met
        self._not_checkable: str | None = None

    def feed(self, data: Bytes) -> None:
        if len(self._head) < len(PDF_HEADER):
            self._head = (self._head + bytes(data[: len(PDF_HEADER)]))[: len(PDF_HEADER)]
        self._tail = (self._tail + bytes(data[-_TAIL_BYTES:]))[-_TAIL_BYTES:]
        self._names.feed(data)
        if self._not_checkable is None:
            self._inflate(data)
        self._position += len(data)

    def finish(self) -> PdfFindings:
        self._names.finish()
        for inflation in self._inflations:
            inflation.names.finish()
            self._inflated_names |= inflation.names.found
        return PdfFindings(
            has_header=self._head == PDF_HEADER,
            has_trailer=self._tail.rstrip(_TRAILING).endswith(PDF_EOF),
            active_content=tuple(sorted(self._names.found | self._inflated_names)),
            not_checkable=self._not_checkable,
        )

    def _inflate(self, data: Bytes) -> None:
        # Streams already open take the new bytes first; then the streams starting in them,
        # looked for around the cut (where a first line may straddle two slices) and inside.
        for inflation in self._inflations:
            self._count(inflation.feed(data, self._budget()))
        around_cut = self._carry + bytes(data[:_CARRY])
        self._start_streams(around_cut, self._position - len(self._carry), data)
        self._start_streams(data, self._position, data)
        for inflation in self._inflations:
            if inflation.done:
                self._inflated_names |= inflation.names.found
        self._inflations = [inflation for inflation in self._inflations if not inflation.done]
        if len(self._inflations) > MAX_OVERLAPPING_PDF_STREAMS:
            self._give_up("its compressed streams overlap, which no PDF writer does")
        self._carry = (self._carry + bytes(data[-_CARRY:]))[-_CARRY:]

    def _start_streams(self, buffer: Bytes, buffer_at: int, data: Bytes) -> None:
        """Start inflating each stream whose data starts in `buffer` (at `buffer_at` in the
        file), with the bytes from there to the end of `data` (the slice being fed)."""
        data_end = self._position + len(data)
        for match in _STREAM_START.finditer(buffer):
            data_at = buffer_at + match.end()
            if data_at <= self._next_stream_at or data_at >= data_end:
                # Handled already; or nothing of its data is here yet: its first line may
                # even go on in the next slice, where it is found again, whole.
                continue
            if data_at + 2 > data_end:
                continue  # its first two bytes are in the next slice: found again there
            self._next_stream_at = data_at
            self._streams += 1
            if self._streams > MAX_PDF_STREAMS:
                self._give_up(f"it has more than {MAX_PDF_STREAMS} streams")
                return
            if data_at < self._position:
                start: Bytes = self._carry[data_at - self._position :] + bytes(data)
            else:
                start = memoryview(data)[data_at - self._position :]
            if not _starts_like_zlib(bytes(start[:2])):
                continue
            inflation = _Inflation()
            self._inflations.append(inflation)
            self._count(inflation.feed(start, self._budget()))
            if self._not_checkable is not None:
                return

    def _budget(self) -> int:
        return MAX_INFLATED_PDF_BYTES - self._inflated

    def _count(self, produced: int) -> None:
        self._inflated += produced
        if self._inflated > MAX_INFLATED_PDF_BYTES:
            self._give_up(
                "its compressed content expands to more than "
                f"{MAX_INFLATED_PDF_BYTES // (1024 * 1024)} MiB"
            )

    def _give_up(self, why: str) -> None:
        if self._not_checkable is None:
            self._not_checkable = why
        for inflation in self._inflations:
            self._inflated_names |= inflation.names.found
        self._inflations = []


def inspect_pdf(*slices: bytes) -> PdfFindings:
    """The findings for a file given whole or as a few slices (tests, small files)."""
    inspector = PdfInspector()
    for data in slices:
        inspector.feed(data)
    return inspector.finish()
