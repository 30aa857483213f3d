"""Where a client's TLS handshake ends and its first request begins, from record headers.

The proxy decides faults per request, and a TLS handshake is not one. A client often
writes its last handshake flight and its first request together, so one chunk can hold
both: the scanner follows the 5-byte record headers (content type, version, length) of
what the client sends until the first application data. Nothing is decrypted or changed.

TLS 1.3 encrypts the client's Finished into an application-data record; in the
middlebox-compatible form that OpenSSL (hence Python) uses, it directly follows a
change_cipher_spec record, which is how it is told apart from a request.
"""

from __future__ import annotations

_HEADER_BYTES = 5
_CHANGE_CIPHER_SPEC, _ALERT, _HANDSHAKE, _APPLICATION_DATA = 20, 21, 22, 23
_TLS_MAJOR_VERSION = 3


class HandshakeScanner:
    """Follows one client's records until its first application data; plain TCP (no TLS
    record at the start) has no handshake at all."""

    def __init__(self) -> None:
        self._header = b""  # a record header split across chunks
        self._remaining = 0  # bytes of the current handshake record still to come
        self._finished_next = False  # after change_cipher_spec: the Finished record
        self.done = False

    def handshake_bytes(self, chunk: bytes) -> int:
        """How many bytes at the start of `chunk` belong to the handshake; when fewer than
        the whole chunk, the rest is application data and the scanner is done."""
        position = 0
        while position < len(chunk) and not self.done:
            if self._remaining:
                taken = min(self._remaining, len(chunk) - position)
                position += taken
                self._remaining -= taken
                continue
            piece = chunk[position : position + _HEADER_BYTES - len(self._header)]
            header = self._header + piece
            if len(header) < _HEADER_BYTES and _could_start_a_record(header):
                self._header = header
                return len(chunk)
            if len(header) < _HEADER_BYTES or not self._is_handshake_record(header):
                self.done = True
                break
            self._header = b""
            self._finished_next = header[0] == _CHANGE_CIPHER_SPEC
            self._remaining = int.from_bytes(header[3:5], "big")
            position += len(piece)
        return position

    def _is_handshake_record(self, header: bytes) -> bool:
        record_type, major = header[0], header[1]
        if major != _TLS_MAJOR_VERSION:
            return False
        if record_type in (_CHANGE_CIPHER_SPEC, _ALERT, _HANDSHAKE):
            return True
        return record_type == _APPLICATION_DATA and self._finished_next


def _could_start_a_record(partial_header: bytes) -> bool:
    known_type = partial_header[0] in (_CHANGE_CIPHER_SPEC, _ALERT, _HANDSHAKE, _APPLICATION_DATA)
    return known_type and (len(partial_header) < 2 or partial_header[1] == _TLS_MAJOR_VERSION)
