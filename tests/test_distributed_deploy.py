"""deploy/: the compose file, Dockerfile, Kubernetes manifests and Helm values agree with the real CLIs.

Every command line in them is parsed by the parser that will read it (Locust's with
flashcrowd's options, target_app's), so renaming a flag breaks this test, not a cluster.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import tomllib
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

from flashcrowd import options as option_table
from flashcrowd.bundled_paths import LOCUSTFILE, resolve_scenario
from flashcrowd_common.safety import is_loopback_host
from target_app import command as target_command

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
COMPOSE = DEPLOY / "docker-compose.yml"
K8S = DEPLOY / "k8s"
HELM_VALUES = DEPLOY / "helm" / "deliveryhero-locust-values.yaml"
IMAGE_LOCUSTFILE = f"/opt/flashcrowd/locustfiles/{LOCUSTFILE.name}"
IMAGE_SCENARIOS = Path("/opt/flashcrowd/scenarios")
CONFIG_MAP_SCENARIOS = Path("/scenarios")  # beside the image's own, which stay reachable by name


def locust_parser() -> argparse.ArgumentParser:
    from locust.argument_parser import get_empty_argument_parser, setup_parser_arguments

    parser = get_empty_argument_parser()
    setup_parser_arguments(parser)
    option_table.add_to_locust(parser)
    return parser


def target_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m target_app")
    target_command.add_arguments(parser)
    return parser


def parse(parser: argparse.ArgumentParser, argv: list[str]) -> argparse.Namespace:
    """Parse with the real parser; fail on any flag it does not know."""
    options, unknown = parser.parse_known_args(argv)
    assert not unknown, f"{parser.prog}: unknown arguments {unknown}"
    return options


def locust_command(argv: list[str]) -> argparse.Namespace:
    assert argv[0] == "locust", argv
    options = parse(locust_parser(), argv[1:])
    assert options.locustfile == IMAGE_LOCUSTFILE
    return options


def target_argv(argv: list[str]) -> list[str]:
    assert argv[:3] == ["python", "-m", "target_app"], argv
    return argv[3:]


def with_defaults(value: str) -> str:
    """Compose's ${NAME:-default} with nothing set in the environment."""
    return re.sub(r"\$\{[A-Z_]+:-([^}]*)\}", r"\1", value)


def scenario_exists(name_or_path: str) -> None:
    path = Path(name_or_path)
    if path.is_absolute():
        assert path.parent in (IMAGE_SCENARIOS, CONFIG_MAP_SCENARIOS), path
        assert (ROOT / "scenarios" / path.name).is_file(), f"{path.name} is not in scenarios/"
    else:
        resolve_scenario(name_or_path)


# -- docker compose ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


def compose_command(service: dict) -> list[str]:
    return [with_defaults(str(arg)) for arg in service["command"]]


def test_compose_runs_target_master_and_workers_from_one_image(compose):
    services = compose["services"]
    assert set(services) == {"target", "master", "worker"}
    for service in services.values():
        assert service["image"] == "flashcrowd:latest"
        assert (
            ROOT / service["build"]["context"].replace("..", ".", 1) / service["build"]["dockerfile"]
        ).is_file()
    # One network namespace: the load goes to 127.0.0.1 and the loopback guard stays on.
    assert services["master"]["network_mode"] == services["worker"]["network_mode"] == "service:target"


def test_compose_commands_parse_and_agree(compose):
    services = compose["services"]
    target = parse(target_parser(), target_argv(compose_command(services["target"])))
    master = locust_command(compose_command(services["master"]))
    worker = locust_command(compose_command(services["worker"]))

    assert is_loopback_host(target.host)
    assert (ROOT / "target_app" / "profiles" / f"{target.profile}.yaml").is_file()
    assert master.master and master.headless and master.enable_rebalancing
    host = urlsplit(master.host)
    assert is_loopback_host(host.hostname) and host.port == target.port
    assert not master.allow_remote_target
    scenario_exists(master.scenario)
    assert master.out.startswith("/results/")
    assert any(volume.endswith(":/results") for volume in services["master"]["volumes"])

    assert worker.worker and not worker.scenario  # the master sends it
    assert worker.master_host == master.master_bind_host
    assert worker.master_port == master.master_bind_port
    assert master.expect_workers == int(with_defaults(str(services["worker"]["deploy"]["replicas"])))


def compose_cli() -> list[str] | None:
    docker = shutil.which("docker")
    if docker and subprocess.run([docker, "compose", "version"], capture_output=True).returncode == 0:
        return [docker, "compose"]
    legacy = shutil.which("docker-compose")
    return [legacy] if legacy else None


