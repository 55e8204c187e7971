"""Builds real, installable distributions on the fly: a wheel (PEP 427) and an sdist (PEP 625).

Valid by default; keyword arguments bend one thing at a time for tests of the rules.
"""

import base64
import hashlib
import io
import tarfile
import zipfile
from pathlib import Path

from packaging.utils import canonicalize_name


def dist_stem(name: str, version: str) -> str:
    return f"{canonicalize_name(name).replace('-', '_')}-{version}"


def core_metadata(name: str, version: str, *, summary: str = "A test package",
                  requires_python: str = ">=3.8", extra: str = "",
                  description: str = "# Hello\n\nA package built by the tests.\n") -> str:
    return (
        "Metadata-Version: 2.1\n"
        f"Name: {name}\nVersion: {version}\nSummary: {summary}\n"
        f"Requires-Python: {requires_python}\n"
        "Description-Content-Type: text/markdown\n"
        f"{extra}\n{description}"
    )


def _record_line(path: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{path},sha256={digest},{len(data)}"


def module_name(name: str) -> str:
    return canonicalize_name(name).replace("-", "_")


def build_wheel(directory: Path, name: str, version: str, *, tag: str = "py3-none-any",
                metadata: str | None = None, files: dict[str, bytes] | None = None) -> Path:
    stem = dist_stem(name, version)
    dist_info = f"{stem}.dist-info"
    module = module_name(name)
    members = dict(files if files is not None else {
        f"{module}/__init__.py": f'GREETING = "hello from {name} {version}"\n'.encode()})
    members[f"{dist_info}/METADATA"] = (metadata or core_metadata(name, version)).encode()
    members[f"{dist_info}/WHEEL"] = (
        "Wheel-Version: 1.0\nGenerator: wheelhouse-tests\nRoot-Is-Purelib: true\n"
        + "".join(f"Tag: {t}\n" for t in _expand(tag))).encode()
    record = [_record_line(path, data) for path, data in members.items()]
    record.append(f"{dist_info}/RECORD,,")
    members[f"{dist_info}/RECORD"] = ("\n".join(record) + "\n").encode()
    path = Path(directory) / f"{stem}-{tag}.whl"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for member, data in members.items():
            archive.writestr(member, data)
    return path


def _expand(tag: str) -> list[str]:
    py, abi, plat = tag.split("-")
    return [f"{p}-{a}-{pl}" for p in py.split(".") for a in abi.split(".")
            for pl in plat.split(".")]


def build_sdist(directory: Path, name: str, version: str, *, metadata: str | None = None,
                files: dict[str, bytes] | None = None) -> Path:
    stem = dist_stem(name, version)
    module = module_name(name)
    members = dict(files if files is not None else {
        f"src/{module}/__init__.py": f'GREETING = "hello from {name} {version}"\n'.encode(),
        "pyproject.toml": (
            '[build-system]\nrequires = ["setuptools>=61"]\n'
            'build-backend = "setuptools.build_meta"\n\n'
            f'[project]\nname = "{name}"\nversion = "{version}"\n').encode()})
    members["PKG-INFO"] = (metadata or core_metadata(name, version)).encode()
    path = Path(directory) / f"{stem}.tar.gz"
    with tarfile.open(path, "w:gz", format=tarfile.PAX_FORMAT) as archive:
        for member, data in members.items():
            info = tarfile.TarInfo(f"{stem}/{member}")
            info.size, info.mode, info.mtime = len(data), 0o644, 1_700_000_000
            archive.addfile(info, io.BytesIO(data))
    return path
