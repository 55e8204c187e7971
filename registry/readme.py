"""A release's description rendered to sanitised HTML with readme-renderer.

The HTML is stored on the release with the renderer's version, so a newer renderer can
re-render what an older one produced (``manage.py render_readmes``).
"""

from __future__ import annotations

import io
from email.message import Message
from importlib.metadata import version

from registry.models import Release

RENDERER = f"readme-renderer {version('readme-renderer')}"


def _content_type(value: str) -> tuple[str, dict[str, str]]:
    message = Message()
    message["Content-Type"] = value or "text/x-rst"  # PyPI's default for a missing type
    params = {k.lower(): v for k, v in message.get_params(failobj=[])[1:]}
    return message.get_content_type(), params


def render_description(text: str, content_type: str) -> str:
    """Sanitised HTML for ``text``; plain text (escaped) when its markup does not render."""
    if not text:
        return ""
    # Imported here: the renderers (docutils, pygments, nh3) weigh ~18 MiB per process, and
    # only Celery workers render; web processes import this module but never call this.
    import readme_renderer.markdown
    import readme_renderer.rst
    import readme_renderer.txt

    kind, params = _content_type(content_type)
    html = None
    if kind == "text/markdown":
        variant = params.get("variant", "GFM")
        html = readme_renderer.markdown.render(
            text, variant=variant if variant in readme_renderer.markdown.variants else "GFM")
    elif kind == "text/x-rst":
        html = readme_renderer.rst.render(text, stream=io.StringIO())
    if html is None:
        html = readme_renderer.txt.render(text)
    return html or ""


def release_render_description(*, release_id: int, force: bool = False) -> bool:
    """Render and store one release's description; False when there was nothing to do."""
    release = Release.objects.filter(pk=release_id).only(
        "description", "description_content_type", "description_renderer").first()
    return release is not None and release_render(release, force=force)


def release_render(release: Release, *, force: bool = False) -> bool:
    """Render and store the description of ``release`` as read (the publishing worker has
    just read or written the row); False when there was nothing to do."""
    if release.description_renderer == RENDERER and not force:
        return False
    release.description_html = render_description(release.description,
                                                   release.description_content_type)
    release.description_renderer = RENDERER
    # The index pages and the JSON API do not show the HTML: no cached page changes.
    Release.objects.filter(pk=release.pk).update(
        description_html=release.description_html,
        description_renderer=release.description_renderer)
    return True
