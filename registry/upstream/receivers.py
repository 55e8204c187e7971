"""A project created under any name makes that name the org's for ever: never proxied again,
and whatever was proxied under it dropped at once. A receiver, because projects come to be
through several services (uploads, the API, the web UI, the admin) and this must hold for all;
the index cache's own receiver renews the name's generation, which hides its cached pages."""

from django.db import transaction
from django.db.models.signals import post_save

from registry.models import Project
from registry.upstream import services


def _project_saved(sender, instance: Project, created: bool, **kwargs) -> None:
    if created:
        services.name_held(org_id=instance.org_id, normalized=instance.normalized_name)
        transaction.on_commit(lambda: services.name_held(org_id=instance.org_id,
                                                         normalized=instance.normalized_name))


post_save.connect(_project_saved, sender=Project, dispatch_uid="registry.upstream.held_name")
