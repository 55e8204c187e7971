"""docker-compose.yml cannot run here (no Docker engine), so check it by reading it."""

import functools
import importlib
import json
import re
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]


def interpolate(value: str, **given: str) -> str:
    """Compose's ``${NAME:-default}`` / ``${NAME:?message}``, with ``given`` as the shell."""
    def substitute(match):
        name, op, rest = match.group(1), match.group(2), match.group(3)
        if name in given:
            return given[name]
        assert op == ":-", f"${{{name}}} must be set"
        return rest

    return re.sub(r"\$\{(\w+)(:[-?])([^}]*)\}", substitute, value)


@functools.cache
def compose_settings() -> list:
    """Settings that the web service gets from compose's environment (and nothing else)."""
    env = {k: interpolate(v, SECRET_KEY="x" * 50)
           for k, v in SERVICES["web"]["environment"].items()}
    probe = ("import django, json; django.setup(); from django.conf import settings as s; "
             "print(json.dumps([s.DATABASES['default']['HOST'], s.CELERY_TASK_ALWAYS_EAGER,"
             " s.STORAGES['distributions']['BACKEND'], s.DEBUG, s.SESSION_COOKIE_SECURE,"
             " s.CSRF_COOKIE_SECURE, s.CELERY_TASK_DEFAULT_QUEUE, s.TRUSTED_PROXY_COUNT,"
             " __import__('registry.storage').storage.distributions().url('a/b.whl')]))")
    result = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True,
                            text=True, timeout=60,
                            env={**env, "DJANGO_SETTINGS_MODULE": "config.settings",
                                 "PATH": "/usr/bin:/bin"})
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def command_of(service: str) -> str:
    command = SERVICES[service]["command"]
    return command if isinstance(command, str) else " ".join(command)


class TestServices:
    def test_has_web_worker_postgres_redis_and_object_store(self):
        assert {"nginx", "web", "worker", "beat", "postgres", "redis", "minio"} <= set(SERVICES)

    def test_web_runs_gunicorn_on_our_wsgi_module(self):
        command = command_of("web")
        module = re.search(r"gunicorn (\S+)", command).group(1)
        assert importlib.import_module(module.replace(":application", "")).application

    def test_web_and_worker_run_our_manage_commands(self):
        commands = re.findall(r"manage\.py (\w+)", command_of("web"))
        from django.core.management import get_commands

        assert commands and set(commands) <= set(get_commands())

    def test_worker_runs_celery_on_our_app_and_queue(self):
        command = command_of("worker")
        app = re.search(r"celery -A (\S+) worker", command).group(1)
        assert importlib.import_module(app).celery_app.main == "wheelhouse"
        queue = re.search(r"-Q (\S+)", command).group(1)
        # The queue the web processes send to under compose's environment (not this shell's).
        assert queue == compose_settings()[6]

    def test_beat_runs_our_periodic_tasks(self):
        command = command_of("beat")
        app = re.search(r"celery -A (\S+) beat", command).group(1)
        celery_app = importlib.import_module(app).celery_app
        celery_app.loader.import_default_modules()  # what a worker does: find the tasks
        schedule = celery_app.conf.beat_schedule
        assert schedule, "nothing for beat to run"
        for entry in schedule.values():
            assert entry["task"] in celery_app.tasks, f"no task named {entry['task']}"
        # The schedule file must be somewhere the image's unprivileged user may write.
        assert re.search(r"-s /tmp/", command)

    def test_every_variable_the_apps_read_is_one_our_settings_know(self):
        env = SERVICES["web"]["environment"]
        assert env == SERVICES["worker"]["environment"] == SERVICES["beat"]["environment"]
        settings_text = (ROOT / "config" / "settings.py").read_text()
        for name in env:
            assert f'"{name}"' in settings_text, f"{name} is not read by config/settings.py"

    def test_environment_configures_production_settings(self):
        expected = ["postgres", False, "registry.s3.DistributionS3Storage", False, True, True]
        assert compose_settings()[:6] == expected

    def test_cookies_are_secure_unless_the_shell_says_otherwise(self):
        env = SERVICES["web"]["environment"]
        assert interpolate(env["SECURE_COOKIES"]) == "1"
        assert interpolate(env["SECURE_COOKIES"], SECURE_COOKIES="0") == "0"

    def test_the_image_holds_its_static_files(self):
        """Collected when the image is built, by root: the server runs as an unprivileged
        user that may not write into /app, and production mode serves only collected files."""
        dockerfile = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
        run = next(line for line in dockerfile.splitlines() if "collectstatic" in line)
        assert run.startswith("RUN ") and "DEBUG=0" in run and "SECRET_KEY=" in run
        assert dockerfile.index("collectstatic") < dockerfile.index("USER wheelhouse")
        assert "collectstatic" not in command_of("web")

    def test_the_image_installs_what_production_needs(self):
        import tomllib

        dockerfile = (ROOT / "Dockerfile").read_text()
        assert re.search(r'pip install [^\n]*"\.\[production\]"', dockerfile)
        production = " ".join(tomllib.loads((ROOT / "pyproject.toml").read_text())
                              ["project"]["optional-dependencies"]["production"])
        env = SERVICES["web"]["environment"]
        assert env["DATABASE_URL"].startswith("postgres") and "psycopg" in production
        assert env["STORAGE_BACKEND"] == "s3" and "django-storages[s3]" in production
        assert "gunicorn" in command_of("web") and "gunicorn" in production

    def test_dockerfile_copies_every_app(self, settings):
        dockerfile = (ROOT / "Dockerfile").read_text()
        apps = [app for app in settings.INSTALLED_APPS if (ROOT / app).is_dir()]
        assert "web" in apps
        for part in ("config", *apps, "templates", "manage.py"):
            assert f"COPY {part}" in dockerfile


