"""``/``: the dashboard of a signed-in user, or a short landing page for anyone else."""

from django.shortcuts import render
from django.views.decorators.http import require_safe

from accounts.authentication import client_ip
from accounts.principals import Principal
from accounts.selectors import invitations_waiting, orgs_of
from registry.selectors import files_uploaded_by


@require_safe
def home(request):
    user = request.user
    if not user.is_authenticated:
        return render(request, "web/landing.html")
    principal = Principal(user=user, ip=client_ip(request))
    return render(request, "web/dashboard.html", {
        "orgs": orgs_of(user).order_by("name"),
        "uploads": files_uploaded_by(principal),
        "invitations": invitations_waiting(user),
    })
