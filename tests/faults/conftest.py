import pytest

from tests.faults.harness import RedisServer, Registry, TcpProxy, postgres_url


@pytest.fixture
def redis_server(tmp_path):
    """A Redis of the test's own, killed at the end."""
    server = RedisServer(tmp_path).start()
    yield server
    server.kill()


@pytest.fixture(scope="package")
def live_redis(tmp_path_factory):
    """The Redis of the live registry below (tests kill and restart it)."""
    server = RedisServer(tmp_path_factory.mktemp("redis")).start()
    yield server
    server.kill()


@pytest.fixture(scope="package")
def registry(tmp_path_factory, live_redis):
    """A live registry (gunicorn, a Celery worker) on ``live_redis`` and the suite's
    database; each test uses an org of its own. A test that kills Redis or the worker
    starts it again."""
    live = Registry(tmp_path_factory.mktemp("registry"), live_redis).start()
    try:
        yield live
    finally:
        live.stop()


@pytest.fixture(scope="package")
def proxy():
    """A TCP proxy to the suite's Postgres (the tests skip without one)."""
    url = postgres_url()
    host, _, port = url.split("@")[-1].split("/")[0].partition(":")
    return TcpProxy((host or "127.0.0.1", int(port or 5432)))


@pytest.fixture(scope="package")
def proxied(tmp_path_factory, proxy):
    """A live registry whose every connection to Postgres goes through ``proxy``."""
    server = RedisServer(tmp_path_factory.mktemp("redis-pg")).start()
    live = Registry(tmp_path_factory.mktemp("proxied"), server, database_proxy=proxy,
                    DATABASE_CONNECT_TIMEOUT="2").start()
    try:
        yield live
    finally:
        proxy.restore()
        live.stop()
        server.kill()