def gunicorn_settings(argv: list[str]):
    """gunicorn's own reading of a command line (after the program name)."""
    from gunicorn.config import Config

    config = Config()
    parsed = config.parser().parse_args(argv)
    for name, value in vars(parsed).items():
        if value is not None and name != "args":
            config.set(name.lower(), value)
    return config, parsed.args


class TestWebServerConfiguration:
    """An upload request waits in its web process for a worker's verdict: single-threaded
    processes would let a few uploads in flight queue every read behind them."""

    def web_commands(self) -> dict[str, list[str]]:
        compose = re.search(r"gunicorn (.*?)\"?$", command_of("web")).group(1)
        dockerfile = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")  # continued lines
        cmd = re.search(r"^CMD (\[.*\])$", dockerfile, re.M)
        return {"docker-compose.yml": compose.split(),
                "Dockerfile": json.loads(cmd.group(1))[1:]}

    def test_web_processes_run_threads(self):
        for where, argv in self.web_commands().items():
            config, app = gunicorn_settings(argv)
            assert app == ["config.wsgi"], where
            assert config.worker_class_str == "gthread" and config.threads >= 2, where
            assert config.timeout >= 120, where  # longer than an upload may wait plus parsing


class TestImages:
    def test_every_image_is_pinned_to_a_release(self):
        for name, service in SERVICES.items():
            if "image" not in service:
                assert "build" in service, name
                continue
            image, _, tag = service["image"].rpartition(":")
            assert image and tag != "latest", f"{name}: {service['image']} is not pinned"
            assert re.fullmatch(r"\d+\.\d+(\.\d+)?(-\w+)?|RELEASE\.[\dT-]+Z", tag), name

    def test_the_dockerfile_base_is_pinned_to_a_release(self):
        base = re.search(r"^FROM (\S+)$", (ROOT / "Dockerfile").read_text(), re.M).group(1)
        assert re.fullmatch(r"python:3\.\d+\.\d+-slim-\w+", base), base


def dockerfile_runs() -> list[tuple[str, str]]:
    """The Dockerfile's instructions, continued lines joined: (instruction, rest)."""
    text = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    return [tuple(line.split(" ", 1)) for line in text.splitlines()
            if line and not line.startswith("#")]


