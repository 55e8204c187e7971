"""An org's audit log: ``/{org}/-/audit/``, for owners and admins (``Capability.ORG_AUDIT``).

Newest first, 50 a page, narrowed by action, by who acted and by project; each event is a
sentence (``web.audit_sentences``).
"""

from django.views.generic import ListView

from accounts import selectors
from accounts.capabilities import Capability
from web.audit_sentences import SENTENCES, audit_sentence
from web.forms_orgadmin import AuditFilterForm
from web.mixins import OrgPageMixin


class AuditLogPage(OrgPageMixin, ListView):
    template_name = "web/org/audit.html"
    paginate_by = 50
    view_capability = Capability.ORG_AUDIT
    nav_section = "audit"

    def filters(self) -> AuditFilterForm:
        if not hasattr(self, "_filters"):
            self._filters = AuditFilterForm(self.request.GET or None, actions=list(SENTENCES))
        return self._filters

    def get_queryset(self):
        form = self.filters()
        wanted = form.cleaned_data if form.is_valid() else {}
        return selectors.audit_trail(self.org, action=wanted.get("action", ""),
                                     actor=wanted.get("actor", "").strip(),
                                     project=wanted.get("project", "").strip())

    def get_context_data(self, **kwargs):
        context = super().get_context_data(filters=self.filters(), **kwargs)
        context["events"] = [(event, audit_sentence(event)) for event in context["object_list"]]
        return context
