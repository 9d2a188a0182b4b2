"""classroom/z2jh/values.yaml, the class on Kubernetes: what can be checked without a cluster.

No cluster, helm or image registry is reachable here, so the chart itself never sees this file in a test.
What is checked: the YAML parses; every key it sets is one the Zero to JupyterHub chart documents, with the
type the chart's schema gives it (ALLOWED below, copied from the chart's values schema); the landing URL is
nbgitpuller's pull of the published branch, the same query course_utils.hub builds for the link; the resources
are the ones benchmarks/RESULTS.md works out from the measured footprint (guarantee <= limit, and the node
arithmetic stated there holds); the idle culler is on; the image is the repo2docker build of environment.yml,
whose pins tests/test_repo_hygiene.py keeps equal to requirements.txt, plus postBuild's hub packages.
"""

import re
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
import yaml

from course_utils import hub

ROOT = Path(__file__).resolve().parents[1]
VALUES = ROOT / "classroom" / "z2jh" / "values.yaml"

# The keys this file may use and their types, from the chart's values schema:
# jupyterhub/zero-to-jupyterhub-k8s, jupyterhub/values.schema.yaml (the copy stored at commit
# 02dd73df01bdbb6d602fed21b0be12565ab38080, a 3.x/4.x chart: it documents versionchanged 3.0.0 notes).
# A section maps key -> type(s) or a nested section; FREE marks a schema object with additionalProperties: true
# (its contents are not validated by the chart either). Sections listed in full: singleuser, singleuser.cpu,
# .memory, .image, .storage, cull, prePuller, prePuller.hook, scheduling, scheduling.userScheduler. Of hub and the
# top level, only the keys read from the schema are listed (a key missing here fails this test: look it up).
FREE = "free-form object"
NUMBER, INTEGER, STRING, BOOLEAN, NULL = (int, float), int, str, bool, type(None)
IMAGE = {"name": STRING, "tag": STRING, "pullPolicy": (STRING, NULL), "pullSecrets": list}
ALLOWED = {
    "enabled": (BOOLEAN, NULL), "fullnameOverride": (STRING, NULL), "nameOverride": (STRING, NULL),
    "imagePullSecret": FREE, "imagePullSecrets": list, "ingress": FREE, "custom": FREE, "debug": FREE,
    "rbac": FREE, "global": FREE, "proxy": FREE,
    "hub": {
        "config": FREE, "extraConfig": FREE, "extraEnv": FREE, "extraFiles": FREE, "baseUrl": STRING,
        "cookieSecret": (STRING, NULL), "image": IMAGE, "db": FREE, "resources": FREE, "services": FREE,
        "loadRoles": FREE, "activeServerLimit": (INTEGER, NULL), "allowNamedServers": (BOOLEAN, NULL),
        "concurrentSpawnLimit": (INTEGER, NULL), "consecutiveFailureLimit": (INTEGER, NULL),
        "namedServerLimitPerUser": (INTEGER, NULL), "redirectToServer": (BOOLEAN, NULL),
        "shutdownOnLogout": (BOOLEAN, NULL), "templatePaths": list, "templateVars": FREE,
    },
    "singleuser": {
        "networkPolicy": FREE, "podNameTemplate": (STRING, NULL),
        "cpu": {"limit": (NUMBER, NULL), "guarantee": (NUMBER, NULL)},
        "memory": {"limit": (NUMBER, STRING, NULL), "guarantee": (NUMBER, STRING, NULL)},
        "image": IMAGE, "initContainers": list, "profileList": list, "extraFiles": FREE, "extraEnv": FREE,
        "nodeSelector": FREE, "extraTolerations": list, "extraNodeAffinity": FREE, "extraPodAffinity": FREE,
        "extraPodAntiAffinity": FREE, "cloudMetadata": FREE, "cmd": (list, STRING, NULL),
        "defaultUrl": (STRING, NULL), "events": (BOOLEAN, NULL), "extraAnnotations": FREE,
        "extraContainers": list, "extraLabels": FREE, "extraPodConfig": FREE, "extraResource": FREE,
        "fsGid": (INTEGER, NULL), "lifecycleHooks": FREE, "networkTools": FREE,
        "serviceAccountName": (STRING, NULL), "startTimeout": (INTEGER, NULL),
        "storage": {"capacity": (STRING, NULL), "dynamic": FREE, "extraLabels": FREE, "extraVolumeMounts": list,
                    "extraVolumes": list, "homeMountPath": STRING, "static": FREE, "type": STRING},
        "allowPrivilegeEscalation": (BOOLEAN, NULL), "uid": (INTEGER, NULL),
    },
    "scheduling": {
        "userScheduler": {"enabled": BOOLEAN, "revisionHistoryLimit": (INTEGER, NULL), "replicas": INTEGER,
                          "image": IMAGE, "pdb": FREE, "nodeSelector": FREE, "tolerations": list, "labels": FREE,
                          "annotations": FREE, "containerSecurityContext": FREE, "logLevel": INTEGER,
                          "plugins": FREE, "pluginConfig": list, "resources": FREE, "serviceAccount": FREE,
                          "extraPodSpec": FREE},
        "podPriority": FREE, "userPlaceholder": FREE, "corePods": FREE, "userPods": FREE,
    },
    "prePuller": {
        "revisionHistoryLimit": (INTEGER, NULL), "labels": FREE, "annotations": FREE, "resources": FREE,
        "extraTolerations": list, "continuous": {"enabled": BOOLEAN}, "pullProfileListImages": BOOLEAN,
        "extraImages": FREE, "containerSecurityContext": FREE, "pause": FREE,
        "hook": {"enabled": BOOLEAN, "pullOnlyOnChanges": BOOLEAN, "podSchedulingWaitDuration": INTEGER,
                 "nodeSelector": FREE, "tolerations": list, "containerSecurityContext": FREE, "image": IMAGE,
                 "resources": FREE, "serviceAccount": FREE},
    },
    "cull": {"enabled": BOOLEAN, "users": (BOOLEAN, NULL), "adminUsers": (BOOLEAN, NULL),
             "removeNamedServers": (BOOLEAN, NULL), "timeout": (INTEGER, NULL), "every": (INTEGER, NULL),
             "concurrency": (INTEGER, NULL), "maxAge": (INTEGER, NULL)},
}
# KubeSpawner reads singleuser.memory with JupyterHub's ByteSpecification: K, M, G, T are powers of 1024, a bare
# number is bytes, and Kubernetes' own "Gi" is refused.
UNITS = {"K": 2**10, "M": 2**20, "G": 2**30, "T": 2**40}


