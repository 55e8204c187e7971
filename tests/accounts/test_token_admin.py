"""Revoking tokens from Django admin takes the tokens they created along, with audit events."""

import pytest

from accounts import services
from accounts.models import ApiToken, AuditEvent
from accounts.principals import Principal
from tests.factories import OrgFactory, UserFactory, member, token_for


@pytest.mark.django_db
def test_the_admin_action_revokes_children_too(client, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    org = OrgFactory()
    parent, _ = token_for(org, member(org, "admin"), "admin")
    child, _ = services.token_create(org=org, user=None, permission="read",
                                     principal=Principal(user=parent.user, token=parent))
    moderator = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(moderator)
    response = client.post("/admin/accounts/apitoken/", {
        "action": "revoke_tokens", "_selected_action": [parent.pk]})
    assert response.status_code == 302
    assert ApiToken.objects.get(pk=child.pk).revoked_at is not None
    revoked = AuditEvent.objects.filter(action="token.revoke", actor=moderator)
    assert {e.target for e in revoked} == {parent.key_id, child.key_id}
