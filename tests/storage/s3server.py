"""moto's S3 server on 127.0.0.1: a real process that tests start, fill and kill.

Also a pytest plugin (``-p tests.storage.s3server``): when the run is asked for
``STORAGE_BACKEND=s3`` with no ``AWS_S3_ENDPOINT_URL``, it starts a server and a bucket
before Django reads its settings, so the live registries of the end-to-end tests (which
inherit the environment) store their files in it. ``.ci/run``'s S3 pass does this.
"""

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field

import pytest

from tests.live import free_port

CREDENTIALS = {"AWS_ACCESS_KEY_ID": "wheelhouse-test", "AWS_SECRET_ACCESS_KEY": "wheelhouse-test",
               "AWS_S3_REGION_NAME": "us-east-1"}


@dataclass
class S3Server:
    port: int = 0
    process: subprocess.Popen | None = None
    buckets: list[str] = field(default_factory=list)

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> "S3Server":
        self.port = self.port or free_port()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.port)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(self.endpoint + "/moto-api/", timeout=2):
                    return self
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                if self.process.poll() is not None:
                    raise RuntimeError("moto's server exited at start") from None
                time.sleep(0.1)
        raise RuntimeError("moto's server did not answer in 30 s")

    def kill(self) -> None:
        """Stop the server at once, as a crashed or unreachable store would be."""
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)

    def client(self):
        import boto3

        return boto3.client("s3", endpoint_url=self.endpoint,
                            region_name=CREDENTIALS["AWS_S3_REGION_NAME"],
                            aws_access_key_id=CREDENTIALS["AWS_ACCESS_KEY_ID"],
                            aws_secret_access_key=CREDENTIALS["AWS_SECRET_ACCESS_KEY"])

    def bucket(self) -> str:
        name = f"wh-{uuid.uuid4().hex[:12]}"
        self.client().create_bucket(Bucket=name)
        return name

    def keys(self, bucket: str) -> set[str]:
        listing = self.client().list_objects_v2(Bucket=bucket)
        return {item["Key"] for item in listing.get("Contents", [])}

    def environment(self, bucket: str) -> dict[str, str]:
        """What a deployment sets to store its files in ``bucket`` here."""
        return {"STORAGE_BACKEND": "s3", "AWS_STORAGE_BUCKET_NAME": bucket,
                "AWS_S3_ENDPOINT_URL": self.endpoint, **CREDENTIALS}


@pytest.hookimpl(wrapper=True)
def pytest_load_initial_conftests(early_config, parser, args):
    # A wrapper, so this runs before pytest-django reads the settings.
    if os.environ.get("STORAGE_BACKEND") == "s3" and not os.environ.get("AWS_S3_ENDPOINT_URL"):
        server = S3Server().start()
        early_config.add_cleanup(server.kill)
        os.environ.update(server.environment(server.bucket()))
    return (yield)
