"""POST a signed status event to a service's callback URL, guarded against SSRF and slow or
hostile receivers.

The URL is the institution's choice and the POST leaves from inside the platform, so:
- the URL is checked again (https, a public host; shared/domain/callbacks.py);
- its name is resolved once, and every address it resolves to must be public: one private
  answer among public ones refuses the call (a name that sometimes points inside);
- the connection goes to an address that was checked, never to the name again, so DNS
  cannot answer differently between the check and the connection (rebinding); TLS still
  sends the name (SNI), and the certificate is verified for the name;
- redirects are not followed (a 3xx is final), and no proxy from the environment is used;
- resolving the name and connecting (TCP and TLS) may take CONNECT_SECONDS each, each read
  READ_SECONDS, the whole call TOTAL_SECONDS; at most MAX_HEAD_BYTES of the answer are read,
  its status line and headers included, and of its body only what the reader's buffer takes
  in with the headers (at most MAX_BODY_BYTES): only the status matters.

What an attempt comes to (shared.domain.callbacks): 2xx Delivered; 408, 429, 5xx, timeouts
and failed connections RetryLater (429 and 503 with their Retry-After, in seconds or as an
HTTP date, at most an hour); other 4xx, 3xx and refused URLs or addresses Refused. A `why`
never holds what the receiver sent back.

Names are resolved on a few threads of the sender's own, so that a resolver that hangs
costs a call no more than CONNECT_SECONDS (the thread is left to finish on its own).

A receiver (its URL less the query) has at most a few callbacks in flight from one worker
process (CALLBACK_RECEIVER_CONCURRENCY; shared/adapters/receiver_bulkheads.py): one that
answers late would otherwise hold every thread of the worker, and the other services'
callbacks would wait behind it. A call beyond that waits a moment for a slot; if none frees,
it is not sent: it comes to RetryLater with BUSY_RETRY_SECONDS, and its event waits in its
message's outbox.
"""

from __future__ import annotations

import http.client
import io
import socket
import ssl
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from ipaddress import ip_address
from typing import Any
from urllib.parse import urlsplit

from shared.adapters.origin_breakers import OriginBreakers
from shared.adapters.receiver_bulkheads import DEFAULT_CAPACITY, ReceiverBulkheads, receiver_key
from shared.domain.callbacks import (
    CallbackOutcome,
    Delivered,
    Refused,
    RetryLater,
    callback_url_errors,
    may_connect_to,
)

CONNECT_SECONDS = 2.0
READ_SECONDS = 5.0
TOTAL_SECONDS = 10.0
MAX_HEAD_BYTES = 16 * 1024
MAX_BODY_BYTES = 4 * 1024
MAX_RETRY_AFTER_SECONDS = 3600.0
USER_AGENT = "Postino-Callbacks/1"
# Threads that resolve names for one sender: calls beyond them wait their turn (and time out).
RESOLVER_THREADS = 4
# How soon a call turned away because its receiver is busy is tried again: the calls in
# flight end within TOTAL_SECONDS, most much sooner.
BUSY_RETRY_SECONDS = 5.0
# Statuses worth trying again; 429 and 503 may say when (Retry-After).
_RETRYABLE_4XX = frozenset({408, 429})
_WITH_RETRY_AFTER = frozenset({429, 503})
# Headers the sender writes itself, whatever the caller passes.
_SET_HERE = ("Host", "User-Agent", "Connection", "Content-Length", "Transfer-Encoding")

# (address family, socket address) pairs, as getaddrinfo gives them.
type Addresses = list[tuple[int, tuple[Any, ...]]]
type Resolver = Callable[[str, int], Addresses]


def resolve_tcp(host: str, port: int) -> Addresses:
    """Every address `host` resolves to for TCP, in the resolver's order, without repeats.

    Raises OSError (socket.gaierror) when it does not resolve.
    """
    found: Addresses = []
    for family, _, _, _, sockaddr in socket.getaddrinfo(
        host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP
    ):
        if (family, sockaddr) not in found:
            found.append((family, sockaddr))
    return found


def retry_after_seconds(value: str | None, *, now: float) -> float | None:
    """A Retry-After header (delay seconds or an HTTP date) as seconds from `now` (Unix
    time), between 0 and MAX_RETRY_AFTER_SECONDS; None when absent or unreadable."""
    if value is None:
        return None
    text = value.strip()
    if text.isdigit():
        seconds = float(text[:12])
    else:
        try:
            moment = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        seconds = (moment - datetime.fromtimestamp(now, UTC)).total_seconds()
    return min(max(seconds, 0.0), MAX_RETRY_AFTER_SECONDS)


class _TooMuchAnswerError(Exception):
    """The receiver sent more than the sender reads."""


class _TimeBoxedReader(io.RawIOBase):
    """The socket's incoming bytes, each read bounded by the read timeout and the call's
    deadline, and all of them by a byte budget."""

    def __init__(self, sock: socket.socket, *, read_seconds: float, deadline: float) -> None:
        self._sock = sock
        self._read_seconds = read_seconds
        self._deadline = deadline
        # The head must fit; what the buffer reads beyond it is body, at most MAX_BODY_BYTES.
        self.budget = MAX_HEAD_BYTES

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        left = self._deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("the call's time is up")
        if self.budget <= 0:
            raise _TooMuchAnswerError
        self._sock.settimeout(min(self._read_seconds, left))
        view = memoryview(buffer).cast("B")
        count = self._sock.recv_into(view[: min(len(view), self.budget)])
        self.budget -= count
        return count


