"""The container as it is deployed: the Dockerfile's and docker-compose.yml's commands, run as they are
written (outside Docker: no image can be built or pulled here), and the compose file's shape."""

import contextlib
import json
import os
import re
import shutil
import subprocess
import sys
import time

import pytest
import redis
import yaml

from bench.servers import ending_with_this_process, free_port

from .conftest import ROOT
from .instances import Instance, http_get

COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
DOCKERFILE = (ROOT / "Dockerfile").read_text()


def dockerfile_command(instruction):
    """The exec-form command of the Dockerfile's last `instruction` (CMD, or HEALTHCHECK's CMD)."""
    [*_, line] = [line for line in DOCKERFILE.splitlines() if line.startswith(instruction)]
    return json.loads(line[line.index("CMD") + 3 :])


def as_run_here(command):
    """A container command run by this checkout's Python (the image's PATH has its virtualenv first)."""
    executable, *arguments = command
    if executable == "python":
        return [sys.executable, *arguments]
    return [sys.executable, "-m", executable, *arguments]


@pytest.fixture
def instance(tmp_path, sqlite_databases):
    return Instance.copy_of(sqlite_databases["empty"], tmp_path)


def test_the_images_server_and_health_check_run_as_written(instance):
    port = free_port()
    env = instance.env | {"BIND": f"0.0.0.0:{port}"}
    assert dockerfile_command("CMD") == ["gunicorn", "--config", "python:spacedevs.gunicorn_config"]
    server = subprocess.Popen(
        as_run_here(dockerfile_command("CMD")),
        cwd=ROOT,
        env=env,
        stderr=subprocess.DEVNULL,
        preexec_fn=ending_with_this_process(),
    )
    try:
        probe = as_run_here(dockerfile_command("HEALTHCHECK"))
        for _ in range(100):
            if subprocess.run(probe, cwd=ROOT, env=env).returncode == 0:
                break
        else:
            pytest.fail("the image's health check never passed")
        assert http_get(f"http://127.0.0.1:{port}/ready/").json() == {"status": "ok"}
    finally:
        server.terminate()
        server.wait(10)
    assert subprocess.run(probe, cwd=ROOT, env=env).returncode == 1  # nothing listens any more


def test_the_composed_services_commands_run_as_written(instance):
    migrate = as_run_here(COMPOSE["services"]["migrate"]["command"])
    assert subprocess.run(migrate, cwd=ROOT, env=instance.env, capture_output=True).returncode == 0
    # The sync's arguments parse (`--status` reports instead of syncing: no upstream is reachable here).
    sync = as_run_here([*COMPOSE["services"]["sync"]["command"], "--status"])
    result = subprocess.run(sync, cwd=ROOT, env=instance.env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert COMPOSE["services"]["web"]["healthcheck"]["test"] == ["CMD", *dockerfile_command("HEALTHCHECK")]


def test_the_compose_file_runs_the_whole_service():
    services = COMPOSE["services"]
    assert set(services) == {"db", "redis", "migrate", "web", "sync"}
    for name in ("migrate", "web", "sync"):
        assert (services[name]["build"], services[name]["env_file"]) == (".", "production.env")
    assert services["web"]["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}
    assert services["migrate"]["depends_on"]["db"] == {"condition": "service_healthy"}
    assert all("healthcheck" in services[name] for name in ("db", "redis", "web"))
    # PostgreSQL is ready when it answers over TCP, as the others connect (not on its socket alone, as during
    # the image's first start); the image's check asks the web server, which the others do not run.
    assert services["db"]["healthcheck"]["test"][:4] == ["CMD", "pg_isready", "--host", "127.0.0.1"]
    assert services["migrate"]["healthcheck"] == services["sync"]["healthcheck"] == {"disable": True}
    assert "postgres-data:/var/lib/postgresql/data" in services["db"]["volumes"]


@pytest.mark.skipif(
    not shutil.which("redis-server") and not os.environ.get("SPACEDEVS_EXPECT_REDIS"),
    reason="needs Debian's redis-server (bin/test installs it)",
)
def test_the_composed_redis_is_bounded_and_lets_the_least_recently_used_keys_go(tmp_path):
    port = free_port()
    here = ["--bind", "127.0.0.1", "--port", str(port), "--dir", str(tmp_path), "--save", ""]
    server = subprocess.Popen([*COMPOSE["services"]["redis"]["command"], *here], stdout=subprocess.DEVNULL)
    client = redis.Redis(port=port, socket_timeout=5)
    try:
        for _ in range(100):
            with contextlib.suppress(redis.ConnectionError):
                client.ping()
                break
            time.sleep(0.05)
        assert client.config_get("maxmemory-policy") == {"maxmemory-policy": "allkeys-lru"}
        assert client.config_get("maxmemory") == {"maxmemory": str(256 * 1024 * 1024)}
    finally:
        client.close()
        server.terminate()
        server.wait(10)


def test_every_variable_the_deployment_sets_is_documented():
    readme = (ROOT / "README.md").read_text()
    documented = set(re.findall(r"`([A-Z][A-Z0-9_]+)`", readme))
    production = {
        line.split("=")[0] for line in (ROOT / "production.env").read_text().splitlines() if "=" in line
    }
    composed = set(COMPOSE["x-app"]["environment"])
    assert (production | composed) - {"LL2_API_TOKEN"} <= documented
    assert "LL2_API_TOKEN" in readme


def has_docker_compose():
    if not shutil.which("docker"):
        return False
    return subprocess.run(["docker", "compose", "version"], capture_output=True).returncode == 0


@pytest.mark.skipif(
    not has_docker_compose(), reason="no Docker Compose here: the commands are run as written"
)
def test_docker_compose_accepts_the_file():
    env = os.environ | {"SECRET_KEY": "x" * 50, "ALLOWED_HOSTS": "api.example.org", "POSTGRES_PASSWORD": "x"}
    result = subprocess.run(
        ["docker", "compose", "config", "--quiet"], cwd=ROOT, env=env, capture_output=True
    )
    assert result.returncode == 0, result.stderr
