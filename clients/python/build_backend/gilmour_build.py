"""A PEP 517 build backend with the standard library only, for this one pure-Python package.

pip builds a project in an isolated environment into which it first installs the backend named in
``[build-system] requires``. setuptools there would have to come from a package index; this backend is in the
source tree (``backend-path``) and requires nothing, so ``pip install`` works offline. It writes the wheel with
zipfile: the package directory, and the metadata from pyproject.toml's ``[project]`` table.
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
import tarfile
import zipfile
from pathlib import Path
from typing import Dict, List, Optional, Tuple

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "gilmour_proxy"
# Fixed timestamps make the same sources give the same wheel (zip cannot hold dates before 1980).
EPOCH = (1980, 1, 1, 0, 0, 0)


def _project() -> Dict[str, str]:
    """pyproject.toml's [project] string values (the file keeps to ``key = "value"`` lines there)."""
    values: Dict[str, str] = {}
    table = None
    for raw in (ROOT / "pyproject.toml").read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("["):
            table = line.strip("[]").strip()
            continue
        if table == "project":
            key, _, value = line.partition("=")
            value = value.strip()
            if not (len(value) >= 2 and value[0] == value[-1] == '"'):
                raise ValueError(f"pyproject.toml [project] {key.strip()}: only one-line strings are read here")
            values[key.strip()] = value[1:-1]
    for required in ("name", "version"):
        if required not in values:
            raise ValueError(f"pyproject.toml [project] has no {required}")
    return values


def _distribution(project: Dict[str, str]) -> str:
    return project["name"].replace("-", "_")


def _dist_info(project: Dict[str, str]) -> str:
    return f"{_distribution(project)}-{project['version']}.dist-info"


def _metadata(project: Dict[str, str]) -> str:
    lines = ["Metadata-Version: 2.1", f"Name: {project['name']}", f"Version: {project['version']}"]
    if "description" in project:
        lines.append(f"Summary: {project['description']}")
    if "requires-python" in project:
        lines.append(f"Requires-Python: {project['requires-python']}")
    readme = project.get("readme")
    body = ""
    if readme:
        lines.append("Description-Content-Type: text/markdown")
        body = (ROOT / readme).read_text(encoding="utf-8")
    return "\n".join(lines) + "\n\n" + body


def _wheel_file() -> str:
    return "Wheel-Version: 1.0\nGenerator: gilmour_build\nRoot-Is-Purelib: true\nTag: py3-none-any\n"


def _package_files() -> List[Tuple[str, bytes]]:
    files = []
    for path in sorted((ROOT / PACKAGE).rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
            files.append((path.relative_to(ROOT).as_posix(), path.read_bytes()))
    return files


def _write_wheel(wheel_directory: str, entries: List[Tuple[str, bytes]], project: Dict[str, str]) -> str:
    dist_info = _dist_info(project)
    entries = entries + [
        (f"{dist_info}/METADATA", _metadata(project).encode()),
        (f"{dist_info}/WHEEL", _wheel_file().encode()),
        (f"{dist_info}/top_level.txt", f"{PACKAGE}\n".encode()),
    ]
    record = io.StringIO()
    for name, data in entries:
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record.write(f"{name},sha256={digest},{len(data)}\n")
    record.write(f"{dist_info}/RECORD,,\n")
    entries.append((f"{dist_info}/RECORD", record.getvalue().encode()))

    filename = f"{_distribution(project)}-{project['version']}-py3-none-any.whl"
    with zipfile.ZipFile(os.path.join(wheel_directory, filename), "w", zipfile.ZIP_DEFLATED) as wheel:
        for name, data in entries:
            info = zipfile.ZipInfo(name, EPOCH)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            wheel.writestr(info, data)
    return filename


# -- the PEP 517 and PEP 660 hooks ---------------------------------------------------------------------------------

def get_requires_for_build_wheel(config_settings: Optional[dict] = None) -> List[str]:
    return []


def get_requires_for_build_sdist(config_settings: Optional[dict] = None) -> List[str]:
    return []


def get_requires_for_build_editable(config_settings: Optional[dict] = None) -> List[str]:
    return []


def prepare_metadata_for_build_wheel(metadata_directory: str, config_settings: Optional[dict] = None) -> str:
    project = _project()
    target = Path(metadata_directory) / _dist_info(project)
    target.mkdir(parents=True, exist_ok=True)
    (target / "METADATA").write_text(_metadata(project), encoding="utf-8")
    (target / "WHEEL").write_text(_wheel_file(), encoding="utf-8")
    return target.name


prepare_metadata_for_build_editable = prepare_metadata_for_build_wheel


def build_wheel(wheel_directory: str, config_settings: Optional[dict] = None,
                metadata_directory: Optional[str] = None) -> str:
    return _write_wheel(wheel_directory, _package_files(), _project())


def build_editable(wheel_directory: str, config_settings: Optional[dict] = None,
                   metadata_directory: Optional[str] = None) -> str:
    """``pip install -e``: a wheel holding only a .pth file that puts this source tree on sys.path."""
    project = _project()
    pth = (f"{_distribution(project)}.pth", (str(ROOT) + "\n").encode())
    return _write_wheel(wheel_directory, [pth], project)


def build_sdist(sdist_directory: str, config_settings: Optional[dict] = None) -> str:
    project = _project()
    base = f"{_distribution(project)}-{project['version']}"
    files = [("pyproject.toml", (ROOT / "pyproject.toml").read_bytes()),
             ("build_backend/gilmour_build.py", Path(__file__).read_bytes())]
    if project.get("readme"):
        files.append((project["readme"], (ROOT / project["readme"]).read_bytes()))
    files += _package_files()
    files.append(("PKG-INFO", _metadata(project).encode()))
    filename = f"{base}.tar.gz"
    with tarfile.open(os.path.join(sdist_directory, filename), "w:gz", format=tarfile.PAX_FORMAT) as sdist:
        for name, data in files:
            info = tarfile.TarInfo(f"{base}/{name}")
            info.size = len(data)
            info.mode = 0o644
            info.mtime = 315532800  # 1980-01-01, as in the wheel
            sdist.addfile(info, io.BytesIO(data))
    return filename
