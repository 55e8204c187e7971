"""The install commands a project page shows, for the person looking at it. Pure: no Django.

A public project needs no credentials. Any other needs a token with read permission (made at
``/accounts/tokens/``), sent as the password with the username ``__token__``; the commands
read it from the environment variable ``WHEELHOUSE_TOKEN`` so that it lands neither in the
shell's history nor in a project file.
"""

from dataclasses import dataclass

TOKEN_VARIABLE = "WHEELHOUSE_TOKEN"  # noqa: S105 - the name of a variable, no secret
SOURCE_NAME = "wheelhouse"  # the name poetry, pdm and uv projects give the index


@dataclass(frozen=True)
class Snippet:
    tool: str  # "pip", "uv", "poetry", "pdm": also the id of its block on the page
    title: str
    text: str


def index_url(base: str, org_slug: str) -> str:
    """The org's simple index: ``https://host/org/simple/``."""
    return f"{base.rstrip('/')}/{org_slug}/simple/"


def with_token(url: str, variable: str = TOKEN_VARIABLE, braces: bool = False) -> str:
    """``url`` with ``__token__`` and the token's variable as its credentials."""
    scheme, _, rest = url.partition("://")
    reference = f"${{{variable}}}" if braces else f"${variable}"
    return f"{scheme}://__token__:{reference}@{rest}"


def install_snippets(*, index: str, name: str, version: str | None = None,
                     needs_token: bool) -> list[Snippet]:
    """pip, uv, poetry and pdm commands that install ``name`` (``==version`` when given)."""
    requirement = f"{name}=={version}" if version else name
    pip_index = with_token(index) if needs_token else index
    upper = SOURCE_NAME.upper()
    uv_credentials = (f"export UV_INDEX_{upper}_USERNAME=__token__\n"
                      f'export UV_INDEX_{upper}_PASSWORD="${TOKEN_VARIABLE}"\n'
                      if needs_token else "")
    poetry_credentials = (f'poetry config http-basic.{SOURCE_NAME} __token__ "${TOKEN_VARIABLE}"\n'
                          if needs_token else "")
    pdm_url = with_token(index, braces=True) if needs_token else index
    return [
        Snippet("pip", "pip", f'pip install --index-url "{pip_index}" "{requirement}"'),
        Snippet("uv", "uv", (
            f'uv pip install --default-index "{pip_index}" "{requirement}"\n'
            f"# or, in a uv project:\n{uv_credentials}"
            f'uv add --index {SOURCE_NAME}="{index}" "{requirement}"')),
        Snippet("poetry", "poetry", (
            f'poetry source add --priority=explicit {SOURCE_NAME} "{index}"\n'
            f"{poetry_credentials}"
            f'poetry add --source {SOURCE_NAME} "{requirement}"')),
        Snippet("pdm", "pdm (pyproject.toml, then pdm add)", (
            f'[[tool.pdm.source]]\nname = "{SOURCE_NAME}"\nurl = "{pdm_url}"\n\n'
            f'# then: pdm add "{requirement}"')),
    ]
