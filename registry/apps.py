from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "registry"
    verbose_name = "Registry"

    def ready(self):
        # Celery finds tasks in the apps' own tasks modules; the upstream's live one deeper.
        from registry.upstream import tasks  # noqa: F401
