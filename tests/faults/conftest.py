import pytest

from tests.faults.harness import RedisServer, Registry


@pytest.fixture
def redis_server(tmp_path):
    server = RedisServer(tmp_path).start()
    yield server
    server.kill()


@pytest.fixture
def registry(tmp_path, redis_server):
    """A live registry on the test's own Redis (and the suite's database)."""
    live = Registry(tmp_path, redis_server).start()
    try:
        yield live
    finally:
        live.stop()
