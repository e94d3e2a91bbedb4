"""The deployment files in deploy/, checked mechanically.

* every YAML file parses (PyYAML, from tests/requirements.txt);
* the configurations (deploy/tokenwarden.json and the ones inside the Kubernetes ConfigMaps)
  pass `tokenwarden serve --check`, with stub files standing in for the Redis password and
  CA, which live outside the repository; --check fetches nothing, so the placeholder
  discovery issuer is fine;
* the Kubernetes objects agree with each other and with their configuration (ports, paths,
  the Secret, the revocation log's folder, workers against the CPU limit);
* the Envoy configuration has the ext_authz settings tokenwarden needs;
* the nginx file passes `nginx -t`, and runs, as it is, between a client, tokenwarden and an
  upstream: claim headers, challenges, route_scopes that a client's own X-Forwarded-Uri
  cannot get around, 503 when tokenwarden is unreachable;
* the systemd unit passes `systemd-analyze verify` and `security` (skipped, saying so, on a
  machine without systemd-analyze).
"""

from __future__ import annotations

import copy
import datetime
import hashlib
import http.server
import json
import re
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from nginxkit import app_server, find_nginx, run_nginx, stop_nginx, write_conf
from servekit import SLOW, bearer, free_port, parse_challenge, request

import twkit  # tests/cli/twkit.py, on the path through conftest.py

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
K8S = DEPLOY / "kubernetes"
DEFAULT_CLAIM_HEADERS = ("X-Auth-Subject", "X-Auth-Scope", "X-Auth-Client-Id")
# Headers a client must not be able to send through to /validate: tokenwarden reads them to
# choose the route_scopes rule (server/serve/validate_route.cc, OriginalOf).
ROUTE_HEADERS = ("x-forwarded-uri", "x-forwarded-method", "x-original-uri", "x-original-method")


# --------------------------------------------------------------------------
# Loading
# --------------------------------------------------------------------------

def load_yaml_documents(path: Path) -> list[Any]:
    """Every document of a YAML file, as plain Python objects."""
    return [d for d in yaml.safe_load_all(path.read_text()) if d is not None]


def yaml_files() -> list[Path]:
    return sorted(DEPLOY.rglob("*.yaml"))


def k8s_objects() -> dict[tuple[str, str, str], dict]:
    """(file name, kind, name) -> object, for every manifest in deploy/kubernetes."""
    out = {}
    for path in sorted(K8S.glob("*.yaml")):
        if path.name == "kustomization.yaml":
            continue
        for doc in load_yaml_documents(path):
            out[(path.name, doc["kind"], doc["metadata"].get("name", ""))] = doc
    return out


def k8s(file: str, kind: str, name: str | None = None) -> dict:
    found = [obj for (f, k, n), obj in k8s_objects().items()
             if f == file and k == kind and (name is None or n == name)]
    assert len(found) == 1, f"{file}: expected one {kind} {name or ''}, found {len(found)}"
    return found[0]


def embedded_config(configmap: dict) -> dict:
    return json.loads(configmap["data"]["tokenwarden.json"])


def deploy_config() -> dict:
    return json.loads((DEPLOY / "tokenwarden.json").read_text())


def longest_wait_ms(config: dict) -> int:
    """How long tokenwarden may hold a /validate request: an unknown kid's refetch or an
    opaque token's call to its issuer (defaults from examples/serve/README.md)."""
    waits = []
    for issuer in config["issuers"]:
        waits.append(issuer.get("keys", {}).get("unknown_kid_wait_ms", 2000))
        waits.append(issuer.get("fetch", {}).get("timeout_ms", 10000))
    return max(waits)


def container(pod_spec: dict, name: str = "tokenwarden") -> dict:
    found = [c for c in pod_spec.get("containers", []) + pod_spec.get("initContainers", [])
             if c["name"] == name]
    assert len(found) == 1, f"no single container {name!r}"
    return found[0]


