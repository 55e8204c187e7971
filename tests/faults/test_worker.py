"""A Celery worker SIGKILLed (with its pool process) while it validates an upload."""

import os
import threading

import redis

from tests.corpus import build_wheel
from tests.faults.harness import public_org, wait_for


class TestWorkerKilledMidTask:
    def test_a_retry_takes_over_at_once(self, tmp_path, registry, redis_server):
        token = public_org(registry)
        # Big enough that validating it takes a moment to catch the worker in.
        path = build_wheel(tmp_path, "heavy", "1.0", files={
            "heavy/__init__.py": b"", "heavy/blob.bin": os.urandom(40 * 1024 * 1024)})
        answers = []
        first = threading.Thread(target=lambda: answers.append(
            registry.upload("acme", token, path, "heavy", "1.0", timeout=60)))
        first.start()
        client = redis.Redis.from_url(redis_server.url + "/0")
        wait_for(lambda: any(client.get(key) != b"done"
                             for key in client.scan_iter(match="*upload-claim:*")),
                 60, "the worker validating the upload")
        registry.kill_worker()
        first.join(60)
        assert answers[0].status_code == 503, answers[0].text  # waited in vain

        registry.start_worker()  # as a supervisor would
        retry = registry.upload("acme", token, path, "heavy", "1.0", timeout=60)
        assert retry.status_code == 200, retry.text + registry.log_tail()
        assert registry.get("/acme/simple/heavy/").status_code == 200
