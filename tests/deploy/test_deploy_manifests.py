"""The deployment files (deploy/compose, deploy/k8s, deploy/Dockerfile) agree with the code.

No Docker engine or cluster is needed: the files are parsed. What they are checked against comes
from the code, never from a copied list: the services and ports from ``SERVICES``, the package
of each service from ``migrate_cli.PACKAGES``, the environment variable names from the fields of
each service's settings class, the one-shot jobs' modules from ``importlib``. When ``kubectl``
(or ``kustomize``) is on the PATH, the rendered overlays are checked as well as the raw files.
"""

from __future__ import annotations

import ast
import fnmatch
import functools
import importlib
import importlib.util
import os
import re
import shutil
import subprocess
import tomllib
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
import yaml
from pydantic import AliasChoices

from fanxiang_common.db.migrate_cli import PACKAGES
from fanxiang_common.settings import SERVICES, ServiceSettings

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
COMPOSE_FILE = DEPLOY / "compose" / "compose.yaml"
K8S = DEPLOY / "k8s"
DOCKERFILE = DEPLOY / "Dockerfile"

MIGRATE_MODULE = "fanxiang_common.db.migrate_cli"
TOPICS_MODULE = "fanxiang_common.kafka.admin_cli"

# Every kind the manifests use, with the apiVersion real clusters serve for it.
API_VERSIONS = {
    "Namespace": "v1",
    "ConfigMap": "v1",
    "Secret": "v1",
    "Service": "v1",
    "PersistentVolumeClaim": "v1",
    "Deployment": "apps/v1",
    "Job": "batch/v1",
    "PodDisruptionBudget": "policy/v1",
    "Kafka": "kafka.strimzi.io/v1beta2",
    "KafkaNodePool": "kafka.strimzi.io/v1beta2",
    "Cluster": "postgresql.cnpg.io/v1",
    "Kustomization": "kustomize.config.k8s.io/v1beta1",
    "Component": "kustomize.config.k8s.io/v1alpha1",
}

Env = dict[str, str]


# ---- what the code says ---------------------------------------------------------------------


@functools.cache
def settings_class(service: str) -> type[ServiceSettings]:
    module = importlib.import_module(f"{PACKAGES[service]}.settings")
    classes = [
        v
        for v in vars(module).values()
        if isinstance(v, type) and issubclass(v, ServiceSettings) and v.service == service
    ]
    assert len(classes) == 1, f"{module.__name__} should define one settings class for {service}"
    return classes[0]


def env_names(cls: type[ServiceSettings]) -> set[str]:
    """The environment variables a settings class reads (its fields' aliases, or prefix + name)."""
    prefix = cls.model_config.get("env_prefix", "")
    names: set[str] = set()
    for name, field in cls.model_fields.items():
        alias = field.validation_alias or field.alias
        if isinstance(alias, str):
            names.add(alias.upper())
        elif isinstance(alias, AliasChoices):
            names.update(c.upper() for c in alias.choices if isinstance(c, str))
        else:
            names.add(f"{prefix}{name}".upper())
    return names


