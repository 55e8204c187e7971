from django.apps import AppConfig


class UploadsConfig(AppConfig):
    name = "uploads"
    verbose_name = "Uploads"

    def ready(self) -> None:
        from uploads import worker  # noqa: F401 - connects the worker's resource limits