def mount_for(pod_spec: dict, ctr: dict, path: str) -> tuple[dict, dict]:
    """The volumeMount whose mountPath holds `path`, and its volume."""
    mounts = [m for m in ctr["volumeMounts"]
              if path == m["mountPath"] or path.startswith(m["mountPath"].rstrip("/") + "/")]
    assert len(mounts) == 1, f"{path} is not under exactly one mount of {ctr['name']}: {mounts}"
    volumes = [v for v in pod_spec["volumes"] if v["name"] == mounts[0]["name"]]
    assert len(volumes) == 1, f"volume {mounts[0]['name']} is not defined"
    return mounts[0], volumes[0]


def listen_port(config: dict) -> int:
    (address,) = config["listen"]
    return int(address.rsplit(":", 1)[1])


def admin_port(config: dict) -> int | None:
    """The port of the admin listener (admin.listen), None without one."""
    if "admin" not in config:
        return None
    (address,) = config["admin"]["listen"]
    return int(address.rsplit(":", 1)[1])


# --------------------------------------------------------------------------
# YAML and JSON syntax
# --------------------------------------------------------------------------

def test_deploy_folder_has_the_files():
    for name in ("tokenwarden.json", "Dockerfile", "systemd/tokenwarden.service",
                 "nginx/tokenwarden-auth.conf", "envoy/envoy.yaml", "kubernetes/deployment.yaml",
                 "kubernetes/configmap.yaml", "kubernetes/service.yaml",
                 "kubernetes/poddisruptionbudget.yaml", "kubernetes/sidecar.yaml",
                 "kubernetes/statefulset.yaml", "kubernetes/kustomization.yaml"):
        assert (DEPLOY / name).is_file(), f"deploy/{name} is missing"


@pytest.mark.parametrize("path", yaml_files(), ids=lambda p: str(p.relative_to(DEPLOY)))
def test_yaml_parses(path):
    docs = load_yaml_documents(path)
    assert docs, f"{path}: no document"
    for doc in docs:
        assert isinstance(doc, dict), f"{path}: a document is not a mapping"
        if path.parent == K8S and path.name != "kustomization.yaml":
            assert doc.get("apiVersion") and doc.get("kind"), f"{path}: apiVersion/kind missing"
            assert doc.get("metadata", {}).get("name"), f"{path}: {doc['kind']} has no name"


def test_kustomization_lists_existing_files():
    (kustomization,) = load_yaml_documents(K8S / "kustomization.yaml")
    for name in kustomization["resources"]:
        assert (K8S / name).is_file(), name
    # The alternatives are applied on their own, never together with deployment.yaml.
    assert "statefulset.yaml" not in kustomization["resources"]
    assert "sidecar.yaml" not in kustomization["resources"]


# --------------------------------------------------------------------------
# The configurations pass `tokenwarden serve --check`
# --------------------------------------------------------------------------

def write_stub_ca(path: Path) -> None:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "stub Redis CA")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=30))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))


def with_stub_secrets(config: dict, directory: Path) -> dict:
    """`config` with the Redis password file and CA file (outside the repository, made at
    install time) replaced by stubs in `directory`."""
    config = copy.deepcopy(config)
    redis = config.get("redis")
    if redis is not None:
        if "password_file" in redis:
            stub = directory / "redis-password"
            stub.write_text("stub-password-for-the-check\n")
            redis["password_file"] = str(stub)
        if "ca_file" in redis:
            stub = directory / "redis-ca.pem"
            write_stub_ca(stub)
            redis["ca_file"] = str(stub)
    return config


def check_config(binary: str, config: dict, directory: Path) -> None:
    path = directory / "tokenwarden.json"
    path.write_text(json.dumps(with_stub_secrets(config, directory), indent=1))
    proc = subprocess.run([binary, "serve", "--check", "--config", str(path)], capture_output=True,
                          timeout=30 * SLOW, stdin=subprocess.DEVNULL)
    assert proc.returncode == 0, (f"serve --check exit {proc.returncode}:\n"
                                  f"{proc.stderr.decode(errors='replace')}")
    assert proc.stdout.decode().startswith("configuration OK"), proc.stdout


CONFIGS = ("tokenwarden.json", "kubernetes/configmap.yaml", "kubernetes/sidecar.yaml")


