"""Django's Redis cache backend, keeping one client per connection pool.

Django builds a new ``redis.Redis`` on every cache call, and its constructor registers some
170 response callbacks: on a cached index page that cost more CPU than the round trip itself.
The client is thread-safe (connections come from the pool), so one per pool is enough.
"""

from django.core.cache.backends.redis import RedisCache, RedisCacheClient


class PooledRedisCacheClient(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            client = self._client(connection_pool=self._get_connection_pool(index))
            self._clients[index] = client
        return client


class PooledRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = PooledRedisCacheClient
