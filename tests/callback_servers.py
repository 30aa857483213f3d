"""Local HTTP(S) servers that play a callback receiver, told what to answer: a status with
headers, slowly, with a huge head, with an endless body. They record what they receive (and,
over TLS, the name the client asked for), so tests see what reached the receiver."""

from __future__ import annotations

import datetime as dt
import ipaddress
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


@dataclass
class Answer:
    """What the server answers to one request."""

    status: int = 204
    headers: dict[str, str] = field(default_factory=dict)
    # Seconds to wait before answering (released at once when the server stops).
    delay: float = 0.0
    # Bytes of padding headers to send (a head bigger than a client should read).
    head_padding: int = 0
    # After the head, send this much body and then nothing more until the server stops.
    stalled_body: int | None = None
    # Send the status line, then a header every `drip` seconds, without end.
    drip: float = 0.0
    # Answer only once this is set (or the server stops): a receiver held by the test.
    held_until: threading.Event | None = None


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


class ScriptedServer:
    """A receiver on 127.0.0.1 answering from a script (then `default`), on its own thread."""

    def __init__(self, *, tls: ssl.SSLContext | None = None) -> None:
        self.received: list[Received] = []
        self.server_names: list[str | None] = []
        self.default = Answer()
        self._script: list[Answer] = []
        self._lock = threading.Lock()
        self._arrived = threading.Condition(self._lock)
        self._stopping = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        if tls is not None:
            tls.sni_callback = self._remember_name
            self._server.socket = tls.wrap_socket(self._server.socket, server_side=True)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def url(
        self, path: str = "/callbacks", *, scheme: str = "http", host: str = "127.0.0.1"
    ) -> str:
        return f"{scheme}://{host}:{self.port}{path}"

    def answer(self, *answers: Answer) -> None:
        with self._lock:
            self._script.extend(answers)

    def wait_for_requests(self, count: int, *, timeout: float = 5.0) -> bool:
        """Whether `count` requests have arrived within `timeout` seconds."""
        with self._arrived:
            return self._arrived.wait_for(lambda: len(self.received) >= count, timeout)

    def _next(self) -> Answer:
        with self._lock:
            return self._script.pop(0) if self._script else self.default

    def _remember_name(
        self, sock: ssl.SSLObject, name: str | None, context: ssl.SSLContext
    ) -> None:
        self.server_names.append(name)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                with server._arrived:
                    server.received.append(Received(self.path, dict(self.headers.items()), body))
                    server._arrived.notify_all()
                self._answer(server._next())

            def _answer(self, answer: Answer) -> None:
                if answer.delay and server._stopping.wait(answer.delay):
                    return
                if answer.held_until is not None:
                    while not answer.held_until.wait(0.02):
                        if server._stopping.is_set():
                            return
                if answer.drip:
                    self._drip(answer.drip)
                    return
                self.send_response(answer.status)
                for name, value in answer.headers.items():
                    self.send_header(name, value)
                for number in range(answer.head_padding // 1000 + bool(answer.head_padding)):
                    self.send_header(f"X-Padding-{number}", "p" * 980)
                if answer.stalled_body is None:
                    self.send_header("Content-Length", "0")
                    self.send_header("Connection", "close")
                    self.end_headers()
                    return
                self.send_header("Content-Length", str(10 * 1024 * 1024))
                self.end_headers()
                self.wfile.write(b"x" * answer.stalled_body)
                self.wfile.flush()
                server._stopping.wait(30)

            def _drip(self, interval: float) -> None:
                self.wfile.write(b"HTTP/1.1 200 OK\r\n")
                while not server._stopping.wait(interval):
                    try:
                        self.wfile.write(b"X-Drip: 1\r\n")
                        self.wfile.flush()
                    except OSError:
                        return

            def log_message(self, format: str, *args: object) -> None:
                pass

        return Handler

    def __enter__(self) -> ScriptedServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stopping.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()


@dataclass(frozen=True)
class TlsFiles:
    """A test CA and a server certificate it signed, as files."""

    ca: Path
    certificate: Path
    key: Path

    def server_context(self) -> ssl.SSLContext:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.certificate, self.key)
        return context

    def client_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.ca))


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def make_tls_files(directory: Path, *, names: list[str]) -> TlsFiles:
    """A CA and a certificate for `names` (DNS names or IP addresses), valid for a day."""
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (
        x509.CertificateBuilder()
        .subject_name(_name("Postino test CA"))
        .issuer_name(_name("Postino test CA"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    alternatives: list[x509.GeneralName] = []
    for name in names:
        try:
            alternatives.append(x509.IPAddress(ipaddress.ip_address(name)))
        except ValueError:
            alternatives.append(x509.DNSName(name))
    certificate = (
        x509.CertificateBuilder()
        .subject_name(_name(names[0]))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName(alternatives), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    files = TlsFiles(
        ca=directory / "ca.pem", certificate=directory / "server.pem", key=directory / "key.pem"
    )
    files.ca.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    files.certificate.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    files.key.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return files


@contextmanager
def scripted_server(
    *answers: Answer, tls: ssl.SSLContext | None = None
) -> Iterator[ScriptedServer]:
    with ScriptedServer(tls=tls) as server:
        server.answer(*answers)
        yield server