def config_of(name: str) -> dict:
    if name.endswith(".json"):
        return json.loads((DEPLOY / name).read_text())
    return embedded_config(k8s(Path(name).name, "ConfigMap"))


@pytest.mark.parametrize("name", CONFIGS)
def test_config_passes_check(name, tokenwarden_bin, tmp_path):
    check_config(tokenwarden_bin, config_of(name), tmp_path)


def test_configs_use_the_spec_redis_fields():
    allowed = {"url", "username", "password_file", "password_env", "ca_file", "key_prefix",
               "connect_timeout_ms", "command_timeout_ms", "reconnect_min_ms",
               "reconnect_max_ms", "share_opaque_results"}
    for name in CONFIGS:
        config = config_of(name)
        redis = config["redis"]
        assert set(redis) <= allowed, f"{name}: {set(redis) - allowed}"
        assert "@" not in redis["url"], f"{name}: credentials in the URL are refused"
        assert "ca_file" not in redis or redis["url"].startswith("rediss://"), name
        assert config["denylist"]["log"].startswith("/var/lib/tokenwarden/"), name


def test_configmap_is_the_deploy_config_with_the_kubernetes_differences():
    mine = embedded_config(k8s("configmap.yaml", "ConfigMap"))
    base = deploy_config()
    for config in (mine, base):
        config.pop("workers")
        for field in ("url", "password_file", "ca_file"):
            config["redis"].pop(field, None)
    assert mine == base, "deploy/kubernetes/configmap.yaml drifted from deploy/tokenwarden.json"


# --------------------------------------------------------------------------
# Kubernetes: the objects agree with each other and with their configuration
# --------------------------------------------------------------------------

def cpu_cores(quantity: str) -> float:
    return float(quantity[:-1]) / 1000 if quantity.endswith("m") else float(quantity)


def check_tokenwarden_pod(pod: dict, config: dict, configmap_name: str) -> None:
    spec = pod["spec"]
    ctr = container(spec)
    assert spec["securityContext"]["runAsNonRoot"] is True
    assert spec["securityContext"]["runAsUser"] != 0
    assert spec["securityContext"]["seccompProfile"]["type"] == "RuntimeDefault"
    assert ctr["securityContext"]["readOnlyRootFilesystem"] is True
    assert ctr["securityContext"]["allowPrivilegeEscalation"] is False
    assert ctr["securityContext"]["capabilities"]["drop"] == ["ALL"]
    assert ctr["args"][:2] == ["serve", "--config"]
    config_path = ctr["args"][2]
    mount, volume = mount_for(spec, ctr, config_path)
    assert volume["configMap"]["name"] == configmap_name
    assert mount.get("readOnly") is True
    # The Secret holds the file redis.password_file names.
    password = config["redis"]["password_file"]
    mount, volume = mount_for(spec, ctr, password)
    assert volume["secret"]["secretName"] == "tokenwarden-redis"
    assert Path(password).name == "redis-password"
    # The revocation log's folder is a writable volume (the root file system is read-only).
    log_dir = str(Path(config["denylist"]["log"]).parent)
    mount, volume = mount_for(spec, ctr, config["denylist"]["log"])
    assert mount["mountPath"] == log_dir and not mount.get("readOnly")
    # Probes reach the port that serves their path: /readyz is an admin route, served only on
    # the admin port when there is one; /healthz on the public port, where the traffic is.
    port = listen_port(config)
    (named,) = [p for p in ctr["ports"] if p["containerPort"] == port]
    ready_port = admin_port(config) or port
    (ready_named,) = [p for p in ctr["ports"] if p["containerPort"] == ready_port]
    for probe, path, where in (("readinessProbe", "/readyz", ready_named),
                               ("livenessProbe", "/healthz", named),
                               ("startupProbe", "/readyz", ready_named)):
        if probe in ctr:
            assert ctr[probe]["httpGet"]["path"] == path
            assert ctr[probe]["httpGet"]["port"] in (where["containerPort"], where["name"]), probe
    annotations = pod["metadata"].get("annotations", {})
    if "prometheus.io/port" in annotations:
        assert int(annotations["prometheus.io/port"]) == ready_port, "/metrics is not there"
    # Workers: the default (one per node CPU) ignores the container's share.
    assert 1 <= config["workers"] <= max(1, round(cpu_cores(ctr["resources"]["limits"]["cpu"])))
    assert "memory" in ctr["resources"]["limits"]