def values():
    return yaml.safe_load(VALUES.read_text())


def types(spec):
    """The flat set of Python types in a (possibly nested) tuple of types."""
    return {t for part in (spec if isinstance(spec, tuple) else (spec,)) for t in types(part)} \
        if isinstance(spec, tuple) else {spec}


def unknown_keys(tree, allowed, where=""):
    """'path: problem' for every key of `tree` the schema does not document, or whose value has the wrong type."""
    problems = []
    for key, value in tree.items():
        path = f"{where}.{key}" if where else key
        if key not in allowed:
            problems.append(f"{path}: not a key of the chart's schema here")
        elif isinstance(allowed[key], dict):
            if isinstance(value, dict):
                problems += unknown_keys(value, allowed[key], path)
            else:
                problems.append(f"{path}: must be a mapping, got {value!r}")
        elif allowed[key] == FREE:
            if not isinstance(value, dict):
                problems.append(f"{path}: must be a mapping, got {value!r}")
        elif not isinstance(value, allowed[key]) or (isinstance(value, bool) and bool not in types(allowed[key])):
            problems.append(f"{path}: {value!r} is not of the schema's type {allowed[key]}")
    return problems


def memory_bytes(quantity):
    """A memory size as singleuser.memory takes it ("1.5G", "900M", 1073741824) in bytes."""
    match = re.fullmatch(r"(\d+(?:\.\d+)?)([KMGT])?", str(quantity))
    assert match, f"not a memory size JupyterHub accepts (a number, or one with suffix K, M, G, T): {quantity!r}"
    return int(float(match[1]) * UNITS.get(match[2] or "", 1))