def module_env_reads(module: str) -> set[str]:
    """Names a module reads with os.environ.get / os.environ[...] / os.getenv."""
    spec = importlib.util.find_spec(module)
    assert spec is not None and spec.origin, f"{module} is not importable"
    tree = ast.parse(Path(spec.origin).read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        target: ast.expr | None = None
        if isinstance(node, ast.Call) and node.args:
            func = node.func
            if (isinstance(func, ast.Attribute) and func.attr in {"get", "getenv"}) or (
                isinstance(func, ast.Name) and func.id == "getenv"
            ):
                target = node.args[0]
        elif isinstance(node, ast.Subscript) and ast.unparse(node.value).endswith("environ"):
            target = node.slice
        if isinstance(target, ast.Constant) and isinstance(target.value, str):
            names.add(target.value.upper())
    return names


def allowed_env(service: str | None) -> set[str]:
    """What a container may set: its service's settings, or for the topics job what it reads."""
    if service is not None:
        return env_names(settings_class(service))
    return module_env_reads(TOPICS_MODULE) | env_names(ServiceSettings)


def build_settings(service: str, env: Env) -> ServiceSettings:
    """The settings the service would build from exactly this environment."""
    cls = settings_class(service)
    prefix = cls.model_config.get("env_prefix", "").upper()
    with mock.patch.dict(os.environ):
        for key in list(os.environ):
            if key.upper() in env_names(cls) or (prefix and key.upper().startswith(prefix)):
                del os.environ[key]
        os.environ.update(env)
        return cls()


def check_service_env(service: str, env: Env, where: str) -> ServiceSettings:
    """Names are real settings, required ones are set, and the values make valid settings."""
    unknown = {k for k in env if k.upper() not in allowed_env(service)}
    assert not unknown, f"{where}: {sorted(unknown)} are not settings of {service}"
    for required in ("KAFKA_BOOTSTRAP_SERVERS", "FANXIANG_ENV"):
        assert env.get(required), f"{where}: {required} is not set"
    assert env.get("DATABASE_URL") or env.get(f"{service.upper()}_DATABASE_URL"), (
        f"{where}: neither DATABASE_URL nor {service.upper()}_DATABASE_URL is set"
    )
    settings = build_settings(service, env)
    # A container's loopback is not where Kafka, PostgreSQL or the other services run: no address
    # may be left at (or derived from) a loopback default. (Where a service listens, ``host``, is
    # checked on the services themselves; a migration job listens nowhere.)
    for name, value in settings.model_dump().items():
        if name not in {"host", "database_server_url"} and isinstance(value, str):
            assert "127.0.0.1" not in value and "localhost" not in value, (
                f"{where}: {service}'s {name} is {value!r}; set it for the container"
            )
    return settings


def expected_command(service: str) -> list[str]:
    return ["python", "-m", PACKAGES[service]]


def test_packages_and_job_modules_exist() -> None:
    assert set(PACKAGES) == set(SERVICES)
    for module in [*PACKAGES.values(), MIGRATE_MODULE, TOPICS_MODULE]:
        assert importlib.util.find_spec(module) is not None, f"{module} is not importable"
    for service in SERVICES:
        assert importlib.util.find_spec(f"{PACKAGES[service]}.__main__") is not None
        assert settings_class(service)().port == SERVICES[service]


# ---- docker compose -------------------------------------------------------------------------

_INTERPOLATION = re.compile(r"\$\{(\w+)(?::?[-?]([^}]*))?\}")


def interpolate(value: Any, host: Env | None = None) -> str:
    """Compose's ``${VAR:-default}``: the host's value if ``host`` has one, else the default."""
    host = host or {}
    return _INTERPOLATION.sub(lambda m: host.get(m.group(1), m.group(2) or ""), str(value))


def production_host(text: str) -> Env:
    """What an operator exports to run compose in production: FANXIANG_ENV=production and a
    value for every variable that has no default (the secrets)."""
    host = {"FANXIANG_ENV": "production"}
    for var, default in _INTERPOLATION.findall(text):
        if not default and var not in host:
            host[var] = f"<{var} exported on the host>"
    return host


@functools.cache
def compose() -> dict[str, Any]:
    data = yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))
    assert isinstance(data, dict) and isinstance(data.get("services"), dict)
    return data


def compose_services() -> dict[str, dict[str, Any]]:
    services: dict[str, dict[str, Any]] = compose()["services"]
    return services


def compose_env(svc: dict[str, Any], host: Env | None = None) -> Env:
    env = svc.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) if "=" in item else (item, "") for item in env)
    return {str(k): interpolate(v, host) for k, v in env.items()}


def compose_command(svc: dict[str, Any]) -> list[str]:
    command = svc.get("command")
    return command.split() if isinstance(command, str) else list(command or [])


def compose_depends(svc: dict[str, Any]) -> dict[str, str]:
    depends = svc.get("depends_on") or {}
    if isinstance(depends, list):
        return dict.fromkeys(depends, "service_started")
    return {
        name: (spec or {}).get("condition", "service_started") for name, spec in depends.items()
    }


def compose_by_command(command: list[str]) -> str:
    names = [n for n, s in compose_services().items() if compose_command(s) == command]
    assert len(names) == 1, f"compose should run {' '.join(command)} in one service, not {names}"
    return names[0]


