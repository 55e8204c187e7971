import pytest
from django.utils import timezone

from accounts import tokens
from accounts.authentication import AuthenticationFailed, token_from_secret
from accounts.models import ApiToken
from tests.factories import OrgFactory, member, token_for


class TestTokenFormat:
    def test_generated_token_has_prefix_and_round_trips(self):
        new = tokens.generate()
        assert new.plaintext.startswith("whk_")
        key_id, secret = tokens.parse(new.plaintext)
        assert key_id == new.key_id
        assert tokens.secret_matches(secret, new.secret_hash)

    def test_hash_is_not_the_secret_and_differs_per_token(self):
        one, two = tokens.generate(), tokens.generate()
        assert one.plaintext not in one.secret_hash and one.secret_hash != two.secret_hash

    @pytest.mark.parametrize("text", ["", "whk_", "pypi-abc", "whk_short_secret",
                                      "whk_AAAAAAAAAAAAAAAA_" + "x" * 10])
    def test_parse_rejects_foreign_strings(self, text):
        assert tokens.parse(text) is None


@pytest.mark.django_db
class TestTokenStorage:
    def test_only_the_hash_is_stored(self):
        org = OrgFactory()
        token, plaintext = token_for(org, member(org), "upload")
        row = ApiToken.objects.get(pk=token.pk)
        assert plaintext.split("_", 2)[2] not in str(row.__dict__)
        assert row.secret_hash == tokens.hash_secret(plaintext.split("_", 2)[2])

    def test_authentication_finds_token_and_records_use(self):
        org = OrgFactory()
        token, plaintext = token_for(org, None, "read")
        found = token_from_secret(plaintext, "127.0.0.9")
        assert found.pk == token.pk
        token.refresh_from_db()
        assert token.last_used_ip == "127.0.0.9" and token.last_used_at is not None

    def test_wrong_secret_is_refused(self):
        org = OrgFactory()
        _token, plaintext = token_for(org)
        with pytest.raises(AuthenticationFailed) as err:
            token_from_secret(plaintext[:-2] + "zz", None)
        assert err.value.status == 401

    def test_revoked_and_expired_tokens_say_so(self):
        org = OrgFactory()
        revoked, revoked_text = token_for(org)
        ApiToken.objects.filter(pk=revoked.pk).update(revoked_at=timezone.now())
        expired, expired_text = token_for(org, expires_days=1)
        ApiToken.objects.filter(pk=expired.pk).update(expires_at=timezone.now())
        with pytest.raises(AuthenticationFailed, match="revoked"):
            token_from_secret(revoked_text, None)
        with pytest.raises(AuthenticationFailed, match="expired"):
            token_from_secret(expired_text, None)

    def test_failures_are_rate_limited_per_ip(self):
        for _ in range(30):
            with pytest.raises(AuthenticationFailed):
                token_from_secret("whk_nonsense", "127.0.0.7")
        with pytest.raises(AuthenticationFailed) as err:
            token_from_secret("whk_nonsense", "127.0.0.7")
        assert err.value.status == 429 and err.value.retry_after


@pytest.mark.django_db
class TestNeverMoreThanTheOwnerHolds:
    @pytest.mark.parametrize(("held", "asked", "refused"), [
        ("read", "upload", True), ("read", "admin", True), ("upload", "admin", True),
        ("read", "read", False), ("upload", "upload", False), ("admin", "admin", False),
        ("admin", "read", False)])
    def test_a_permission_above_what_the_owner_holds_is_refused(self, held, asked, refused):
        from django.core.exceptions import ValidationError

        from accounts.services import token_create

        org = OrgFactory()
        owner = member(org)
        if refused:
            with pytest.raises(ValidationError) as err:
                token_create(org=org, user=owner, permission=asked, owner_holds=held)
            assert err.value.message_dict["permission"] == [
                f"You hold at most '{held}' in this organisation; a token cannot have more "
                f"than its owner ('{asked}' was asked)."]
            assert not ApiToken.objects.exists()
        else:
            assert token_create(org=org, user=owner, permission=asked,
                                owner_holds=held)[0].permission == asked
