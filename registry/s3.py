"""Distribution storage on S3 (the production extra's django-storages), for ``STORAGES``."""

from storages.backends.s3 import S3Storage


class DistributionS3Storage(S3Storage):
    """S3 storage whose presigned download links name ``public_endpoint_url``.

    The web processes may reach the store at an address clients cannot (``http://minio:9000``
    inside a compose network). Links are signed for the address clients use, so a signature
    over the host (SigV4) holds; reads and writes keep using ``endpoint_url``.
    """

    def __init__(self, *, public_endpoint_url: str | None = None, **options):
        super().__init__(**options)
        self.public = (S3Storage(**{**options, "endpoint_url": public_endpoint_url})
                       if public_endpoint_url else None)

    def url(self, name, parameters=None, expire=None, http_method=None):
        signer = super() if self.public is None else self.public
        return signer.url(name, parameters=parameters, expire=expire, http_method=http_method)
