"""A Celery worker SIGKILLed while it validates an upload: its pool process alone (as the
kernel's OOM killer does), or the whole worker with it."""

import os
import signal
import threading
from pathlib import Path

import pytest

from tests.corpus import build_wheel
from tests.faults.harness import public_org, wait_for


def _heavy(tmp_path: Path, name: str) -> Path:
    """A wheel big enough that validating it takes a moment to catch the worker in."""
    return build_wheel(tmp_path, name, "1.0", files={
        f"{name}/__init__.py": b"", f"{name}/blob.bin": os.urandom(40 * 1024 * 1024)})


def _upload_taken(registry, org: str, token: str, path: Path, name: str) -> tuple:
    """Upload in a thread; returns (thread, answers) once the worker has taken the task
    (it is acknowledged only when the task ends)."""
    seen = len(registry.worker_log())
    answers = []
    thread = threading.Thread(target=lambda: answers.append(
        registry.upload(org, token, path, name, "1.0", timeout=60)))
    thread.start()
    wait_for(lambda: "validate_upload" in registry.worker_log()[seen:]
             and "received" in registry.worker_log()[seen:], 60, "the worker taking the task")
    return thread, answers


def _pool_process(pid: int) -> int:
    children = Path(f"/proc/{pid}/task/{pid}/children")
    if not children.exists():
        pytest.skip("needs /proc to find the worker's pool process")
    return int(wait_for(lambda: children.read_text().split(), 10, "a pool process")[0])


class TestWorkerKilledMidTask:
    def test_a_killed_pool_process_gives_the_task_back(self, tmp_path, registry):
        token = public_org(registry, "oom")
        thread, answers = _upload_taken(registry, "oom", token, _heavy(tmp_path, "oom"), "oom")
        os.kill(_pool_process(registry.worker.pid), signal.SIGKILL)
        thread.join(60)
        # Delivered again to the worker's next pool process, within the request's wait.
        assert answers[0].status_code == 200, answers[0].text + registry.log_tail()
        assert registry.get("/oom/simple/oom/").status_code == 200

    def test_a_retry_takes_over_from_a_dead_worker_at_once(self, tmp_path, registry):
        token = public_org(registry, "heavy")
        path = _heavy(tmp_path, "heavy")
        thread, answers = _upload_taken(registry, "heavy", token, path, "heavy")
        registry.kill_worker()
        thread.join(60)
        assert answers[0].status_code == 503, answers[0].text  # waited in vain

        registry.start_worker()  # as a supervisor would
        retry = registry.upload("heavy", token, path, "heavy", "1.0", timeout=60)
        assert retry.status_code == 200, retry.text + registry.log_tail()
        assert registry.get("/heavy/simple/heavy/").status_code == 200
