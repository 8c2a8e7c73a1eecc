"""installer/'s files agree with the code they start: the systemd unit, the container set-up, the desktop entries
and the two PyInstaller specs (static checks: Docker and Windows are not available on the build machine).
"""

from __future__ import annotations

import argparse
import ast
import configparser
import re
import shlex
import shutil
import subprocess
from dataclasses import fields
from pathlib import Path

import pytest
import yaml

from desktop import cli as pos_cli
from shared import launcher
from syncserver import bootstrap
from syncserver import cli as server_cli
from syncserver import settings as settings_mod

ROOT = Path(__file__).resolve().parent.parent.parent
INSTALLER = ROOT / "installer"
SETTING_VARIABLES = {settings_mod.PREFIX + f.name.upper() for f in fields(settings_mod.ServerSettings)}
KNOWN_VARIABLES = SETTING_VARIABLES | {bootstrap.ADMIN_URL_VARIABLE, settings_mod.PREFIX + "CONFIG"}


def _ini(path: Path) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keys are case-sensitive
    parser.read_string(path.read_text("utf-8"))
    return parser


def _server_args(argv: list[str]) -> argparse.Namespace:
    """``argv`` (after the program) parsed by the real ``almacen`` parser with the server part."""
    return launcher.parser({"server": server_cli.SERVER}).parse_args(argv)


def _env_file(path: Path) -> dict[str, str]:
    """KEY=VALUE lines, commented-out ones included (they document optional settings)."""
    found = {}
    for line in path.read_text("utf-8").splitlines():
        match = re.match(r"^#?(ALMACEN_\w+)=(.*)$", line.strip())
        if match:
            found[match[1]] = match[2]
    return found


def test_systemd_unit_starts_the_server_with_its_settings() -> None:
    unit = _ini(INSTALLER / "systemd" / "almacen-server.service")
    service = unit["Service"]
    argv = shlex.split(service["ExecStart"])
    assert argv[0] == "/opt/almacen/.venv/bin/almacen"
    args = _server_args(argv[1:])
    assert args.part == "server" and args.workers == 2 and getattr(args, "command", None) is None
    data_dir = service["Environment"].removeprefix("ALMACEN_DATA_DIR=")
    assert data_dir == "/var/lib/" + service["StateDirectory"] == service["ReadWritePaths"]
    assert service["User"] == "almacen" and service["KillSignal"] == "SIGTERM"  # cli stops its PostgreSQL on TERM
    assert service["EnvironmentFile"].lstrip("-") == "/etc/almacen/server.env"
    assert unit["Install"]["WantedBy"] == "multi-user.target"


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="sin systemd-analyze en esta máquina")
def test_systemd_accepts_the_unit(tmp_path: Path) -> None:
    """systemd's own checker reads the unit (every key known, every value parsed), with the install path pointed at
    this checkout so the program it names exists; systemd-analyze prints, and only prints, what it ignores."""
    text = (INSTALLER / "systemd" / "almacen-server.service").read_text("utf-8")
    unit = tmp_path / "almacen-server.service"
    unit.write_text(text.replace("/opt/almacen", str(ROOT)), "utf-8")
    assert (ROOT / ".venv" / "bin" / "almacen").exists()
    checked = subprocess.run(["systemd-analyze", "verify", str(unit)], capture_output=True, text=True, timeout=60)
    assert checked.returncode == 0 and checked.stdout + checked.stderr == "", checked.stdout + checked.stderr


def test_server_env_example_names_only_real_settings_and_loads() -> None:
    values = _env_file(INSTALLER / "systemd" / "server.env.example")
    assert set(values) <= KNOWN_VARIABLES, set(values) - KNOWN_VARIABLES
    active = {k: v for k, v in values.items() if "DATABASE_URL" not in k}
    loaded = settings_mod.load(env=active | {"ALMACEN_SECRET_KEY": "x" * 32})
    assert loaded.data_dir == Path("/var/lib/almacen") and loaded.sii_environment == "certificacion"
    assert loaded.hq_secure_cookie is True and loaded.dte_interval == 60.0


def test_readme_documents_every_setting() -> None:
    readme = (INSTALLER / "README.md").read_text("utf-8")
    missing = sorted(v for v in KNOWN_VARIABLES if f"`{v}`" not in readme)
    assert not missing, f"installer/README.md §4 does not document {missing}"


