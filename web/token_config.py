"""Client configuration for a token just created, ready to paste. Pure: no Django.

The same names and shapes as the README's "Uploading" and "Installing" sections: username
``__token__``, the token as the password, the org's ``/{org}/simple/`` to install from and
``/{org}/legacy/`` to upload to, and ``wheelhouse`` as the name of the index in uv, poetry
and ``.pypirc``. Upload configuration is offered only for a token that may upload.
"""

from dataclasses import dataclass

from web.install import SOURCE_NAME, index_url

USERNAME = "__token__"


@dataclass(frozen=True)
class Part:
    """One text to paste in one place."""

    id: str  # of its block on the page
    name: str  # what it is: "pip.conf"
    where: str  # where it goes and what next, in words
    text: str


@dataclass(frozen=True)
class ClientConfig:
    tool: str
    parts: tuple[Part, ...]


def upload_url(base: str, org_slug: str) -> str:
    """The org's upload endpoint: ``https://host/org/legacy/``."""
    return f"{base.rstrip('/')}/{org_slug}/legacy/"


def with_credentials(url: str, token: str) -> str:
    """``url`` carrying ``__token__`` and the token as its user and password."""
    scheme, _, rest = url.partition("://")
    return f"{scheme}://{USERNAME}:{token}@{rest}"


def client_configs(*, base: str, org_slug: str, token: str, can_upload: bool,
                   ) -> list[ClientConfig]:
    """pip, uv and poetry set up to install with ``token`` from the org's index at ``base``,
    and to upload with it (``.pypirc`` for twine too) when the token may upload."""
    index, legacy = index_url(base, org_slug), upload_url(base, org_slug)
    configs = [_pip(index, token), _uv(index, legacy, token, can_upload),
               _poetry(index, legacy, token, can_upload)]
    if can_upload:
        configs.insert(1, _pypirc(legacy, token))
    return configs


def _pip(index: str, token: str) -> ClientConfig:
    return ClientConfig("pip", (
        Part("pip-conf", "pip.conf",
             "In ~/.config/pip/pip.conf on Linux, ~/Library/Application Support/pip/pip.conf "
             "on macOS or %APPDATA%\\pip\\pip.ini on Windows (or the file PIP_CONFIG_FILE "
             "names); then pip install PACKAGE.",
             f"[global]\nindex-url = {with_credentials(index, token)}\n"),
        Part("pip-command", "pip command", "Or once, on the command line:",
             f'pip install --index-url "{with_credentials(index, token)}" PACKAGE'),
    ))


def _pypirc(legacy: str, token: str) -> ClientConfig:
    return ClientConfig("twine", (
        Part("pypirc", ".pypirc", f"In ~/.pypirc; then twine upload -r {SOURCE_NAME} dist/*.",
             f"[distutils]\nindex-servers = {SOURCE_NAME}\n\n[{SOURCE_NAME}]\n"
             f"repository = {legacy}\nusername = {USERNAME}\npassword = {token}\n"),
    ))


def _uv(index: str, legacy: str, token: str, can_upload: bool) -> ClientConfig:
    upper = SOURCE_NAME.upper()
    publish = f'publish-url = "{legacy}"\n' if can_upload else ""
    parts = [
        Part("uv-index", "uv index table", "In the project's pyproject.toml:",
             f'[[tool.uv.index]]\nname = "{SOURCE_NAME}"\nurl = "{index}"\n{publish}'),
        Part("uv-env", "uv environment variables",
             "In the environment (CI secrets, or a shell profile); then uv add PACKAGE.",
             f"export UV_INDEX_{upper}_USERNAME={USERNAME}\n"
             f"export UV_INDEX_{upper}_PASSWORD={token}\n"),
    ]
    if can_upload:
        parts.append(Part("uv-publish", "uv publish command",
                          "To upload, in the project (uv takes the credentials above):",
                          f"uv publish --index {SOURCE_NAME} dist/*"))
    return ClientConfig("uv", tuple(parts))


def _poetry(index: str, legacy: str, token: str, can_upload: bool) -> ClientConfig:
    parts = [Part("poetry-source", "poetry commands",
                  "Run in the project (poetry keeps the token in its credential store); then "
                  f"poetry add --source {SOURCE_NAME} PACKAGE.",
                  f"poetry source add --priority=explicit {SOURCE_NAME} {index}\n"
                  f"poetry config http-basic.{SOURCE_NAME} {USERNAME} {token}\n")]
    if can_upload:
        parts.append(Part("poetry-publish", "poetry publish commands",
                          "To upload, in the project:",
                          f"poetry config repositories.{SOURCE_NAME} {legacy}\n"
                          f"poetry publish --build --repository {SOURCE_NAME}\n"))
    return ClientConfig("poetry", tuple(parts))