def test_the_checker_finds_what_the_chart_would_refuse():
    assert unknown_keys({"singleuser": {"memory": {"limt": "1G"}}}, ALLOWED) == \
        ["singleuser.memory.limt: not a key of the chart's schema here"]
    assert unknown_keys({"cull": {"timeout": "1h"}}, ALLOWED) == \
        ["cull.timeout: '1h' is not of the schema's type (<class 'int'>, <class 'NoneType'>)"]
    assert unknown_keys({"singleuser": {"image": {"name": "x", "tag": 20261203}}}, ALLOWED)  # an unquoted tag
    assert unknown_keys({"cull": {"timeout": True}}, ALLOWED)  # YAML's yes/true is no number
    assert memory_bytes("2G") == 2 * 2**30 and memory_bytes("1536M") == 1.5 * 2**30
    with pytest.raises(AssertionError, match="not a memory size"):
        memory_bytes("2Gi")


def test_memory_sizes_read_as_jupyterhub_reads_them():
    byte_spec = pytest.importorskip("jupyterhub.traitlets").ByteSpecification()
    memory = values()["singleuser"]["memory"]
    for quantity in (memory["guarantee"], memory["limit"], "1.5G", "900M", 1024):
        assert memory_bytes(quantity) == byte_spec.validate(None, quantity)


def test_values_use_only_the_charts_documented_keys():
    assert unknown_keys(values(), ALLOWED) == []


def test_every_student_lands_on_the_pull_of_the_published_branch():
    single = values()["singleuser"]
    landing = urlsplit(single["defaultUrl"])
    query = dict(parse_qsl(landing.query))
    assert landing.path == "/git-pull"
    assert single["defaultUrl"] == "/git-pull?" + hub.git_pull_query(query["repo"], query["branch"])
    assert query["branch"] == hub.BRANCH and query["targetpath"] == hub.TARGET


def test_resources_and_culling_are_set():
    config = values()
    cpu, memory = config["singleuser"]["cpu"], config["singleuser"]["memory"]
    assert 0 < cpu["guarantee"] <= cpu["limit"]
    assert 0 < memory_bytes(memory["guarantee"]) <= memory_bytes(memory["limit"])
    assert config["cull"]["enabled"] and 0 < config["cull"]["every"] < config["cull"]["timeout"]
    env = config["singleuser"]["extraEnv"]
    assert int(env["OMP_NUM_THREADS"]) <= cpu["limit"], "more torch/BLAS threads than the CPU limit only throttle"


def test_the_sizing_matches_benchmarks_results():
    """RESULTS.md states the guarantees and the students per node; the values file must say the same."""
    results = (ROOT / "benchmarks" / "RESULTS.md").read_text()
    section = results[results.index("## The classroom: kernel footprint"):]
    stated = dict(re.findall(r"`singleuser\.(\w+\.\w+): ([\w.\"]+)`", section))
    single = values()["singleuser"]
    for key, value in stated.items():
        group, name = key.split(".")
        assert str(single[group][name]) == value.strip('"'), f"RESULTS.md says {key} = {value}, values.yaml differs"
    assert {"cpu.guarantee", "cpu.limit", "memory.guarantee", "memory.limit"} <= stated.keys()
    node = re.search(r"node of (\d+) vCPU / (\d+) GiB, (\d+(?:\.\d+)?) vCPU / (\d+(?:\.\d+)?) GiB allocatable "
                     r"to students: (\d+) students", section)
    assert node, "RESULTS.md must state the node, what is allocatable and the students per node"
    cpus, mem_gib, free_cpu, free_gib, students = (float(g) for g in node.groups())
    assert free_cpu <= cpus and free_gib <= mem_gib
    per_cpu = free_cpu // single["cpu"]["guarantee"]
    per_mem = free_gib * 2**30 // memory_bytes(single["memory"]["guarantee"])
    assert students == min(per_cpu, per_mem), (per_cpu, per_mem)


def test_the_image_is_environment_yml_plus_the_hub_packages():
    build = (ROOT / "postBuild").read_text()
    assert (ROOT / "postBuild").stat().st_mode & 0o111, "repo2docker runs postBuild only when it is executable"
    assert "-r requirements-hub.txt -c requirements.txt" in build
    image = values()["singleuser"]["image"]
    assert image["name"] and isinstance(image["tag"], str)