def test_deployment():
    deployment = k8s("deployment.yaml", "Deployment", "tokenwarden")
    config = embedded_config(k8s("configmap.yaml", "ConfigMap", "tokenwarden"))
    assert deployment["spec"]["replicas"] == 3
    pod = deployment["spec"]["template"]
    check_tokenwarden_pod(pod, config, "tokenwarden")
    (state,) = [v for v in pod["spec"]["volumes"] if v["name"] == "state"]
    assert "emptyDir" in state
    grace = pod["spec"]["terminationGracePeriodSeconds"]
    assert grace * 1000 > config["limits"]["drain_timeout_ms"] + 5000  # preStop sleep + drain
    labels = pod["metadata"]["labels"]
    assert deployment["spec"]["selector"]["matchLabels"].items() <= labels.items()
    assert config["listen"] == ["0.0.0.0:8080"]
    # The kubelet and Prometheus reach the admin port at the pod's address.
    assert config["admin"]["listen"] == ["0.0.0.0:9091"]


def test_statefulset_pod_is_the_deployments():
    deployment = k8s("deployment.yaml", "Deployment", "tokenwarden")["spec"]["template"]
    stateful = k8s("statefulset.yaml", "StatefulSet", "tokenwarden")
    pod = stateful["spec"]["template"]
    assert pod["metadata"] == deployment["metadata"]
    assert pod["spec"]["containers"] == deployment["spec"]["containers"]
    volumes = [v for v in deployment["spec"]["volumes"] if v["name"] != "state"]
    assert pod["spec"]["volumes"] == volumes
    (claim,) = stateful["spec"]["volumeClaimTemplates"]
    assert claim["metadata"]["name"] == "state"
    headless = k8s("service.yaml", "Service", stateful["spec"]["serviceName"])
    assert headless["spec"]["clusterIP"] == "None"


def test_services_and_budget_select_the_pods():
    labels = k8s("deployment.yaml", "Deployment")["spec"]["template"]["metadata"]["labels"]
    container_ports = {p["name"] for p in
                       container(k8s("deployment.yaml", "Deployment")["spec"]["template"]["spec"])["ports"]}
    for name in ("tokenwarden", "tokenwarden-headless"):
        service = k8s("service.yaml", "Service", name)
        assert service["spec"]["selector"].items() <= labels.items()
        assert {p["targetPort"] for p in service["spec"]["ports"]} <= container_ports
        # No Service leads to /metrics and /readyz: gateways and callers see the public port.
        assert "admin" not in {p["targetPort"] for p in service["spec"]["ports"]}
        assert 9091 not in {p["port"] for p in service["spec"]["ports"]}
    budget = k8s("poddisruptionbudget.yaml", "PodDisruptionBudget")
    assert budget["spec"]["selector"]["matchLabels"].items() <= labels.items()
    assert budget["spec"]["maxUnavailable"] == 1


def test_sidecar():
    deployment = k8s("sidecar.yaml", "Deployment")
    configmap = k8s("sidecar.yaml", "ConfigMap")
    pod = deployment["spec"]["template"]
    check_tokenwarden_pod(pod, embedded_config(configmap), configmap["metadata"]["name"])
    sidecar = container(pod["spec"], "tokenwarden")
    assert sidecar["restartPolicy"] == "Always"  # a native sidecar: up before the app
    assert sidecar["startupProbe"]["httpGet"]["path"] == "/readyz"
    app = container(pod["spec"], "app")
    urls = [e["value"] for e in app["env"]]
    assert "http://127.0.0.1:8080/validate" in urls


# --------------------------------------------------------------------------
# Envoy
# --------------------------------------------------------------------------

def http_filters(bootstrap: dict) -> list[dict]:
    (listener,) = bootstrap["static_resources"]["listeners"]
    (chain,) = listener["filter_chains"]
    (hcm,) = chain["filters"]
    return hcm["typed_config"]["http_filters"]


