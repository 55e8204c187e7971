"""Template tags of the web UI: ``{% load web %}``.

``{% user_orgs as orgs %}``
    The signed-in user's organisations (for the header's org switcher); empty otherwise.
``{% page_url number %}``
    The current URL's query string with ``page`` set to ``number`` (other parameters, such
    as ``q`` or filters, are kept): ``<a href="{% page_url page_obj.next_page_number %}">``.
"""

from django import template

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
