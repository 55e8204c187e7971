"""Template tags of the web UI: ``{% load web %}``.

``{% user_orgs as orgs %}``
    The signed-in user's organisations (for the header's org switcher); empty otherwise.
``{% page_url number %}``
    The current URL's query string with ``page`` set to ``number`` (other parameters, such
    as ``q`` or filters, are kept): ``<a href="{% page_url page_obj.next_page_number %}">``.
``{{ release.description_html|readme_html }}``
    A release's README HTML (sanitised when it was rendered) for the page.
"""

import re

from django import template
from django.utils.safestring import SafeString, mark_safe

from accounts.selectors import orgs_of

register = template.Library()


@register.simple_tag(takes_context=True)
def user_orgs(context):
    user = getattr(context.get("request"), "user", None)
    if user is None or not user.is_authenticated:
        return []
    return orgs_of(user).order_by("name")


@register.simple_tag(takes_context=True)
def page_url(context, number) -> str:
    query = context["request"].GET.copy()
    query["page"] = number
    return "?" + query.urlencode()


# readme-renderer ends each heading with an empty link to itself: a link without a name for
# screen readers and a stop for the keyboard that leads nowhere new. Both skip it here.
_EMPTY_SELF_LINK = re.compile(r'<a href="(#[^"<>]*)" rel="nofollow"></a>')


@register.filter
def readme_html(html: str) -> SafeString:
    hidden = r'<a href="\1" rel="nofollow" aria-hidden="true" tabindex="-1"></a>'
    # The HTML was sanitised by readme-renderer when it was stored; only attributes are added.
    return mark_safe(_EMPTY_SELF_LINK.sub(hidden, html or ""))  # noqa: S308