def test_envoy_ext_authz():
    (bootstrap,) = load_yaml_documents(DEPLOY / "envoy" / "envoy.yaml")
    filters = http_filters(bootstrap)
    names = [f["name"] for f in filters]
    assert names[-1] == "envoy.filters.http.router"
    authz = filters[names.index("envoy.filters.http.ext_authz")]["typed_config"]
    assert authz["@type"].endswith("envoy.extensions.filters.http.ext_authz.v3.ExtAuthz")
    assert authz["failure_mode_allow"] is False
    service = authz["http_service"]
    # Envoy asks path_prefix + the original path: tokenwarden routes /validate/... to
    # /validate and takes route_scopes from the rest (routes.cc RouteOf, validate_route.cc).
    assert service["path_prefix"] == "/validate"
    clusters = {c["name"]: c for c in bootstrap["static_resources"]["clusters"]}
    assert service["server_uri"]["cluster"] in clusters
    upstream = {p["exact"].lower() for p in
                service["authorization_response"]["allowed_upstream_headers"]["patterns"]}
    assert {h.lower() for h in DEFAULT_CLAIM_HEADERS} <= upstream
    client = {p["exact"].lower() for p in
              service["authorization_response"]["allowed_client_headers"]["patterns"]}
    assert "www-authenticate" in client
    assert "dpop-nonce" in client, "a use_dpop_nonce refusal must reach the client"
    forwarded = {p.get("exact", "").lower() for p in authz.get("allowed_headers", {}).get("patterns", [])}
    assert not forwarded & set(ROUTE_HEADERS), "the client could choose its route_scopes rule"
    assert {"authorization", "dpop", "x-forwarded-proto"} <= forwarded, "DPoP needs the proof and the scheme"
    # The client's own claim headers are removed before ext_authz runs.
    mutation = filters[names.index("envoy.filters.http.header_mutation")]
    assert names.index("envoy.filters.http.header_mutation") < names.index("envoy.filters.http.ext_authz")
    removed = {m["remove"].lower() for m in mutation["typed_config"]["mutations"]["request_mutations"]}
    assert upstream <= removed
    timeout = service["server_uri"]["timeout"]
    assert float(timeout.rstrip("s")) * 1000 > longest_wait_ms(deploy_config()), timeout
    # Envoy closes idle connections to tokenwarden before tokenwarden would.
    options = clusters[service["server_uri"]["cluster"]]["typed_extension_protocol_options"]
    (http_options,) = options.values()
    idle = http_options["common_http_protocol_options"]["idle_timeout"]
    assert int(idle.rstrip("s")) * 1000 < deploy_config()["limits"]["idle_timeout_ms"]
    # Envoy health-checks /readyz where tokenwarden serves it: the admin port.
    cluster = clusters[service["server_uri"]["cluster"]]
    (check,) = cluster["health_checks"]
    assert check["http_health_check"]["path"] == "/readyz"
    for group in cluster["load_assignment"]["endpoints"]:
        for endpoint in group["lb_endpoints"]:
            assert endpoint["endpoint"]["health_check_config"]["port_value"] == \
                admin_port(deploy_config())


# --------------------------------------------------------------------------
# nginx
# --------------------------------------------------------------------------

NGINX_FILE = DEPLOY / "nginx" / "tokenwarden-auth.conf"


