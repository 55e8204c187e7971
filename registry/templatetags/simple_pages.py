"""What the simple page templates need to read the PEP 691 dict as it is."""

from django import template

register = template.Library()


@register.filter
def key(mapping: dict, name: str):
    """``mapping[name]``, for the PEP 691 keys a template cannot name with a dot
    (``requires-python``, ``core-metadata``, ``_normalized``)."""
    return mapping.get(name)
