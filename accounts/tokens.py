"""API token format: ``whk_<key id>_<secret>``.

The fixed ``whk_`` prefix lets secret scanners recognise leaked tokens. Only the SHA-256
of the secret is stored: the secret has 256 bits of entropy, so a slow hash adds nothing.
"""

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

TOKEN_PREFIX = "whk_"  # noqa: S105 - a public prefix, not a secret
_TOKEN_RE = re.compile(r"^whk_([A-Za-z0-9]{16})_([A-Za-z0-9_-]{43})$")


@dataclass(frozen=True)
class NewToken:
    key_id: str
    secret_hash: str
    plaintext: str


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def generate() -> NewToken:
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
    key_id = "".join(secrets.choice(alphabet) for _ in range(16))
    secret = secrets.token_urlsafe(32)
    return NewToken(key_id, hash_secret(secret), f"{TOKEN_PREFIX}{key_id}_{secret}")


def parse(plaintext: str) -> tuple[str, str] | None:
    """Split a presented token into (key id, secret), or None when it is not one of ours."""
    match = _TOKEN_RE.match(plaintext.strip())
    return (match.group(1), match.group(2)) if match else None


def secret_matches(secret: str, secret_hash: str) -> bool:
    return hmac.compare_digest(hash_secret(secret), secret_hash)