def replace_once(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, f"{NGINX_FILE.name}: expected {old!r} once"
    return text.replace(old, new)


def nginx_files(directory: Path, tokenwarden: int | None = None, app: int | None = None,
                port: int | None = None) -> Path:
    """The wrapper config including the deploy file, its addresses replaced when given."""
    text = NGINX_FILE.read_text()
    if tokenwarden is not None:
        text = replace_once(text, "server 127.0.0.1:8080;", f"server 127.0.0.1:{tokenwarden};")
        text = replace_once(text, "server 127.0.0.1:3000;", f"server 127.0.0.1:{app};")
        text = replace_once(text, "listen 80;", f"listen 127.0.0.1:{port};")
    include = directory / NGINX_FILE.name
    include.write_text(text)
    return write_conf(directory, f"  include {include};")


def test_nginx_timeouts_fit_tokenwarden():
    text = NGINX_FILE.read_text()
    (read_timeout,) = re.findall(r"proxy_read_timeout (\d+)s;", text)
    assert int(read_timeout) * 1000 > longest_wait_ms(deploy_config())
    (keepalive,) = re.findall(r"keepalive_timeout (\d+)s;", text)
    assert int(keepalive) * 1000 < deploy_config()["limits"]["idle_timeout_ms"]


def test_nginx_config_passes_nginx_t(tmp_path):
    conf = nginx_files(tmp_path)
    proc = subprocess.run([find_nginx(), "-t", "-p", str(tmp_path), "-e", str(tmp_path / "error.log"),
                           "-c", str(conf)], capture_output=True, timeout=30)
    output = proc.stdout.decode(errors="replace") + proc.stderr.decode(errors="replace")
    assert proc.returncode == 0, output
    assert "syntax is ok" in output and "test is successful" in output, output


class Echo(http.server.BaseHTTPRequestHandler):
    """The app: answers every request with the method, path and headers it received."""

    protocol_version = "HTTP/1.1"  # keep-alive, as the nginx file's upstream expects

    def _answer(self):
        record = {"method": self.command, "path": self.path, "headers": list(self.headers.items())}
        data = json.dumps(record).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_DELETE = _answer

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def app():
    with app_server(Echo) as port:
        yield port


def start_gateway(directory: Path, tokenwarden: int, app_port: int):
    port = free_port()
    return run_nginx(directory, nginx_files(directory, tokenwarden, app_port, port), port)


@pytest.fixture(scope="module")
def gateway(shared, app, tmp_path_factory):
    tw_port = int(shared.base.rsplit(":", 1)[1])
    proc, base = start_gateway(tmp_path_factory.mktemp("deploy-nginx"), tw_port, app)
    yield base
    stop_nginx(proc)


def app_view(reply) -> dict[str, list[str]]:
    assert reply.status == 200, reply
    headers: dict[str, list[str]] = {}
    for name, value in reply.json()["headers"]:
        headers.setdefault(name.lower(), []).append(value)
    return headers


def test_nginx_passes_claims_and_drops_the_clients_own(gateway, world):
    seen = app_view(request(gateway, "GET", "/orders/17?x=1",
                            [bearer(world.token("a", sub="alice", scope="read write")),
                             ("X-Auth-Subject", "mallory"), ("X-Auth-Client-Id", "evil")]))
    assert seen["x-auth-subject"] == ["alice"]
    assert seen["x-auth-scope"] == ["read write"]
    assert seen["x-auth-client-id"] == ["app-a"]
    seen = app_view(request(gateway, "GET", "/x", [bearer(world.token("a", sub=None)),
                                                   ("X-Auth-Subject", "mallory")]))
    assert "x-auth-subject" not in seen


def test_nginx_challenges(gateway, world):
    for headers, error in (([], None), ([bearer("garbage")], "invalid_token")):
        reply = request(gateway, "GET", "/orders", headers)
        assert reply.status == 401, reply
        (challenge,) = reply.all("WWW-Authenticate")
        scheme, params = parse_challenge(challenge)
        assert scheme == "Bearer" and params.get("error") == error, reply
    reply = request(gateway, "GET", "/admin/users", [bearer(world.token("a", scope="read"))])
    assert reply.status == 403, reply
    (challenge,) = reply.all("WWW-Authenticate")
    assert parse_challenge(challenge)[1]["error"] == "insufficient_scope"


@pytest.mark.parametrize("spoof", [
    [("X-Forwarded-Uri", "/public"), ("X-Forwarded-Method", "GET")],
    [("X-Forwarded-Uri", "/public")],
    [("X-Original-URI", "/public")],
], ids=["forwarded-uri-and-method", "forwarded-uri", "original-uri"])
def test_nginx_route_scopes_ignore_the_clients_route_headers(gateway, world, spoof):
    reply = request(gateway, "GET", "/admin/users", [bearer(world.token("a", scope="read")), *spoof])
    assert reply.status == 403, reply
    reply = request(gateway, "POST", "/orders/new", [bearer(world.token("a", scope="read")),
                                                    ("X-Forwarded-Method", "GET"),
                                                    ("X-Original-Method", "GET")], "{}")
    assert reply.status == 403, reply


def dpop_proof(key, method: str, url: str, token: str, jti: str) -> str:
    """A DPoP proof (RFC 9449 §4.2) by twkit key `key` for `method` `url` and `token`."""
    ath = twkit.b64u(hashlib.sha256(token.encode()).digest())
    return twkit.forge({"typ": "dpop+jwt", "alg": "ES256", "jwk": key.jwk(kid=False)},
                       {"jti": jti, "htm": method, "htu": url, "iat": int(time.time()),
                        "ath": ath}, key, "ES256")


def jkt(key) -> str:
    jwk = key.jwk(kid=False)
    canonical = json.dumps({k: jwk[k] for k in ("crv", "kty", "x", "y")}, separators=(",", ":"))
    return twkit.b64u(hashlib.sha256(canonical.encode()).digest())


def test_nginx_carries_dpop_bound_tokens(gateway, world):
    """The shipped file forwards the proof, the scheme and the host with its port: a
    DPoP-bound token with its proof reaches the app, once, and never as a bearer token."""
    client = twkit.gen_ec("dpop-client", "P-256")
    token = world.token("a", cnf={"jkt": jkt(client)})
    url = gateway + "/orders/17"
    proof = dpop_proof(client, "GET", url, token, "p-1")
    headers = [("Authorization", "DPoP " + token), ("DPoP", proof)]
    assert "x-auth-subject" in app_view(request(gateway, "GET", "/orders/17?page=2", headers))
    replay = request(gateway, "GET", "/orders/17", headers)
    assert replay.status == 401, replay
    assert parse_challenge(replay.header("WWW-Authenticate"))[1]["error"] == "invalid_dpop_proof"
    elsewhere = request(gateway, "GET", "/orders/18", [("Authorization", "DPoP " + token),
                                                       ("DPoP", dpop_proof(client, "GET", url, token, "p-2"))])
    assert elsewhere.status == 401, elsewhere
    assert request(gateway, "GET", "/orders/17", [bearer(token)]).status == 401


def test_nginx_app_sees_the_authorization_that_was_validated(gateway, world):
    alice, bob = world.token("a", sub="alice"), world.token("b", sub="bob")
    reply = request(gateway, "GET", "/x", [bearer(alice), bearer(bob)])
    if reply.status == 200:
        seen = app_view(reply)
        (authorization,) = seen["authorization"]
        assert seen["x-auth-subject"] == [{f"Bearer {alice}": "alice",
                                           f"Bearer {bob}": "bob"}[authorization]]
    else:
        assert reply.status in (400, 401, 500, 503), reply


def test_nginx_answers_503_when_tokenwarden_is_unreachable(app, world, tmp_path):
    proc, base = start_gateway(tmp_path, free_port(), app)  # nothing listens there
    try:
        reply = request(base, "GET", "/x", [bearer(world.token("a"))])
        assert reply.status == 503, reply
        assert reply.header("Retry-After") == "5"
    finally:
        stop_nginx(proc)


class Unavailable(http.server.BaseHTTPRequestHandler):
    """A tokenwarden answering 503 with its own Retry-After (an issuer down, a key being
    fetched)."""

    protocol_version = "HTTP/1.1"

    def do_GET(self):
        body = b'{"error":"temporarily_unavailable"}'
        self.send_response(503)
        self.send_header("Retry-After", "17")
        self.send_header("Cache-Control", "no-store")
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_nginx_passes_tokenwardens_retry_after_on_503(app, world, tmp_path):
    with app_server(Unavailable) as tokenwarden:
        proc, base = start_gateway(tmp_path, tokenwarden, app)
        try:
            reply = request(base, "GET", "/x", [bearer(world.token("a"))])
            assert reply.status == 503, reply
            assert reply.all("Retry-After") == ["17"], reply
        finally:
            stop_nginx(proc)


# --------------------------------------------------------------------------
# systemd
# --------------------------------------------------------------------------

UNIT = DEPLOY / "systemd" / "tokenwarden.service"


def unit_settings() -> dict[str, list[str]]:
    settings: dict[str, list[str]] = {}
    for line in UNIT.read_text().splitlines():
        if line and not line.startswith(("#", "[")) and "=" in line:
            key, value = line.split("=", 1)
            settings.setdefault(key.strip(), []).append(value.strip())
    return settings


def seconds(value: str) -> float:
    m = re.fullmatch(r"(\d+)(ms|s|min)?", value)
    assert m, value
    return int(m.group(1)) * {"ms": 0.001, "s": 1, "min": 60, None: 1}[m.group(2)]


def test_systemd_unit_matches_the_config():
    unit, config = unit_settings(), deploy_config()
    (start,) = unit["ExecStart"]
    config_path = start.split("--config", 1)[1].split()[0]
    assert Path(config_path).parent == Path("/etc") / unit["ConfigurationDirectory"][0]
    assert seconds(unit["TimeoutStopSec"][0]) * 1000 > config["limits"]["drain_timeout_ms"]
    assert any("kill -HUP $MAINPID" in r for r in unit["ExecReload"])
    assert Path(config["denylist"]["log"]).parent == Path("/var/lib") / unit["StateDirectory"][0]
    credential = unit["LoadCredential"][0].split(":", 1)[0]
    assert config["redis"]["password_file"] == f"/run/credentials/{UNIT.name}/{credential}"
    assert unit["CapabilityBoundingSet"] == [""]
    assert unit["RestrictAddressFamilies"] == ["AF_INET AF_INET6 AF_UNIX"]
    for setting in ("NoNewPrivileges", "MemoryDenyWriteExecute", "DynamicUser"):
        assert unit[setting] == ["yes"], setting
    assert unit["ProtectSystem"] == ["strict"]


def systemd_analyze() -> str:
    binary = shutil.which("systemd-analyze")
    if binary is None:
        pytest.skip("systemd-analyze is not installed: deploy/systemd/tokenwarden.service was "
                    "not verified on this machine")
    return binary


def unit_with_binary(binary: str, directory: Path) -> Path:
    """The unit with its ExecStart/ExecReload pointing at `binary` (verify wants it present)."""
    path = directory / UNIT.name
    path.write_text(UNIT.read_text().replace("/usr/local/bin/tokenwarden", binary))
    return path


def test_systemd_unit_verifies(tokenwarden_bin, tmp_path):
    analyze = systemd_analyze()
    unit = unit_with_binary(tokenwarden_bin, tmp_path)
    proc = subprocess.run([analyze, "verify", str(unit)], capture_output=True, timeout=60)
    output = (proc.stdout + proc.stderr).decode(errors="replace")
    assert proc.returncode == 0 and not output.strip(), output


def test_systemd_unit_exposure_is_low(tokenwarden_bin, tmp_path):
    analyze = systemd_analyze()
    unit = unit_with_binary(tokenwarden_bin, tmp_path)
    proc = subprocess.run([analyze, "security", "--offline=true", "--threshold=20", "--no-pager",
                           str(unit)], capture_output=True, timeout=60)
    output = (proc.stdout + proc.stderr).decode(errors="replace")
    assert proc.returncode == 0, output  # overall exposure at most 2.0 ("OK")


# --------------------------------------------------------------------------
# Dockerfile
# --------------------------------------------------------------------------

def test_dockerfile_matches_the_kubernetes_user():
    text = (DEPLOY / "Dockerfile").read_text()
    assert re.search(r"^FROM debian:bookworm AS build$", text, re.M)
    assert "cmake --preset release" in text
    (user,) = re.findall(r"^USER (\d+):(\d+)$", text, re.M)
    pod = k8s("deployment.yaml", "Deployment")["spec"]["template"]["spec"]["securityContext"]
    assert (int(user[0]), int(user[1])) == (pod["runAsUser"], pod["runAsGroup"])
    assert "/var/lib/tokenwarden" in text
