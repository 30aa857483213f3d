"""Callback signing secrets sealed with AES-256-GCM under CALLBACK_SECRETS_KEY.

The app must sign with a service's secret, so it cannot keep only a hash as it does for API
keys; the secret is stored encrypted in the service's document, and the key that opens it
lives in Key Vault (an app setting that is a Key Vault reference). A copy of the services
container alone opens nothing. Each secret is sealed for its service (the service id is the
associated data): a sealed secret copied into another service's document does not open.

The sealed form is base64 of a version byte, a random 96-bit nonce and the ciphertext with
its tag. A nonce is drawn per seal; a key seals a few secrets per service over its life,
far below the 2^32 seals a random 96-bit nonce is good for.
"""

from __future__ import annotations

import base64
import binascii
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from shared.config import CALLBACK_SECRETS_KEY_BYTES, InvalidSettingError, SettingName
from shared.domain.errors import SealedSecretError

_VERSION = b"\x01"
_NONCE_BYTES = 12
_CONTEXT = b"postino/callback-secret/v1\x00"


def _associated_data(service_id: str) -> bytes:
    return _CONTEXT + service_id.encode("utf-8")


class SecretBox:
    """Seals and opens callback secrets. Thread-safe (it holds only the key)."""

    def __init__(self, key: bytes) -> None:
        if len(key) != CALLBACK_SECRETS_KEY_BYTES:
            raise InvalidSettingError(
                f"app setting {SettingName.CALLBACK_SECRETS_KEY} must be "
                f"{CALLBACK_SECRETS_KEY_BYTES} bytes"
            )
        self._aead = AESGCM(key)

    @classmethod
    def from_setting(cls, text: str) -> SecretBox:
        """The box for the setting's base64 text (Settings.callback_secrets_key).

        Raises InvalidSettingError naming the setting (never its value); MissingSettingError
        when it is the CLI's stand-in for a secret the command did not ask for.
        """
        # Encoding first: the CLI's stand-in refuses to be encoded, naming the setting.
        raw = text.encode("ascii", "replace")
        try:
            key = base64.b64decode(raw, validate=True)
        except binascii.Error:
            key = b""
        return cls(key)

    def seal(self, secret: bytes, *, service_id: str) -> str:
        """`secret` encrypted for the service `service_id`, as base64 text."""
        nonce = os.urandom(_NONCE_BYTES)
        sealed = self._aead.encrypt(nonce, secret, _associated_data(service_id))
        return base64.b64encode(_VERSION + nonce + sealed).decode("ascii")

    def open(self, sealed: str, *, service_id: str) -> bytes:
        """The secret sealed in `sealed` for the service `service_id`.

        Raises SealedSecretError when it was sealed under another key or for another
        service, or was altered.
        """
        try:
            raw = base64.b64decode(sealed.encode("ascii"), validate=True)
        except (UnicodeEncodeError, binascii.Error):
            raw = b""
        if raw[:1] != _VERSION or len(raw) <= 1 + _NONCE_BYTES:
            raise SealedSecretError(f"a callback secret of service {service_id} is malformed")
        nonce, ciphertext = raw[1 : 1 + _NONCE_BYTES], raw[1 + _NONCE_BYTES :]
        try:
            return self._aead.decrypt(nonce, ciphertext, _associated_data(service_id))
        except InvalidTag:
            raise SealedSecretError(
                f"a callback secret of service {service_id} does not open with "
                f"{SettingName.CALLBACK_SECRETS_KEY}: sealed under another key or for another "
                "service; rotate the service's callback secret"
            ) from None