def published(svc: dict[str, Any]) -> dict[int, int]:
    """container port -> host port."""
    out: dict[int, int] = {}
    for entry in svc.get("ports") or []:
        if isinstance(entry, dict):
            out[int(entry["target"])] = int(entry.get("published") or entry["target"])
        else:
            parts = interpolate(entry).split("/")[0].split(":")
            out[int(parts[-1])] = int(parts[-2]) if len(parts) > 1 else int(parts[-1])
    return out


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_compose_runs_each_service_on_its_port(service: str) -> None:
    svc = compose_services().get(service)
    assert svc is not None, f"compose.yaml has no service {service!r}"
    assert compose_command(svc) == expected_command(service)
    settings = check_service_env(service, compose_env(svc), f"compose {service}")
    assert settings.port == SERVICES[service], f"compose {service} listens on {settings.port}"
    assert settings.host == "0.0.0.0"
    assert published(svc).get(SERVICES[service]) == SERVICES[service], (
        f"compose {service} should publish {SERVICES[service]}:{SERVICES[service]}"
    )
    assert settings.migrate_on_start is False, "the migrate job runs first: MIGRATE_ON_START=false"


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_compose_passes_every_production_secret(service: str) -> None:
    """With FANXIANG_ENV=production the settings refuse development secrets, so compose must
    pass through from the host every secret that the service and its migrate job validate."""
    host = production_host(COMPOSE_FILE.read_text(encoding="utf-8"))
    migrate = compose_by_command(["python", "-m", MIGRATE_MODULE, service])
    for name in (service, migrate):
        env = compose_env(compose_services()[name], host)
        try:
            settings = check_service_env(service, env, f"compose {name} in production")
        except ValueError as exc:  # pydantic's ValidationError
            pytest.fail(f"compose {name} cannot start with FANXIANG_ENV=production: {exc}")
        assert settings.environment == "production"


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_compose_healthcheck_hits_readyz(service: str) -> None:
    health = compose_services()[service].get("healthcheck") or {}
    test = health.get("test")
    text = " ".join(test) if isinstance(test, list) else str(test)
    urls = re.findall(r"https?://(?:127\.0\.0\.1|localhost):(\d+)(/[\w/]*)", text)
    assert urls == [(str(SERVICES[service]), "/readyz")], f"{service} healthcheck: {text}"


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_compose_jobs_run_before_each_service(service: str) -> None:
    services = compose_services()
    migrate = compose_by_command(["python", "-m", MIGRATE_MODULE, service])
    topics = compose_by_command(["python", "-m", TOPICS_MODULE])
    check_service_env(service, compose_env(services[migrate]), f"compose {migrate}")
    depends = compose_depends(services[service])
    assert depends.get(migrate) == "service_completed_successfully"
    assert depends.get(topics) == "service_completed_successfully"
    kafka = kafka_service_name()
    assert depends.get(kafka) == "service_healthy"
    assert compose_depends(services[topics]).get(kafka) == "service_healthy"
    postgres = [n for n, s in services.items() if str(s.get("image", "")).startswith("postgres:")]
    assert len(postgres) == 1 and "healthcheck" in services[postgres[0]]
    assert compose_depends(services[migrate]).get(postgres[0]) == "service_healthy"
    for job in (migrate, topics):
        assert str(services[job].get("restart", "no")) == "no", f"{job} is a one-shot job"


def test_compose_topics_job_env() -> None:
    topics = compose_services()[compose_by_command(["python", "-m", TOPICS_MODULE])]
    env = compose_env(topics)
    unknown = set(env) - allowed_env(None)
    assert not unknown, f"the topics job sets {sorted(unknown)}, which nothing reads"
    assert env.get("KAFKA_BOOTSTRAP_SERVERS")


def kafka_service_name() -> str:
    names = [
        n
        for n, s in compose_services().items()
        if str(s.get("image", "")).startswith("apache/kafka")
    ]
    assert len(names) == 1, "compose.yaml should run one official apache/kafka container"
    return names[0]


def _listeners(value: str) -> dict[str, tuple[str, int]]:
    out = {}
    for item in filter(None, (v.strip() for v in value.split(","))):
        name, address = item.split("://", 1)
        host, port = address.rsplit(":", 1)
        out[name] = (host, int(port))
    return out