class TestWhoWritesWhat:
    """The image runs as an unprivileged user: whatever a command writes must be writable by
    that user, and what only root may write is written when the image is built."""

    def test_the_server_user_owns_the_folders_local_storage_writes(self, tmp_path):
        steps = dockerfile_runs()
        user = next(rest for op, rest in steps if op == "USER")
        workdir = next(rest for op, rest in steps if op == "WORKDIR")
        owned = re.search(rf"install -d -o {user} ([^&]+)", (ROOT / "Dockerfile").read_text()
                          .replace("\\\n", " ")).group(1).split()
        # Where the settings put local files and staged uploads, with the image's layout.
        env = {"PATH": "/usr/bin:/bin", "SECRET_KEY": "k" * 50}
        probe = ("import django, json; django.setup(); from django.conf import settings as s;"
                 " print(json.dumps([str(s.STORAGES[a]['OPTIONS']['location'])"
                 " for a in ('distributions', 'staging')]))")
        result = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True,
                                text=True, timeout=60,
                                env={**env, "DJANGO_SETTINGS_MODULE": "config.settings",
                                     "WHEELHOUSE_VAR_DIR": f"{workdir}/var"})
        assert result.returncode == 0, result.stderr
        assert set(json.loads(result.stdout)) <= set(owned)

    def test_commands_write_only_where_the_user_may(self):
        for name in ("web", "worker", "beat"):
            command = command_of(name)
            assert "collectstatic" not in command, name  # root's job, at build time
            for path in re.findall(r"(?:-s|--schedule|--pidfile|--logfile) (\S+)", command):
                assert path.startswith("/tmp/"), (name, path)

    def test_web_and_worker_run_as_the_image_user(self):
        for name in ("web", "worker", "beat"):
            assert "user" not in SERVICES[name], f"{name} must keep the image's own user"


class TestNginx:
    def test_nginx_alone_is_published_in_front_of_web(self):
        assert "ports" not in SERVICES["web"]
        assert SERVICES["nginx"]["ports"] == ["8000:80"]
        assert SERVICES["nginx"]["depends_on"]["web"]["condition"] == "service_healthy"

    def test_nginx_renders_our_template_with_every_variable_set(self):
        from tests.deploy.nginx import TEMPLATE, template_variables

        source, target, _mode = SERVICES["nginx"]["volumes"][0].split(":")
        assert (ROOT / source).resolve() == TEMPLATE.parent and target == "/etc/nginx/templates"
        env = SERVICES["nginx"]["environment"]
        assert set(env) == template_variables()
        assert env["WHEELHOUSE_LISTEN"] == "80"
        port = re.search(r"-b 0\.0\.0\.0:(\d+)", command_of("web")).group(1)
        assert env["WHEELHOUSE_UPSTREAM"] == f"web:{port}"

    def test_the_body_limit_lets_the_largest_allowed_upload_through(self):
        from django.conf import settings

        size = SERVICES["nginx"]["environment"]["WHEELHOUSE_MAX_BODY"]
        number, unit = re.fullmatch(r"(\d+)([km]?)", size).groups()
        limit = int(number) * {"": 1, "k": 1024, "m": 1024 * 1024}[unit]
        cap = settings.UPLOAD_MAX_FILE_SIZE_CAP
        assert cap < limit <= cap + 2 * settings.DATA_UPLOAD_MAX_MEMORY_SIZE

    def test_the_web_processes_trust_exactly_nginx(self):
        assert compose_settings()[7] == 1


class TestPublicLinks:
    def test_download_links_name_the_published_store_not_the_compose_host(self):
        link = compose_settings()[8]
        assert link.startswith("http://localhost:9000/wheelhouse/files/a/b.whl?"), link
        assert "9000:9000" in SERVICES["minio"]["ports"]

    def test_the_public_endpoint_follows_the_shell(self):
        env = SERVICES["web"]["environment"]
        value = env["AWS_S3_PUBLIC_ENDPOINT_URL"]
        assert interpolate(value, AWS_S3_PUBLIC_ENDPOINT_URL="https://s3.example.com") == (
            "https://s3.example.com")


def readme_compose_commands() -> list[list[str]]:
    import shlex

    readme = (ROOT / "README.md").read_text()
    production = readme[readme.index("## Production"):readme.index("### nginx")]
    return [shlex.split(line.split("#")[0])[7:] for line in production.splitlines()
            if line.startswith("docker compose run --rm web python manage.py ")]


class TestFirstUser:
    def test_the_readme_makes_an_org_and_its_owner(self, db):
        from django.core.management import call_command, get_commands

        from accounts.models import Membership

        commands = readme_compose_commands()
        names = [args[0] for args in commands]
        assert names[:2] == ["createorg", "addmember"]
        assert set(names) <= set(get_commands())
        for args in commands[:2]:  # the others ask for a password
            call_command(*args)
        org, username = commands[1][1], commands[1][2]
        membership = Membership.objects.get(org__slug=org, user__username=username)
        assert membership.role == "owner" and membership.user.email
