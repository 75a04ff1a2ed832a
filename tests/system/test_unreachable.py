"""The `mailbot` command when it cannot talk to Exchange at all, as the person going live sees it: one sentence naming
the server, the cause and the service.yaml setting that applies, exit 2, never a traceback. Microsoft Graph (and its
identity platform) is a sandbox reached as Exchange Online; a served sandbox is one reached through sandbox_url."""

from __future__ import annotations

import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from sandbox_fixtures import _TLS_ENVIRONMENT, EXAMPLE_SCENARIO, EXAMPLE_WEEK

from mailbot.sandbox import SandboxCA, SandboxServer, load_scenario

NOW = "2026-11-23T09:00-05:00"
UNTRUSTED = "cannot be verified (certificate verify failed: self-signed certificate in certificate chain)"
# Run mailbot with a name lookup that knows no *.invalid host, as a resolver answers for a name that does not exist,
# so no name server is asked.
NO_SUCH_HOST = """import runpy, socket
lookup = socket.getaddrinfo
def fake(host, *args, **kwargs):
    if str(host).endswith(".invalid"):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
    return lookup(host, *args, **kwargs)
socket.getaddrinfo = fake
runpy.run_module("mailbot", run_name="__main__")
"""


def mailbot(*args: str | Path, secret: str = "") -> subprocess.CompletedProcess[str]:
    env = {
        "PATH": "/usr/bin:/bin",
        "MAILBOT_GRAPH_CLIENT_SECRET": secret,
        "MAILBOT_SURVEY_SECRET": "survey key",
    }  # nothing else: no CA bundle, no proxy
    return subprocess.run([sys.executable, "-c", NO_SUCH_HOST, *map(str, args)], capture_output=True, text=True,
                          timeout=120, env=env)  # fmt: skip


def serve(ca: SandboxCA | None) -> SandboxServer:
    return SandboxServer(load_scenario(EXAMPLE_SCENARIO, week=EXAMPLE_WEEK), tls=ca).start()


@pytest.fixture
def other_ca(tmp_path_factory: pytest.TempPathFactory) -> SandboxCA:
    """A CA that signed nothing the tenant serves."""
    return SandboxCA(tmp_path_factory.mktemp("other-ca"))


@pytest.fixture
def tenant(sandbox_ca: SandboxCA, monkeypatch: pytest.MonkeyPatch) -> Iterator[SandboxServer]:
    """The example organisation served over HTTPS, its certificate signed by the test CA."""
    for name in _TLS_ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)
    server = serve(sandbox_ca)
    yield server
    server.stop()


def exchange_online(config: Path, server: SandboxServer, **graph: str | int) -> Path:
    """The copied service.yaml pointed at `server` as at Exchange Online, trusting the test CA, logging on as the
    scenario's app; `graph` changes settings of the `graph:` section."""
    settings = yaml.safe_load(config.read_text())
    app = server.org.apps.apps()[0]
    settings["backend"].update(kind="graph", sandbox=False)
    settings["backend"]["graph"] = {
        "tenant_id": app.tenant_id, "client_id": app.client_id, "client_secret": {"env": "MAILBOT_GRAPH_CLIENT_SECRET"},
        "authority": server.url, "base_url": server.graph_url, "ca_bundle": str(server.ca_bundle_path), **graph,
    }  # fmt: skip
    config.write_text(yaml.safe_dump(settings))
    return config


def tenant_id(server: SandboxServer) -> str:
    return server.org.apps.apps()[0].tenant_id


def track_sync(config: Path, server: SandboxServer) -> tuple[int, list[str]]:
    """Exit code and the lines on stderr of `track sync`, with the app's right secret."""
    result = mailbot("track", "sync", "--config", config, "--now", NOW, secret=server.org.apps.apps()[0].secret or "")
    return result.returncode, result.stderr.splitlines()


