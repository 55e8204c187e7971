"""An upload handler that hashes the file while it streams to a temporary file."""

import hashlib

from django.core.files.uploadhandler import SkipFile, TemporaryFileUploadHandler


class HashingUploadHandler(TemporaryFileUploadHandler):
    """Computes md5, sha256 and blake2b-256 chunk by chunk; skips files over ``max_size``."""

    def __init__(self, request=None, *, max_size: int):
        super().__init__(request)
        self.max_size = max_size
        self.too_large = False

    def new_file(self, field_name, *args, **kwargs):
        super().new_file(field_name, *args, **kwargs)
        self.size = 0
        self.hashes = {
            "md5": hashlib.md5(usedforsecurity=False),
            "sha256": hashlib.sha256(),
            "blake2_256": hashlib.blake2b(digest_size=32),
        }

    def receive_data_chunk(self, raw_data, start):
        self.size += len(raw_data)
        if self.size > self.max_size:
            self.too_large = True
            self.file.close()
            raise SkipFile()
        for digest in self.hashes.values():
            digest.update(raw_data)
        return super().receive_data_chunk(raw_data, start)

    def file_complete(self, file_size):
        file = super().file_complete(file_size)
        if file is not None:
            file.digests = {name: h.hexdigest() for name, h in self.hashes.items()}
        return file