class _GuardedSocket:
    """What http.client sees of the connected socket: sends bounded by the read timeout and
    the deadline, and a reader that is time- and size-boxed."""

    def __init__(self, sock: socket.socket, *, read_seconds: float, deadline: float) -> None:
        self._sock = sock
        self._read_seconds = read_seconds
        self._deadline = deadline

    def sendall(self, data: bytes) -> None:
        left = self._deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("the call's time is up")
        self._sock.settimeout(min(self._read_seconds, left))
        self._sock.sendall(data)

    def makefile(self, mode: str = "rb", *args: object, **kwargs: object) -> io.BufferedReader:
        raw = _TimeBoxedReader(self._sock, read_seconds=self._read_seconds, deadline=self._deadline)
        # A small buffer: what is read ahead of the headers stays within MAX_BODY_BYTES.
        return io.BufferedReader(raw, buffer_size=MAX_BODY_BYTES)

    def close(self) -> None:
        self._sock.close()


class _AttemptFailedError(Exception):
    """An attempt that ends before an answer; `outcome` says how, `unreachable` whether it
    counts against the origin's breaker (a timeout or a connection that could not be made)."""

    def __init__(self, outcome: CallbackOutcome, *, unreachable: bool) -> None:
        super().__init__(outcome)
        self.outcome = outcome
        self.unreachable = unreachable


def _retry(why: str, *, unreachable: bool) -> _AttemptFailedError:
    return _AttemptFailedError(RetryLater(why), unreachable=unreachable)


