from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "registry"
    verbose_name = "Registry"

    def ready(self):
        from registry import usage  # noqa: F401 - connects the size counters' signals
        from registry.upstream import receivers, tasks  # noqa: F401 - held names, eviction
