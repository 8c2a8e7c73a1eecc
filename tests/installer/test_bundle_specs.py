"""The till's PyInstaller specs: the Windows spec builds the same bundle as the Linux one (same data files, hidden
imports, exclusions, entry), and the bundle carries every data file the till's code reads next to its modules.
Static: the bundle itself is built by scripts/build-desktop and tried by scripts/smoke-desktop.
"""

from __future__ import annotations

import ast
import importlib.util
from pathlib import Path
from types import ModuleType

from desktop.journal import migrate
from shared.dte import drawing, verdict

ROOT = Path(__file__).resolve().parent.parent.parent
SPECS = ROOT / "installer" / "pyinstaller"
PLATFORM_ONLY = {"icon", "version"}  # EXE options that exist only on Windows


def _bundle() -> ModuleType:
    spec = importlib.util.spec_from_file_location("installer_bundle", SPECS / "bundle.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _calls(path: Path) -> dict[str, ast.Call]:
    """The spec's top-level calls by the name called (Analysis, PYZ, EXE, COLLECT, bundle.inputs)."""
    found = {}
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Call):
            found[ast.unparse(node.func)] = node
    return found


def _keywords(call: ast.Call, drop: set[str] = frozenset()) -> dict[str | None, str]:  # type: ignore[assignment]
    return {k.arg: ast.unparse(k.value) for k in call.keywords if k.arg not in drop}


def test_windows_spec_builds_what_the_linux_spec_builds() -> None:
    linux, windows = _calls(SPECS / "almacen-linux.spec"), _calls(SPECS / "almacen-windows.spec")
    for name in ("bundle.inputs", "Analysis", "PYZ", "COLLECT"):
        assert ast.dump(linux[name]) == ast.dump(windows[name]), name
    assert _keywords(linux["EXE"]) == _keywords(windows["EXE"], PLATFORM_ONLY)
    assert [ast.unparse(a) for a in linux["EXE"].args] == [ast.unparse(a) for a in windows["EXE"].args]
    analysis = _keywords(linux["Analysis"])
    assert analysis["datas"] == "datas" and analysis["hiddenimports"] == "hiddenimports"  # from bundle.inputs
    assert analysis["excludes"] == "bundle.EXCLUDES"
    assert _keywords(linux["EXE"])["name"] == _keywords(linux["COLLECT"])["name"] == "bundle.NAME"
    build = (ROOT / "scripts" / "build-desktop").read_text("utf-8")
    assert "installer/pyinstaller/almacen-linux.spec" in build


def test_bundle_lists_are_relative_existing_paths() -> None:
    bundle = _bundle()
    assert (ROOT / bundle.ENTRY).is_file()
    for source, target in bundle.DATAS:
        assert (ROOT / source).exists(), source
        assert "\\" not in source + target and not Path(target).is_absolute(), (source, target)
    assert set(bundle.FONTS) == set(drawing.DEJAVU.values())  # the PDF writer's fonts, all four
    assert {"desktop", "shared"} <= set(bundle.COLLECT_SUBMODULES)
    assert "syncserver" in bundle.EXCLUDES  # the till never carries the server


def test_every_data_file_the_till_reads_is_bundled_where_its_code_looks() -> None:
    bundle = _bundle()
    placed = {}  # file in the repository -> folder in the bundle
    for source, target in bundle.DATAS:
        path = ROOT / source
        files = [p for p in path.rglob("*") if p.is_file()] if path.is_dir() else [path]
        for file in files:
            placed[file] = Path(target) / file.relative_to(path).parent if path.is_dir() else Path(target)
    needed = [p for top in ("desktop", "shared") for p in (ROOT / top).rglob("*")
              if p.is_file() and p.suffix not in (".py", ".pyc") and "__pycache__" not in p.parts]
    needed += list((ROOT / "desktop" / "journal" / "migrations").rglob("*.py"))  # alembic reads them as files
    for file in needed:
        assert file in placed, f"{file.relative_to(ROOT)} is not in installer/pyinstaller/bundle.py DATAS"
        assert placed[file] == file.parent.relative_to(ROOT), f"{file} would not be found next to its module"
    for folder in (verdict.XSD_DIR, verdict.SII_CERTS, Path(migrate.__file__).with_name("migrations")):
        assert any(f.parent.is_relative_to(folder) for f in placed), folder


def test_entry_runs_the_tills_commands() -> None:
    entry = ast.parse((ROOT / _bundle().ENTRY).read_text("utf-8"))
    calls = {ast.unparse(n.func) for n in ast.walk(entry) if isinstance(n, ast.Call)}
    assert {"cli.main", "bundle_smoke.run"} <= calls
