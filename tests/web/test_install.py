"""web.install: the install commands a project page shows (no database)."""

import shlex

from web.install import index_url, install_snippets, with_token

INDEX = "https://wh.example.com/acme/simple/"


def by_tool(**kwargs):
    return {s.tool: s.text for s in install_snippets(index=INDEX, name="billing", **kwargs)}


def test_the_index_url_of_an_org():
    assert index_url("https://wh.example.com/", "acme") == INDEX


def test_a_public_project_needs_no_credentials():
    snippets = by_tool(needs_token=False)
    assert shlex.split(snippets["pip"]) == ["pip", "install", "--index-url", INDEX, "billing"]
    assert all("WHEELHOUSE_TOKEN" not in text for text in snippets.values())


def test_a_private_project_reads_the_token_from_the_environment():
    snippets = by_tool(needs_token=True)
    assert shlex.split(snippets["pip"]) == [
        "pip", "install", "--index-url",
        "https://__token__:$WHEELHOUSE_TOKEN@wh.example.com/acme/simple/", "billing"]
    assert "uv pip install --default-index " \
           '"https://__token__:$WHEELHOUSE_TOKEN@wh.example.com/acme/simple/"' in snippets["uv"]
    assert 'UV_INDEX_WHEELHOUSE_PASSWORD="$WHEELHOUSE_TOKEN"' in snippets["uv"]
    assert 'poetry config http-basic.wheelhouse __token__ "$WHEELHOUSE_TOKEN"' \
        in snippets["poetry"]
    assert 'url = "https://__token__:${WHEELHOUSE_TOKEN}@wh.example.com/acme/simple/"' \
        in snippets["pdm"]


def test_a_release_page_pins_its_version():
    snippets = by_tool(needs_token=False, version="2.0")
    assert shlex.split(snippets["pip"])[-1] == "billing==2.0"
    assert '"billing==2.0"' in snippets["poetry"] and '"billing==2.0"' in snippets["uv"]


def test_with_token():
    assert with_token("http://h/x/simple/") == "http://__token__:$WHEELHOUSE_TOKEN@h/x/simple/"
