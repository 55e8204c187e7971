"""The client configuration shown with a new token: the README's own shapes, the token in."""

import re

from tests.live import ROOT
from web.token_config import client_configs

README = (ROOT / "README.md").read_text()
BASE = "http://127.0.0.1:8000"  # as the README writes it, with ORG for the org


def section(title: str) -> str:
    return re.search(rf"^## {title}\n(.*?)(?=^## )", README, re.S | re.M).group(1)


def parts(token: str = "whk_...", can_upload: bool = True) -> dict[str, str]:
    configs = client_configs(base=BASE, org_slug="ORG", token=token, can_upload=can_upload)
    return {part.id: part.text for config in configs for part in config.parts}


class TestAsTheReadmeWritesThem:
    def test_pypirc(self):
        readme = re.search(r"```ini\n(.*?)```", section("Uploading"), re.S).group(1)
        assert parts()["pypirc"] == readme

    def test_the_pip_command(self):
        readme = re.search(r"^pip install .*$", section("Installing"), re.M).group(0)
        assert parts("$TOKEN")["pip-command"] == readme

    def test_the_uv_index_and_its_variables(self):
        installing = section("Installing")
        table = re.search(r"```toml\n(.*?)```", installing, re.S).group(1)
        assert parts(can_upload=False)["uv-index"] == table
        for variable in re.findall(r"`(UV_INDEX_\w+)=", installing):
            assert f"export {variable}=" in parts()["uv-env"]
        assert "export UV_INDEX_WHEELHOUSE_PASSWORD=whk_...\n" in parts()["uv-env"]

    def test_the_poetry_upload_repository(self):
        publish = parts()["poetry-publish"].splitlines()[0]
        assert publish in section("Uploading").splitlines()


class TestWhatIsShown:
    def test_every_text_carries_the_token_or_reads_it_from_the_environment(self):
        for name, text in parts("whk_abc_xyz").items():
            assert "whk_abc_xyz" in text or name in ("uv-index", "uv-publish",
                                                     "poetry-publish"), name

    def test_install_from_simple_upload_to_legacy(self):
        shown = parts("whk_t")
        assert shown["pip-conf"] == \
            "[global]\nindex-url = http://__token__:whk_t@127.0.0.1:8000/ORG/simple/\n"
        assert "repository = http://127.0.0.1:8000/ORG/legacy/" in shown["pypirc"]
        assert 'publish-url = "http://127.0.0.1:8000/ORG/legacy/"' in shown["uv-index"]
        assert "poetry source add --priority=explicit wheelhouse " \
               "http://127.0.0.1:8000/ORG/simple/" in shown["poetry-source"]

    def test_a_read_token_gets_no_upload_configuration(self):
        shown = parts(can_upload=False)
        assert set(shown) == {"pip-conf", "pip-command", "uv-index", "uv-env", "poetry-source"}
        assert "legacy" not in "".join(shown.values())
