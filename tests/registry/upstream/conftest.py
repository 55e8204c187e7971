import pytest

from tests.corpus import build_wheel
from tests.registry.upstream.index_server import StaticIndex, wheel_dist


@pytest.fixture
def upstream_index(tmp_path):
    """A live static upstream index holding ``requests`` 2.0 and ``acme-utils`` 9.0."""
    index = StaticIndex()
    index.add(wheel_dist(build_wheel(tmp_path, "requests", "2.0"), requires_python=">=3.8"))
    index.add(wheel_dist(build_wheel(tmp_path, "acme-utils", "9.0")))
    index.start()
    yield index
    index.stop()


@pytest.fixture(autouse=True)
def _upstream_settings(settings):
    settings.UPSTREAM_DEFAULT_URLS = []
    settings.UPSTREAM_CONNECT_TIMEOUT = 2
    settings.UPSTREAM_READ_TIMEOUT = 5
    settings.UPSTREAM_BLOCK_PRIVATE_NETWORKS = True