class HttpCallbackSender:
    """The CallbackSender port over http.client. Thread-safe; one per worker process (it
    holds the origins' circuit breakers and the receivers' bulkheads). `receiver_concurrency`
    is the callbacks one receiver may have in flight at once."""

    def __init__(
        self,
        *,
        allow_loopback_http: bool = False,
        connect_seconds: float = CONNECT_SECONDS,
        read_seconds: float = READ_SECONDS,
        total_seconds: float = TOTAL_SECONDS,
        resolve: Resolver = resolve_tcp,
        ssl_context: ssl.SSLContext | None = None,
        breakers: OriginBreakers | None = None,
        receiver_concurrency: int = DEFAULT_CAPACITY,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self._allow_loopback = allow_loopback_http
        self._connect_seconds = connect_seconds
        self._read_seconds = read_seconds
        self._total_seconds = total_seconds
        self._resolve = resolve
        self._ssl_context = ssl_context or ssl.create_default_context()
        self._breakers = breakers or OriginBreakers()
        self._bulkheads = ReceiverBulkheads(capacity=receiver_concurrency)
        self._wall_clock = wall_clock
        self._resolvers = ThreadPoolExecutor(RESOLVER_THREADS, thread_name_prefix="callback-dns")

    def post(self, url: str, body: bytes, headers: Mapping[str, str]) -> CallbackOutcome:
        """POST `body` with `headers` to `url`; what it came to. Never raises for the
        receiver's sake: every refusal, failure and timeout is an outcome."""
        errors = callback_url_errors(url, allow_loopback_http=self._allow_loopback)
        if errors:
            return Refused("the callback URL is refused: " + "; ".join(errors))
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        host = (parts.hostname or "").lower()
        port = parts.port or (443 if scheme == "https" else 80)
        breaker = self._breakers.for_origin(f"{scheme}://{host}:{port}")
        if not breaker.allow():
            return RetryLater("endpoint unavailable")
        # Should the breaker have let this call out as its probe, the calls in flight that
        # fill the bulkhead go to the same origin, and the first of them to end ends the probe.
        with self._bulkheads.slot(receiver_key(url)) as entered:
            if not entered:
                why = (
                    "the receiver already has as many callbacks in flight from this worker "
                    f"as it may ({self._bulkheads.capacity})"
                )
                return RetryLater(why, BUSY_RETRY_SECONDS)
            deadline = time.monotonic() + self._total_seconds
            target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
            try:
                sock = self._connect(scheme, host, port, deadline)
                connection = self._connection(sock, scheme, host, port, deadline)
                status, retry_after = self._exchange(connection, target, body, headers)
            except _AttemptFailedError as failed:
                if failed.unreachable:
                    breaker.record_timeout()
                else:
                    breaker.record_failure()
                return failed.outcome
        breaker.record_answer()
        return _outcome(status, retry_after)

    # --- connecting -------------------------------------------------------------------------

    def _checked_addresses(self, host: str, port: int, deadline: float) -> Addresses:
        resolving = self._resolvers.submit(self._resolve, host, port)
        wait = max(min(self._connect_seconds, deadline - time.monotonic()), 0.001)
        try:
            addresses = resolving.result(timeout=wait)
        except TimeoutError:
            resolving.cancel()
            raise _retry(f"resolving {host} timed out", unreachable=True) from None
        except OSError:
            addresses = []
        if not addresses:
            raise _retry(f"{host} does not resolve", unreachable=True)
        for _, sockaddr in addresses:
            if not may_connect_to(ip_address(sockaddr[0]), allow_loopback=self._allow_loopback):
                refused = Refused(f"{host} resolves to an address that is not public")
                raise _AttemptFailedError(refused, unreachable=False)
        return addresses

    def _connect(self, scheme: str, host: str, port: int, deadline: float) -> socket.socket:
        """A socket connected to one of the checked addresses, in order (TLS for https)."""
        why = "the connection failed"
        for family, sockaddr in self._checked_addresses(host, port, deadline):
            left = deadline - time.monotonic()
            if left <= 0:
                break
            sock = socket.socket(family, socket.SOCK_STREAM)
            sock.settimeout(min(self._connect_seconds, left))
            try:
                sock.connect(sockaddr)
            except TimeoutError:
                sock.close()
                why = f"connecting timed out after {self._connect_seconds:g} s"
                continue
            except OSError as exc:
                sock.close()
                why = f"the connection failed ({type(exc).__name__})"
                continue
            return self._secured(sock, host, deadline) if scheme == "https" else sock
        raise _retry(why, unreachable=True)

    def _secured(self, sock: socket.socket, host: str, deadline: float) -> socket.socket:
        """TLS over `sock`: the name sent (SNI) and the certificate verified for it."""
        sock.settimeout(max(min(self._connect_seconds, deadline - time.monotonic()), 0.001))
        try:
            return self._ssl_context.wrap_socket(sock, server_hostname=host)
        except ssl.SSLCertVerificationError as exc:
            sock.close()
            why = f"the certificate is not valid for {host} ({exc.verify_message})"
            raise _retry(why, unreachable=True) from None
        except TimeoutError:
            sock.close()
            raise _retry("the TLS handshake timed out", unreachable=True) from None
        except OSError as exc:
            sock.close()
            why = f"the TLS handshake failed ({type(exc).__name__})"
            raise _retry(why, unreachable=True) from None

    def _connection(
        self, sock: socket.socket, scheme: str, host: str, port: int, deadline: float
    ) -> http.client.HTTPConnection:
        """An http.client connection over `sock`, already connected: it never resolves the
        name itself, and names the host in the Host header."""
        connection = (
            http.client.HTTPSConnection(host, port, context=self._ssl_context)
            if scheme == "https"
            else http.client.HTTPConnection(host, port)
        )
        guarded = _GuardedSocket(sock, read_seconds=self._read_seconds, deadline=deadline)
        connection.sock = guarded
        return connection

    # --- the request and its answer -----------------------------------------------------------

    def _exchange(
        self,
        connection: http.client.HTTPConnection,
        target: str,
        body: bytes,
        headers: Mapping[str, str],
    ) -> tuple[int, float | None]:
        """Send the POST; the answer's status and, for 429 and 503, its Retry-After."""
        given = {name.lower(): (name, value) for name, value in headers.items()}
        for name in _SET_HERE:
            given.pop(name.lower(), None)
        defaults = {"content-type": ("Content-Type", "application/json")}
        try:
            connection.putrequest("POST", target, skip_accept_encoding=True)
            for name, value in {**defaults, **given}.values():
                connection.putheader(name, value)
            connection.putheader("User-Agent", USER_AGENT)
            connection.putheader("Connection", "close")
            connection.putheader("Content-Length", str(len(body)))
            connection.endheaders(body)
            response = connection.getresponse()
            retry_after = None
            if response.status in _WITH_RETRY_AFTER:
                retry_after = retry_after_seconds(
                    response.getheader("Retry-After"), now=self._wall_clock()
                )
            return response.status, retry_after
        except TimeoutError:
            why = (
                f"no answer in time ({self._read_seconds:g} s a read, "
                f"{self._total_seconds:g} s in all)"
            )
            raise _retry(why, unreachable=True) from None
        except _TooMuchAnswerError:
            why = f"the answer's status line and headers are over {MAX_HEAD_BYTES} bytes"
            raise _retry(why, unreachable=False) from None
        except http.client.RemoteDisconnected:
            raise _retry("the connection closed without an answer", unreachable=False) from None
        except http.client.HTTPException as exc:
            why = f"the answer is not HTTP ({type(exc).__name__})"
            raise _retry(why, unreachable=False) from None
        except OSError as exc:
            why = f"the connection broke ({type(exc).__name__})"
            raise _retry(why, unreachable=False) from None
        finally:
            connection.close()


def _outcome(status: int, retry_after: float | None) -> CallbackOutcome:
    if 200 <= status < 300:
        return Delivered(status)
    answered = f"the receiver answered HTTP {status}"
    if 300 <= status < 400:
        return Refused(f"{answered}: redirects are not followed")
    if status in _RETRYABLE_4XX or 500 <= status < 600:
        return RetryLater(answered, retry_after)
    if 400 <= status < 500:
        return Refused(answered)
    return RetryLater(f"{answered}, which is not a final status")
