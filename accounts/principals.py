"""Who is asking: a user, a token, both (a user's token) or nobody."""

from dataclasses import dataclass

from accounts.models import ApiToken, User


@dataclass(frozen=True)
class Principal:
    user: User | None = None
    token: ApiToken | None = None
    ip: str | None = None

    @property
    def is_anonymous(self) -> bool:
        return self.user is None and self.token is None

    @property
    def cache_key(self) -> str:
        if self.token is not None:
            return f"t{self.token.pk}"
        return f"u{self.user.pk}" if self.user is not None else "anon"


ANONYMOUS = Principal()
