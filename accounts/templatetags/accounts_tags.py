"""Template tags of accounts: whether the sign-up link is worth showing."""

from django import template

from accounts import signup

register = template.Library()


@register.simple_tag
def signup_open() -> bool:
    """Whether anyone may sign up without an invitation (the sign-up policy)."""
    return signup.signup_open()
