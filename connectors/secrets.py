"""Platform secrets at rest: encrypted with a key from the environment, read back only to use.

An HMAC is checked with the secret itself, so a hash cannot stand in for it.
The key is `CONNECTOR_SECRETS_KEY` (a Fernet key: 32 url-safe base64 bytes); without
it one is derived from `SECRET_KEY`, so changing either makes the stored secrets
unreadable and the connections must be made again (`connect_storefront`).
"""

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings


class SecretUnreadable(Exception):
    """A stored secret was encrypted with another key."""


def _fernet() -> Fernet:
    key = getattr(settings, "CONNECTOR_SECRETS_KEY", "")
    if not key:
        digest = hashlib.sha256(b"connectors.secrets:" + settings.SECRET_KEY.encode()).digest()
        key = base64.urlsafe_b64encode(digest).decode()
    return Fernet(key)


def secret_encrypt(secret: str) -> str:
    """The secret as stored: a Fernet token (empty stays empty)."""
    if not secret:
        return ""
    return _fernet().encrypt(secret.encode()).decode()


def secret_decrypt(token: str) -> str:
    """The secret back from its stored token; SecretUnreadable if the key changed."""
    if not token:
        return ""
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        raise SecretUnreadable(
            "The stored secret cannot be read with this key: connect the storefront again."
        ) from None