def test_compose_kafka_bootstrap_is_an_advertised_listener() -> None:
    name = kafka_service_name()
    kafka = compose_services()[name]
    env = compose_env(kafka)
    assert set(env["KAFKA_PROCESS_ROLES"].split(",")) == {"broker", "controller"}
    assert env.get("CLUSTER_ID"), "KRaft needs CLUSTER_ID"
    assert env.get("KAFKA_AUTO_CREATE_TOPICS_ENABLE") == "false", "topics are created explicitly"
    listeners = _listeners(env["KAFKA_LISTENERS"])
    advertised = _listeners(env["KAFKA_ADVERTISED_LISTENERS"])
    protocols = dict(p.split(":") for p in env["KAFKA_LISTENER_SECURITY_PROTOCOL_MAP"].split(","))
    for listener, (_, port) in advertised.items():
        assert listeners.get(listener, ("", -1))[1] == port, f"{listener} is not listened on"
        assert protocols.get(listener) == "PLAINTEXT"
    controller = env["KAFKA_CONTROLLER_LISTENER_NAMES"]
    voter_host, voter_port = env["KAFKA_CONTROLLER_QUORUM_VOTERS"].split("@")[1].rsplit(":", 1)
    assert (voter_host, int(voter_port)) == (name, listeners[controller][1])
    inside = {addr for addr in advertised.values() if addr[0] == name}
    assert inside, f"no listener is advertised as {name}:<port> for the other containers"
    outside = {addr for addr in advertised.values() if addr[0] in {"localhost", "127.0.0.1"}}
    assert any(published(kafka).get(port) == port for _, port in outside), (
        "the host listener should be published on the same port"
    )
    users = {n: compose_env(s) for n, s in compose_services().items() if n != name}
    bootstraps = {
        n: e["KAFKA_BOOTSTRAP_SERVERS"] for n, e in users.items() if "KAFKA_BOOTSTRAP_SERVERS" in e
    }
    assert bootstraps, "no container is told where Kafka is"
    for user, value in bootstraps.items():
        for address in value.split(","):
            host, _, port_text = address.strip().rpartition(":")
            assert (host, int(port_text)) in inside, f"{user}: {address} is not advertised by Kafka"


def test_compose_app_containers_share_one_image_built_from_the_dockerfile() -> None:
    app = {
        n: s for n, s in compose_services().items() if compose_command(s)[:2] == ["python", "-m"]
    }
    assert len(app) >= len(SERVICES) + 2
    assert len({interpolate(s.get("image")) for s in app.values()}) == 1
    for name, svc in app.items():
        build = svc.get("build")
        assert isinstance(build, dict), f"{name} has no build section"
        context = (COMPOSE_FILE.parent / build.get("context", ".")).resolve()
        assert context == ROOT, f"{name}: the build context should be the repository root"
        assert (context / build.get("dockerfile", "Dockerfile")).resolve() == DOCKERFILE


# ---- Kubernetes -----------------------------------------------------------------------------


def load_docs(path: Path) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if d]


def k8s_files() -> list[Path]:
    return sorted(p for p in K8S.rglob("*") if p.suffix in {".yaml", ".yml"})


def kustomize_command() -> list[str] | None:
    if shutil.which("kustomize"):
        return ["kustomize", "build"]
    if shutil.which("kubectl"):
        return ["kubectl", "kustomize"]
    return None


@functools.cache
def manifest_set(name: str) -> tuple[dict[str, Any], ...]:
    """``files``: every resource in deploy/k8s; ``dev``/``prod``: an overlay, rendered."""
    if name == "files":
        docs = [d for p in k8s_files() for d in load_docs(p)]
        return tuple(d for d in docs if not d.get("apiVersion", "").startswith("kustomize."))
    command = kustomize_command()
    if command is None:
        pytest.skip("neither kustomize nor kubectl is installed to render the overlays")
    out = subprocess.run(
        [*command, str(K8S / "overlays" / name)], capture_output=True, text=True, check=False
    )
    assert out.returncode == 0, f"kustomize failed for overlays/{name}:\n{out.stderr}"
    return tuple(d for d in yaml.safe_load_all(out.stdout) if d)


@pytest.fixture(params=["files", "dev", "prod"])
def k8s(request: pytest.FixtureRequest) -> tuple[dict[str, Any], ...]:
    return manifest_set(request.param)


def find(
    docs: tuple[dict[str, Any], ...], kind: str, name: str | None = None
) -> list[dict[str, Any]]:
    return [
        d for d in docs if d.get("kind") == kind and (name is None or d["metadata"]["name"] == name)
    ]


def one(docs: tuple[dict[str, Any], ...], kind: str, name: str | None = None) -> dict[str, Any]:
    found = find(docs, kind, name)
    assert len(found) == 1, f"expected one {kind} {name or ''}, found {len(found)}"
    return found[0]


