"""Upstream passwords, encrypted at rest with Fernet (AES-128-CBC + HMAC-SHA256).

The key is ``UPSTREAM_CREDENTIALS_KEY`` when set (a Fernet key), else derived from
``SECRET_KEY`` with HKDF: changing SECRET_KEY without setting the former makes stored
passwords unreadable (the upstream then answers 401 and the admin sets the password again).
"""

import base64

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings


def _fernet() -> Fernet:
    if settings.UPSTREAM_CREDENTIALS_KEY:
        return Fernet(settings.UPSTREAM_CREDENTIALS_KEY)
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                   info=b"wheelhouse upstream credentials").derive(settings.SECRET_KEY.encode())
    return Fernet(base64.urlsafe_b64encode(derived))


def encrypt(secret: str) -> str:
    return _fernet().encrypt(secret.encode()).decode() if secret else ""


def decrypt(token: str) -> str:
    """The password, or "" when none is stored or the key changed since."""
    if not token:
        return ""
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        return ""
