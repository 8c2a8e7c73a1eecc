"""Install the pinned uv into a bin folder with the standard library alone, for systems whose Python refuses
``pip install`` (PEP 668) or has no pip: the wheel comes from the package index, is checked against its pinned
sha256, and only its ``uv`` binary is kept. Run by ``scripts/setup``: ``python3 scripts/install_uv.py DEST_DIR``.
"""

from __future__ import annotations

import hashlib
import io
import os
import platform
import re
import sys
import tempfile
import urllib.request
import zipfile
from pathlib import Path

VERSION = "0.13.9"
# (machine, libc) -> wheel file and its sha256, as published on PyPI for uv 0.13.9
WHEELS = {
    ("x86_64", "glibc"): ("uv-0.13.9-py3-none-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
                          "d7f459fe4fd247d830351c75686d3996ace3c6f3f728eb0e85a30b7ada0cef19"),
    ("x86_64", "musl"): ("uv-0.13.9-py3-none-musllinux_1_1_x86_64.whl",
                         "2c45530751517d6c3bbc69a19473f6effe47cce047bede01ffd8af7ea7b36b25"),
    ("aarch64", "glibc"): ("uv-0.13.9-py3-none-manylinux_2_17_aarch64.manylinux2014_aarch64.musllinux_1_1_aarch64.whl",
                           "5435c5ce14a56431208ca0996416d310f1598e8c2c8ba707688985a16bb82dbe"),
    ("armv7l", "glibc"): ("uv-0.13.9-py3-none-manylinux_2_17_armv7l.manylinux2014_armv7l.whl",
                          "16963d19594e18d746a70c7fce82237bde4f2cac4cfcf0ca2b84796fe9d0c6e9"),
}
WHEELS[("aarch64", "musl")] = WHEELS[("aarch64", "glibc")]
WHEELS[("arm64", "glibc")] = WHEELS[("aarch64", "glibc")]


def index_url() -> str:
    """The simple index (PEP 503) to read: UV_INDEX_URL or PIP_INDEX_URL when set, else PyPI's."""
    return (os.environ.get("UV_INDEX_URL") or os.environ.get("PIP_INDEX_URL") or "https://pypi.org/simple").rstrip("/")


def wheel_for_this_machine() -> tuple[str, str]:
    """The pinned (file name, sha256) for this CPU and C library; SystemExit with a Spanish message if none."""
    machine = platform.machine().lower()
    libc = "glibc" if platform.libc_ver()[0] == "glibc" else "musl"
    try:
        return WHEELS[(machine, libc)]
    except KeyError:
        raise SystemExit(f"No hay un uv {VERSION} conocido para {machine}/{libc}. Instálelo a mano "
                         "(apt-get install pipx && pipx install uv) y vuelva a ejecutar scripts/setup.") from None


def download(url: str) -> bytes:
    """GET ``url`` (proxies from the environment, as urllib does); SystemExit with a Spanish message on failure."""
    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            data: bytes = response.read()
            return data
    except OSError as exc:
        raise SystemExit(f"No se pudo descargar {url}: {exc}") from None


def install(dest: Path) -> Path:
    """Download, verify and unpack uv into ``dest``; returns the path of the binary."""
    filename, sha256 = wheel_for_this_machine()
    page = download(f"{index_url()}/uv/").decode("utf-8", "replace")
    match = re.search(r'href="([^"#]*/' + re.escape(filename) + r')(?:#[^"]*)?"', page)
    if match is None:
        raise SystemExit(f"El índice {index_url()} no ofrece {filename}.")
    url = urllib.request.urljoin(f"{index_url()}/uv/", match.group(1).replace("&amp;", "&"))
    wheel = download(url)
    if hashlib.sha256(wheel).hexdigest() != sha256:
        raise SystemExit(f"{filename}: el sha256 no coincide con el esperado; no se instala.")
    with zipfile.ZipFile(io.BytesIO(wheel)) as archive:
        binary = archive.read(f"uv-{VERSION}.data/scripts/uv")
    dest.mkdir(parents=True, exist_ok=True)
    target = dest / "uv"
    with tempfile.NamedTemporaryFile(dir=dest, delete=False) as tmp:  # atomic: a half-written uv is never run
        tmp.write(binary)
    os.chmod(tmp.name, 0o755)
    os.replace(tmp.name, target)
    return target


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("uso: python3 scripts/install_uv.py CARPETA_BIN", file=sys.stderr)
        return 2
    print(install(Path(argv[0]).expanduser()))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