def pod_spec(workload: dict[str, Any]) -> dict[str, Any]:
    spec: dict[str, Any] = workload["spec"]["template"]["spec"]
    return spec


def container_env(docs: tuple[dict[str, Any], ...], container: dict[str, Any]) -> Env:
    """The container's environment; secret values become placeholders."""
    env: Env = {}
    for source in container.get("envFrom") or []:
        ref = source.get("configMapRef")
        assert ref is not None, "only ConfigMaps are expected in envFrom (secrets go by key)"
        data = one(docs, "ConfigMap", ref["name"]).get("data") or {}
        env.update({f"{source.get('prefix', '')}{k}": str(v) for k, v in data.items()})
    for item in container.get("env") or []:
        if "value" in item:
            env[item["name"]] = str(item["value"])
        elif ref := item.get("valueFrom", {}).get("configMapKeyRef"):
            env[item["name"]] = str(one(docs, "ConfigMap", ref["name"])["data"][ref["key"]])
        elif ref := item.get("valueFrom", {}).get("secretKeyRef"):
            env[item["name"]] = f"secret:{ref['name']}/{ref['key']}"
        else:
            raise AssertionError(f"unexpected env entry {item}")
    return env


def workload_by_command(
    docs: tuple[dict[str, Any], ...], kind: str, command: list[str]
) -> dict[str, Any]:
    found = [
        w
        for w in find(docs, kind)
        for c in pod_spec(w)["containers"]
        if c.get("command") == command
    ]
    assert len(found) == 1, f"expected one {kind} running {' '.join(command)}, found {len(found)}"
    return found[0]


def check_pod_security(workload: dict[str, Any]) -> None:
    name = f"{workload['kind']} {workload['metadata']['name']}"
    spec = pod_spec(workload)
    pod = spec.get("securityContext") or {}
    assert int(spec.get("terminationGracePeriodSeconds", 30)) >= 30, name
    for container in [*spec.get("initContainers", []), *spec["containers"]]:
        ctx = {**pod, **(container.get("securityContext") or {})}
        assert ctx.get("runAsNonRoot") is True, f"{name}: runAsNonRoot"
        assert ctx.get("runAsUser", 1) != 0, f"{name}: runs as root"
        assert ctx.get("readOnlyRootFilesystem") is True, f"{name}: readOnlyRootFilesystem"
        assert ctx.get("allowPrivilegeEscalation") is False, f"{name}: allowPrivilegeEscalation"
        assert "ALL" in (ctx.get("capabilities") or {}).get("drop", []), f"{name}: drop ALL"
        resources = container.get("resources") or {}
        for kind in ("requests", "limits"):
            assert (resources.get(kind) or {}).get("memory"), f"{name}: no memory {kind}"
        assert (resources.get("requests") or {}).get("cpu"), f"{name}: no cpu request"


def resolve_port(container: dict[str, Any], port: int | str) -> int:
    if isinstance(port, int):
        return port
    for p in container.get("ports") or []:
        if p.get("name") == port:
            return int(p["containerPort"])
    raise AssertionError(f"no container port named {port!r}")


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_k8s_deployment_and_service(k8s: tuple[dict[str, Any], ...], service: str) -> None:
    deployment = one(k8s, "Deployment", service)
    containers = pod_spec(deployment)["containers"]
    assert len(containers) == 1
    container = containers[0]
    port = SERVICES[service]
    assert container["command"] == expected_command(service)
    assert [int(p["containerPort"]) for p in container["ports"]] == [port]
    settings = check_service_env(service, container_env(k8s, container), f"k8s {service}")
    assert (settings.host, settings.port) == ("0.0.0.0", port)
    assert settings.migrate_on_start is False, "the migrate Job runs first: MIGRATE_ON_START=false"
    for probe, path in (("livenessProbe", "/healthz"), ("readinessProbe", "/readyz")):
        get = (container.get(probe) or {}).get("httpGet") or {}
        assert get.get("path") == path, f"{service} {probe} should GET {path}"
        assert resolve_port(container, get["port"]) == port, f"{service} {probe} port"
    if "startupProbe" in container:
        assert container["startupProbe"]["httpGet"]["path"] == "/healthz"
    check_pod_security(deployment)

    svc = one(k8s, "Service", service)
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert deployment["spec"]["selector"]["matchLabels"].items() <= labels.items()
    assert svc["spec"]["selector"].items() <= labels.items(), f"Service {service} selects nothing"
    [svc_port] = svc["spec"]["ports"]
    assert int(svc_port["port"]) == port
    assert resolve_port(container, svc_port.get("targetPort", svc_port["port"])) == port


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_k8s_migration_job(k8s: tuple[dict[str, Any], ...], service: str) -> None:
    job = workload_by_command(k8s, "Job", ["python", "-m", MIGRATE_MODULE, service])
    [container] = pod_spec(job)["containers"]
    check_service_env(service, container_env(k8s, container), f"k8s Job {job['metadata']['name']}")
    assert pod_spec(job)["restartPolicy"] in {"Never", "OnFailure"}
    check_pod_security(job)