@pytest.mark.parametrize("untrusted", ["identity platform", "Microsoft Graph"])
def test_an_untrusted_graph_certificate_points_at_the_ca_bundle(
    example_config: Path, tenant: SandboxServer, other_ca: SandboxCA, untrusted: str
) -> None:
    """A certificate from a CA that backend.graph.ca_bundle does not hold, on the identity platform or on Graph
    itself, is named in one sentence that says to set backend.graph.ca_bundle."""
    elsewhere = serve(other_ca)
    if untrusted == "identity platform":
        config = exchange_online(example_config, tenant, authority=elsewhere.url)
        where = f"the identity platform at {elsewhere.url}/{tenant_id(elsewhere)}"
    else:
        config = exchange_online(example_config, tenant, base_url=elsewhere.graph_url)
        where = f"Microsoft Graph at {elsewhere.url}"
    failed = track_sync(config, tenant)
    elsewhere.stop()
    expected = (
        f"mailbot: The TLS certificate of {where} {UNTRUSTED}; set backend.graph.ca_bundle to the CA that signed it"
    )
    assert (2, [expected]) == failed


@pytest.mark.parametrize("kind", ["ews", "graph"])
def test_a_stale_sandbox_ca_bundle_points_at_sandbox_ca_bundle(
    example_config: Path, tenant: SandboxServer, other_ca: SandboxCA, kind: str
) -> None:
    """A sandbox served at sandbox_url with a CA file from another run names backend.sandbox_ca_bundle, the setting
    that decides the trust there, whichever backend asks."""
    text = example_config.read_text().replace("kind: ews ", f"kind: {kind} ")
    lines = f"  sandbox_url: {tenant.url}\n  sandbox_ca_bundle: {other_ca.ca_bundle_path}\n"
    example_config.write_text(text.replace("  service_account:", lines + "  service_account:", 1))
    where = {"ews": f"EWS at {tenant.ews_url}",
             "graph": f"the identity platform at {tenant.url}/{tenant_id(tenant)}"}[kind]  # fmt: skip
    expected = (
        f"mailbot: The TLS certificate of {where} {UNTRUSTED}; set backend.sandbox_ca_bundle to the CA that signed it"
    )
    assert (2, [expected]) == track_sync(example_config, tenant)


@pytest.fixture
def out_of_reach(request: pytest.FixtureRequest) -> Iterator[str]:
    """The origin of a server that cannot be reached, for the cause the test names: nothing listening, a host name
    that does not exist, a server that never answers, or one that speaks plain HTTP on an https:// URL."""
    cause = request.param
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        if cause == "connection refused":
            port = silent.getsockname()[1]
            silent.close()  # nothing listens there any more
            yield f"https://127.0.0.1:{port}"
        elif cause == "unknown host":
            yield "https://exchange.example.invalid"
        elif cause == "timed out":
            silent.listen(8)  # connections are taken but never served
            yield f"https://127.0.0.1:{silent.getsockname()[1]}"
        else:
            plain = serve(None)
            yield plain.url.replace("http://", "https://")
            plain.stop()


@pytest.mark.parametrize("setting", ["base_url", "authority"])
@pytest.mark.parametrize(
    "out_of_reach", ["connection refused", "unknown host", "timed out", "TLS: wrong version number"], indirect=True
)
def test_graph_out_of_reach_is_one_sentence_naming_the_setting(
    example_config: Path, tenant: SandboxServer, out_of_reach: str, setting: str, request: pytest.FixtureRequest
) -> None:
    """Graph or its identity platform out of reach ends in one sentence: which server at which URL, the cause, and
    the setting that names its address."""
    cause = request.node.callspec.params["out_of_reach"]
    address = out_of_reach + ("/v1.0" if setting == "base_url" else "")
    config = exchange_online(example_config, tenant, timeout_seconds=1, **{setting: address})
    server = {"base_url": f"Microsoft Graph at {out_of_reach}",
              "authority": f"The identity platform at {out_of_reach}/{tenant_id(tenant)}"}  # fmt: skip
    expected = f"mailbot: {server[setting]} cannot be reached ({cause}); check backend.graph.{setting}"
    assert (2, [expected]) == track_sync(config, tenant)
