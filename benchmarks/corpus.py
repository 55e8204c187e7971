"""A deterministic benchmark corpus: valid wheels and sdists, byte-identical on every run.

``small`` projects with one release each (a wheel and an sdist), plus ``big-project`` with
``big_files`` files (half wheels, half sdists, one pair per version).
"""

import base64
import gzip
import hashlib
import io
import tarfile
import zipfile
from pathlib import Path

EPOCH = (2024, 1, 1, 0, 0, 0)
BIG = "big-project"


def _metadata(name: str, version: str) -> bytes:
    return (f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
            f"Summary: Benchmark package {name}\nRequires-Python: >=3.8\n"
            "Description-Content-Type: text/markdown\n\n"
            f"# {name}\n\nA benchmark package.\n").encode()


def _record_line(path: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{path},sha256={digest},{len(data)}"


def wheel(directory: Path, name: str, version: str) -> Path:
    """A pure-Python wheel with a fixed timestamp on every member."""
    module = name.replace("-", "_")
    dist_info = f"{module}-{version}.dist-info"
    members = {
        f"{module}/__init__.py": f'VERSION = "{version}"\n'.encode(),
        f"{dist_info}/METADATA": _metadata(name, version),
        f"{dist_info}/WHEEL": b"Wheel-Version: 1.0\nGenerator: bench\nRoot-Is-Purelib: true\n"
                              b"Tag: py3-none-any\n",
    }
    record = [_record_line(p, d) for p, d in members.items()] + [f"{dist_info}/RECORD,,"]
    members[f"{dist_info}/RECORD"] = ("\n".join(record) + "\n").encode()
    path = directory / f"{module}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for member, data in members.items():
            archive.writestr(zipfile.ZipInfo(member, EPOCH), data, zipfile.ZIP_DEFLATED)
    return path


def sdist(directory: Path, name: str, version: str) -> Path:
    """A PEP 625 sdist (gzip and tar headers with fixed times)."""
    stem = f"{name.replace('-', '_')}-{version}"
    members = {
        "PKG-INFO": _metadata(name, version),
        "pyproject.toml": (f'[project]\nname = "{name}"\nversion = "{version}"\n').encode(),
        f"src/{name.replace('-', '_')}/__init__.py": f'VERSION = "{version}"\n'.encode(),
    }
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as archive:
        for member, data in members.items():
            info = tarfile.TarInfo(f"{stem}/{member}")
            info.size, info.mode, info.mtime = len(data), 0o644, 1_700_000_000
            archive.addfile(info, io.BytesIO(data))
    path = directory / f"{stem}.tar.gz"
    with open(path, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as out:
        out.write(buffer.getvalue())
    return path


def build(directory: Path, small: int = 300, big_files: int = 1500) -> dict[str, list[Path]]:
    """Write the corpus under ``directory``; returns {project name: [files]}."""
    directory.mkdir(parents=True, exist_ok=True)
    corpus: dict[str, list[Path]] = {}
    for n in range(small):
        name = f"pkg-{n:04d}"
        corpus[name] = [wheel(directory, name, "1.0.0"), sdist(directory, name, "1.0.0")]
    corpus[BIG] = []
    for n in range(big_files // 2):
        version = f"{n // 100}.{(n // 10) % 10}.{n % 10}"
        corpus[BIG] += [wheel(directory, BIG, version), sdist(directory, BIG, version)]
    return corpus