def test_k8s_topics_job_and_kafka(k8s: tuple[dict[str, Any], ...]) -> None:
    job = workload_by_command(k8s, "Job", ["python", "-m", TOPICS_MODULE])
    [container] = pod_spec(job)["containers"]
    env = container_env(k8s, container)
    unknown = set(env) - allowed_env(None)
    assert not unknown, f"the topics Job sets {sorted(unknown)}, which nothing reads"
    check_pod_security(job)

    kafka = one(k8s, "Kafka")
    cluster = kafka["metadata"]["name"]
    plain = [li for li in kafka["spec"]["kafka"]["listeners"] if li.get("tls") is False]
    reachable = {
        f"{cluster}-kafka-bootstrap:{li['port']}" for li in plain if li["type"] == "internal"
    }
    workloads = [*find(k8s, "Deployment"), *find(k8s, "Job")]
    for workload in workloads:
        for c in pod_spec(workload)["containers"]:
            value = container_env(k8s, c).get("KAFKA_BOOTSTRAP_SERVERS")
            assert value in reachable, (
                f"{workload['metadata']['name']}: {value} is not a plain internal listener of "
                f"the Strimzi cluster {cluster} ({sorted(reachable)})"
            )
    pools = [
        p
        for p in find(k8s, "KafkaNodePool")
        if p["metadata"]["labels"]["strimzi.io/cluster"] == cluster
    ]
    roles = {r for p in pools for r in p["spec"]["roles"]}
    assert roles == {"broker", "controller"}, "KRaft needs controllers and brokers"
    brokers = sum(int(p["spec"]["replicas"]) for p in pools if "broker" in p["spec"]["roles"])
    config = kafka["spec"]["kafka"].get("config") or {}
    assert config.get("auto.create.topics.enable") is False, "topics are created explicitly"
    replication = int(env.get("KAFKA_REPLICATION_FACTOR", "1"))
    assert int(config.get("min.insync.replicas", 1)) <= replication <= brokers


def test_k8s_database_url_is_the_cnpg_app_secret(k8s: tuple[dict[str, Any], ...]) -> None:
    cluster = one(k8s, "Cluster")
    initdb = cluster["spec"]["bootstrap"]["initdb"]
    owner = initdb["owner"]
    # The migrate Jobs CREATE DATABASE fanxiang_<service> (fanxiang_common.db.pool).
    assert any(
        re.fullmatch(rf"ALTER ROLE {owner} (WITH )?CREATEDB", sql.strip(), re.IGNORECASE)
        for sql in initdb.get("postInitSQL", [])
    ), f"the role {owner} needs CREATEDB"
    for workload in [*find(k8s, "Deployment"), *find(k8s, "Job")]:
        for c in pod_spec(workload)["containers"]:
            value = container_env(k8s, c).get("DATABASE_URL")
            if value is not None:
                assert value == f"secret:{cluster['metadata']['name']}-app/uri", value


def test_k8s_api_versions(k8s: tuple[dict[str, Any], ...]) -> None:
    for doc in k8s:
        kind = doc.get("kind")
        assert kind in API_VERSIONS, f"unexpected kind {kind}"
        assert doc["apiVersion"] == API_VERSIONS[kind], f"{kind}: {doc['apiVersion']}"


def test_k8s_overlays_set_namespace_and_replicas(k8s: tuple[dict[str, Any], ...]) -> None:
    deployments = find(k8s, "Deployment")
    namespaces = {d["metadata"].get("namespace") for d in k8s if d["kind"] != "Namespace"}
    if namespaces != {None}:  # a rendered overlay
        assert len(namespaces) == 1 and None not in namespaces
        assert [n["metadata"]["name"] for n in find(k8s, "Namespace")] == list(namespaces)
    assert all(int(d["spec"].get("replicas", 1)) >= 1 for d in deployments)


