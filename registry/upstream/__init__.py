"""Upstream indexes: names an org does not own, proxied from upstream simple indexes (§6a).

``guard`` decides which names may fall through (pure), ``pages`` parses and rewrites upstream
pages (pure), ``fetch`` talks to upstreams (timeouts, circuit breaker), ``proxy`` serves pages
and files under the org's URLs, ``services`` and ``selectors`` write and read the settings.
"""
