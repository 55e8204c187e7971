"""Reading a page as a person does, for the web tests."""

import html
import re


def text_of(response) -> str:
    """The page's text without tags, spaces collapsed (what a person reads)."""
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))
    return html.unescape(re.sub(r" ([,.)]|:(?!:))", r"\1", text))


def messages_of(response) -> list[str]:
    """The messages (django.contrib.messages) a page shows."""
    return [str(message) for message in response.context["messages"]]