def test_kustomizations_reference_every_file() -> None:
    kustomizations = sorted(K8S.rglob("kustomization.yaml"))
    assert {p.parent.relative_to(K8S).as_posix() for p in kustomizations} >= {
        "base",
        "overlays/dev",
        "overlays/prod",
    }
    for path in kustomizations:
        [doc] = load_docs(path)
        assert doc["apiVersion"] == API_VERSIONS[doc["kind"]]
        entries = [*doc.get("resources", []), *doc.get("components", [])]
        entries += [p["path"] for p in doc.get("patches", []) if "path" in p]
        for entry in entries:
            target = (path.parent / entry).resolve()
            assert target.is_file() or (target / "kustomization.yaml").is_file(), (
                f"{path.relative_to(ROOT)}: {entry} does not exist"
            )
        referenced = {(path.parent / e).resolve() for e in entries}
        for sibling in path.parent.glob("*.yaml"):
            if sibling.name != "kustomization.yaml":
                assert sibling.resolve() in referenced, f"{sibling.relative_to(ROOT)} is unused"
    for overlay in ("dev", "prod"):
        [doc] = load_docs(K8S / "overlays" / overlay / "kustomization.yaml")
        assert doc.get("namespace"), f"overlays/{overlay} sets no namespace"
        assert "../../base" in doc["resources"]


# ---- Dockerfile and .dockerignore -----------------------------------------------------------


def dockerfile_instructions() -> list[tuple[str, str]]:
    lines: list[str] = []
    current = ""
    for raw in DOCKERFILE.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        current = f"{current} {line[:-1]}" if line.endswith("\\") else f"{current} {line}"
        if not line.endswith("\\"):
            lines.append(current.strip())
            current = ""
    return [(ln.split(None, 1)[0].upper(), ln.split(None, 1)[1]) for ln in lines]


def test_dockerfile_runs_as_the_non_root_user_k8s_expects() -> None:
    instructions = dockerfile_instructions()
    args = dict(a.split("=", 1) for op, a in instructions if op == "ARG" and "=" in a)
    last_from = max(i for i, (op, _) in enumerate(instructions) if op == "FROM")
    final = instructions[last_from:]
    base = re.sub(r"\$\{?(\w+)\}?", lambda m: args.get(m.group(1), ""), final[0][1].split()[0])
    assert base.startswith("python:3.11-slim"), f"the runtime image is {base}"
    users = [a for op, a in final if op == "USER"]
    assert users, "the runtime stage sets no USER"
    uid = users[-1].split(":")[0]
    assert uid.isdigit() and int(uid) != 0, "USER should be a numeric non-root uid (runAsNonRoot)"
    for docs in [manifest_set("files")]:
        for workload in [*find(docs, "Deployment"), *find(docs, "Job")]:
            pod = pod_spec(workload).get("securityContext") or {}
            assert int(pod.get("runAsUser", uid)) == int(uid), workload["metadata"]["name"]
    env = " ".join(a for op, a in final if op == "ENV")
    assert re.search(r"PYTHONUNBUFFERED=1\b", env)
    syncs = [a for op, a in instructions if op == "RUN" and "uv sync" in a]
    assert syncs, "the image is not built with uv sync"
    flags = set(syncs[-1].split())
    assert {"--frozen", "--no-dev", "--all-packages"} <= flags
    assert not flags & {"--dev", "--all-groups", "--group"}


def test_dockerignore_keeps_what_uv_sync_needs() -> None:
    patterns = [
        ln.strip().rstrip("/")
        for ln in (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
        if ln.strip() and not ln.startswith(("#", "!"))
    ]
    workspace = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    members = [
        p.relative_to(ROOT).as_posix()
        for glob in workspace["tool"]["uv"]["workspace"]["members"]
        for p in ROOT.glob(glob)
        if (p / "pyproject.toml").is_file()
    ]
    needed = ["pyproject.toml", "uv.lock", *(f"{m}/pyproject.toml" for m in members)]
    needed += [f"{m}/src" for m in members]
    for path in needed:
        parts = path.split("/")
        prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
        for pattern in patterns:
            assert not any(fnmatch.fnmatch(p, pattern) for p in prefixes), (
                f".dockerignore pattern {pattern!r} drops {path}, which the image build needs"
            )
