"""README rule: the long description must render for its declared content type."""

from __future__ import annotations

import io

from .results import Problem

# Like PyPI, a description without a content type is treated as reStructuredText.
_DEFAULT_CONTENT_TYPE = "text/x-rst"


def check_readme(description: str | None, content_type: str | None) -> list[Problem]:
    """Problems when the description would not render on the project page."""
    if not description:
        return []
    kind = (content_type or _DEFAULT_CONTENT_TYPE).split(";", 1)[0].strip().lower()
    # Markdown and plain text always render; only reStructuredText can fail.
    if kind != "text/x-rst":
        return []
    # Imported here: the renderers (docutils, pygments, nh3) weigh ~18 MiB, and the web
    # process, which uses the rest of this package, never renders.
    import readme_renderer.rst

    warnings = io.StringIO()
    if readme_renderer.rst.render(description, stream=warnings) is not None:
        return []
    message = (
        "The description failed to render for 'text/x-rst'. "
        "Check it locally with `python -m readme_renderer README.rst`."
    )
    return [Problem("readme-invalid", message, "description")]