def _compose() -> dict[str, dict[str, object]]:
    loaded = yaml.safe_load((INSTALLER / "container" / "compose.yaml").read_text("utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def _containerfile() -> dict[str, list[str]]:
    """Instruction → its argument texts, continuation lines joined."""
    text = re.sub(r"\\\n\s*", " ", (INSTALLER / "container" / "Containerfile").read_text("utf-8"))
    found: dict[str, list[str]] = {}
    for line in text.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            word, _, rest = line.strip().partition(" ")
            found.setdefault(word, []).append(rest.strip())
    return found


def _substituted(value: str) -> str:
    return re.sub(r"\$\{(\w+)(?::[-?]([^}]*))?\}", lambda m: "s3cr3t" if m[1] == "POSTGRES_PASSWORD" else m[2], value)


def test_compose_server_matches_the_servers_settings_and_its_database() -> None:
    compose = _compose()
    db, server = compose["services"]["db"], compose["services"]["server"]  # type: ignore[index]
    env = {k: _substituted(str(v)) for k, v in server["environment"].items()}  # type: ignore[index]
    assert set(env) <= KNOWN_VARIABLES, set(env) - KNOWN_VARIABLES
    settings = settings_mod.load(env=env | {"ALMACEN_SECRET_KEY": "x" * 32})
    db_env = db["environment"]  # type: ignore[index]
    for name in ("ALMACEN_DATABASE_URL", bootstrap.ADMIN_URL_VARIABLE):  # both set: external database, migrated
        url = re.match(r"postgresql://(\w+):([^@]+)@(\w+):(\d+)/(\w+)$", env[name])
        assert url, env[name]
        assert (url[1], url[3], url[4], url[5]) == (db_env["POSTGRES_USER"], "db", "5432", db_env["POSTGRES_DB"])
    assert settings.database_url is not None and settings.host == "0.0.0.0"
    # the data dir (secret key, app role password) and PostgreSQL's data are volumes
    assert f"almacen-data:{settings.data_dir}" in server["volumes"]  # type: ignore[index]
    assert "pgdata:/var/lib/postgresql/data" in db["volumes"]  # type: ignore[index]
    assert set(compose["volumes"]) == {"almacen-data", "pgdata"}
    assert server["ports"] == [f"{settings.port}:{settings.port}"]  # type: ignore[index]
    assert server["depends_on"]["db"]["condition"] == "service_healthy"  # type: ignore[index]
    assert db["healthcheck"]["test"][-3:] == ["almacen_admin", "-d", "almacen"]  # type: ignore[index]


def test_containerfile_matches_compose_and_starts_the_server() -> None:
    instructions = _containerfile()
    server = _compose()["services"]["server"]
    assert server["build"] == {"context": "../..", "dockerfile": "installer/container/Containerfile"}  # type: ignore[index]
    env = dict(re.findall(r"(ALMACEN_\w+)=(\S+)", " ".join(instructions["ENV"])))
    assert set(env) <= SETTING_VARIABLES
    settings = settings_mod.load(env=env | {"ALMACEN_SECRET_KEY": "x" * 32})
    assert instructions["VOLUME"] == [f'["{settings.data_dir}"]']
    assert instructions["EXPOSE"] == [str(settings.port)]
    assert instructions["USER"] == ["almacen"]
    cmd = ast.literal_eval(instructions["CMD"][0])
    assert cmd[0] == "/opt/almacen/.venv/bin/almacen" and _server_args(cmd[1:]).part == "server"
    assert any("uv sync --frozen --no-dev --extra server" in run for run in instructions["RUN"])
    for copy in instructions["COPY"]:  # every source copied from the build context exists
        if not copy.startswith("--from"):
            for source in copy.split()[:-1]:
                assert (ROOT / source).exists(), source
    assert "/health" in instructions["HEALTHCHECK"][0] and str(settings.port) in instructions["HEALTHCHECK"][0]


@pytest.mark.parametrize("name", ["almacen-caja.desktop", "almacen-caja-autostart.desktop"])
def test_desktop_entries_open_the_till(name: str) -> None:
    entry = _ini(INSTALLER / "linux" / name)["Desktop Entry"]
    assert entry["Type"] == "Application" and entry["Terminal"] == "false"
    argv = shlex.split(entry["Exec"])
    assert argv[0] == entry["Path"] + "/almacen"  # the bundle's executable (scripts/build-desktop)
    args = pos_cli.parser().parse_args(argv[1:])
    assert args.func is pos_cli.cmd_run and args.fullscreen
    assert entry["Icon"].startswith(entry["Path"] + "/_internal/")
    if "autostart" in name:
        assert entry["X-GNOME-Autostart-enabled"] == "true"