def test_compose_file_validates_with_docker_compose_config():
    cli = compose_cli()
    if cli is None:
        pytest.skip("neither the docker compose plugin nor docker-compose is installed")
    result = subprocess.run([*cli, "-f", str(COMPOSE), "config"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    rendered = yaml.safe_load(result.stdout)
    assert set(rendered["services"]) == {"target", "master", "worker"}


# -- the image -------------------------------------------------------------------------------


def test_dockerfile_copies_everything_the_wheel_is_built_from():
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    copies = [
        line.split() for line in dockerfile.splitlines() if line.startswith("COPY ") and "--from" not in line
    ]
    copied = {source for words in copies for source in words[1:-1]}  # COPY SOURCE... DESTINATION
    for source in copied:
        assert (ROOT / source).exists(), f"Dockerfile copies {source}, which does not exist"
    build = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["hatch"]["build"]["targets"]["wheel"]
    needed = {*build["packages"], *build["force-include"], "pyproject.toml", "README.md"}
    assert needed <= copied, f"the image would miss {needed - copied}"
    assert f"COPY locustfiles {Path(IMAGE_LOCUSTFILE).parent}" in dockerfile
    assert f"COPY scenarios {IMAGE_SCENARIOS}" in dockerfile


# -- Kubernetes ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def manifests() -> dict[tuple[str, str], dict]:
    documents = {}
    for path in sorted(K8S.glob("*.yaml")):
        if path.name == "kustomization.yaml":
            continue
        for document in yaml.safe_load_all(path.read_text()):
            documents[document["kind"], document["metadata"]["name"]] = document
    return documents


def container(document: dict) -> dict:
    [only] = document["spec"]["template"]["spec"]["containers"]
    return only


def test_kubernetes_manifests_wire_master_workers_and_target(manifests):
    master_job = manifests["Job", "flashcrowd-master"]
    worker_job = manifests["Job", "flashcrowd-worker"]
    master = locust_command(container(master_job)["command"])
    worker = locust_command(container(worker_job)["command"])
    target = parse(
        target_parser(), target_argv(container(manifests["Deployment", "flashcrowd-target"])["command"])
    )

    master_service = manifests["Service", "flashcrowd-master"]
    service_ports = {port["port"] for port in master_service["spec"]["ports"]}
    assert {master.master_bind_port, 8089} <= service_ports
    assert (
        master_service["spec"]["selector"].items()
        <= master_job["spec"]["template"]["metadata"]["labels"].items()
    )
    assert worker.worker and worker.master_host == "flashcrowd-master"
    assert worker.master_port == master.master_bind_port
    assert master.expect_workers == worker_job["spec"]["parallelism"]
    assert master.headless and master.enable_rebalancing

    target_service = manifests["Service", "flashcrowd-target"]
    host = urlsplit(master.host)
    assert host.hostname == target_service["metadata"]["name"]
    assert host.port == target_service["spec"]["ports"][0]["port"] == target.port
    assert master.allow_remote_target  # a Service name is not loopback: the guard needs the opt-in
    scenario_exists(master.scenario)


def scenario_mounts(document: dict) -> list[str]:
    spec = document["spec"]["template"]["spec"]
    config_maps = {v["name"]: v["configMap"]["name"] for v in spec["volumes"] if "configMap" in v}
    return [
        config_maps[mount["name"]]
        for mount in container(document)["volumeMounts"]
        if mount["mountPath"] == str(CONFIG_MAP_SCENARIOS) and mount["name"] in config_maps
    ]


def test_master_and_workers_mount_the_scenarios_config_map_generated_from_scenarios(manifests):
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    [generator] = kustomization["configMapGenerator"]
    for kind_name in [("Job", "flashcrowd-master"), ("Job", "flashcrowd-worker")]:
        assert scenario_mounts(manifests[kind_name]) == [generator["name"]]
    listed = {(K8S / file).resolve() for file in generator["files"]}
    assert listed <= {path.resolve() for path in (ROOT / "scenarios").glob("*.yaml")}
    # The scenario the master runs is in the ConfigMap, and so in the workers too.
    scenario = Path(locust_command(container(manifests["Job", "flashcrowd-master"])["command"]).scenario)
    assert scenario.parent == CONFIG_MAP_SCENARIOS and ROOT / "scenarios" / scenario.name in listed
    assert set(kustomization["resources"]) == {path.name for path in K8S.glob("*.yaml")} - {
        "kustomization.yaml"
    }


def test_kustomize_renders_the_scenarios_into_the_config_map():
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.skip("kubectl is not installed")
    result = subprocess.run(
        [kubectl, "kustomize", "--load-restrictor", "LoadRestrictionsNone", str(K8S)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    documents = {(d["kind"], d["metadata"]["name"]): d for d in yaml.safe_load_all(result.stdout)}
    data = documents["ConfigMap", "flashcrowd-scenarios"]["data"]
    assert data
    for name, text in data.items():
        assert text == (ROOT / "scenarios" / name).read_text()


def test_helm_values_run_flashcrowd_image_with_real_flags():
    values = yaml.safe_load(HELM_VALUES.read_text())
    master = locust_command([*values["master"]["command"], *values["master"]["args"]])
    worker = locust_command([*values["worker"]["command"], *values["worker"]["args"]])
    assert master.master and worker.worker
    assert master.host == values["loadtest"]["locust_host"]
    scenario_exists(master.scenario)
    assert values["extraConfigMaps"] == {"flashcrowd-scenarios": str(CONFIG_MAP_SCENARIOS)}
