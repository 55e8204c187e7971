"""Run by hand, never in the test suite: ``.venv/bin/python -m benchmarks.run [--quick]``.

Builds the corpus, uploads it with the real twine to Wheelhouse (gunicorn, Postgres, Redis,
DEBUG off) and to the baselines, then loads every page with wrk at concurrency 1 and 16,
anonymously from a public org and with a read token from a private org holding the same
corpus, and prints req/s, p50, p99, server CPU per request and worker memory, with the
ratios.
"""

import argparse
import dataclasses
import json
import re
import shutil
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from benchmarks import corpus, report, servers

JSON_ACCEPT = "application/vnd.pypi.simple.v1+json"
TARGETS = ["root", "small", "big-html", "big-json", "file"]
_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def twine_upload(server: servers.Server, files: list[Path]) -> float:
    """Files per second through the real twine (one process, files in sequence)."""
    return len(files) / sum(_twine(server, files[start:start + UPLOAD_CHUNK])
                            for start in range(0, len(files), UPLOAD_CHUNK))


def twine_upload_in_turns(targets: list[servers.Server],
                          files: list[Path]) -> tuple[dict, dict]:
    """Files per second for each server, each given the whole corpus in the same chunks and
    order as ``twine_upload``, the servers taking turns chunk by chunk (and turns at going
    first). On a shared host whose speed drifts by 10-20% within minutes, uploading to one
    server after the other measured the drift as much as the servers; in turns, a slow
    minute weighs on each alike.

    Also each chunk's files per second, in upload order: a server whose cost per upload grows
    with what it already holds (pypiserver lists its folder) slows down chunk by chunk."""
    chunks = [files[start:start + UPLOAD_CHUNK] for start in range(0, len(files), UPLOAD_CHUNK)]
    spent: dict[str, list[float]] = {server.name: [] for server in targets}
    for turn, chunk in enumerate(chunks):
        for server in targets if turn % 2 == 0 else targets[::-1]:
            spent[server.name].append(_twine(server, chunk))
    overall = {name: len(files) / sum(seconds) for name, seconds in spent.items()}
    per_chunk = {name: [len(chunk) / second for chunk, second in zip(chunks, seconds,
                                                                     strict=True)]
                 for name, seconds in spent.items()}
    return overall, per_chunk


UPLOAD_CHUNK = 200  # files per twine process


def _twine(server: servers.Server, files: list[Path]) -> float:
    """Seconds one twine process takes to upload ``files``."""
    user, password = server.upload_auth
    started = time.monotonic()
    done = subprocess.run([str(servers.VENV_BIN / "twine"), "upload", "--non-interactive",
                           "--disable-progress-bar", "--repository-url", server.upload_url,
                           "-u", user, "-p", password, *map(str, files)],
                          capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(f"twine failed on {server.name}:\n{done.stdout[-3000:]}\n"
                           f"{done.stderr[-3000:]}")
    return time.monotonic() - started


def fetch(url: str, accept: str = "text/html", auth: str = "") -> tuple[bytes, str]:
    headers = {"Accept": accept, **({"Authorization": auth} if auth else {})}
    request = urllib.request.Request(url, headers=headers)
    with urllib.request.urlopen(request, timeout=30) as response:
        if response.url != url:  # wrk would count the redirect's answers as pages
            raise RuntimeError(f"{url} redirected to {response.url}")
        return response.read(), response.headers.get("Content-Type", "")


def urls(server: servers.Server) -> dict[str, tuple[str, str]]:
    """Target name -> (URL, Accept). The file is the first link of the small page."""
    html, _ = fetch(server.base + server.small, auth=server.read_auth)
    href = re.search(rb'href="([^"#]+)', html).group(1).decode()
    file_url = urllib.request.urljoin(server.base + server.small, href)
    return {"root": (server.base + server.root, "text/html"),
            "small": (server.base + server.small, "text/html"),
            "big-html": (server.base + server.big, "text/html"),
            "big-json": (server.base + server.big, JSON_ACCEPT),
            "file": (file_url, "*/*")}


def _ms(text: str) -> float:
    number, unit = re.match(r"([\d.]+)(\w+)", text).groups()
    return float(number) * _UNITS[unit]


def cpu_ticks(pid: int) -> int:
    """utime + stime of a process and its children (the gunicorn workers)."""
    total = 0
    for each in [pid, *children(pid)]:
        try:
            fields = Path(f"/proc/{each}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except FileNotFoundError:
            pass
    return total


def children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


def rss_mib(pid: int) -> float:
    """The workers' resident memory (the server itself when it has no worker processes)."""
    total = 0
    for each in children(pid) or [pid]:
        status = Path(f"/proc/{each}/status").read_text()
        total += int(re.search(r"VmRSS:\s+(\d+)", status).group(1))
    return total / 1024


def wrk(url: str, accept: str, connections: int, seconds: int, pid: int,
        auth: str = "") -> dict:
    """One cell. Any answer that is not 2xx or 3xx (a 401 to a token, a 404) fails the run:
    the req/s of error pages measure nothing."""
    ticks = cpu_ticks(pid)
    headers = ["-H", f"Accept: {accept}", *(["-H", f"Authorization: {auth}"] if auth else [])]
    result = subprocess.run(
        ["wrk", "-t", str(min(connections, 2)), "-c", str(connections), "-d", f"{seconds}s",
         "--latency", *headers, url], capture_output=True, text=True,
        check=True, timeout=seconds + 60)
    used = (cpu_ticks(pid) - ticks) / 100  # clock ticks per second on Linux
    out = result.stdout
    if "Requests/sec" not in out or "99%" not in out:
        raise RuntimeError(f"wrk gave no figures for {url}:\n{out}\n{result.stderr}")
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors:
        raise RuntimeError(f"{errors.group(1)} of {requests} answers to {url} "
                           f"{'with' if auth else 'without'} a token were errors:\n{out}")
    return {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
            "p50": _ms(re.search(r"^\s*50%\s+(\S+)", out, re.M).group(1)),
            "p99": _ms(re.search(r"^\s*99%\s+(\S+)", out, re.M).group(1)),
            "cpu_ms_per_req": 1000 * used / max(requests, 1),
            "errors": 0}


def load(server: servers.Server, seconds: int) -> dict:
    return load_in_turns([(server, urls(server))], seconds)[0]


def load_in_turns(targets: list[tuple[servers.Server, dict]], seconds: int,
                  rounds: int = 1) -> list[dict]:
    """Each server's figures (in the order given), the servers taking turns cell by cell and
    turns at going first. Wheelhouse and the bare-Django ceiling are measured so: a target is
    a share of the ceiling, and a shared host's speed drifts within minutes, so a ceiling
    measured minutes apart from the server would compare the host with itself.

    With ``rounds`` > 1 each cell is measured that many times, in turns, and a server's
    figures for the cell are those of its median round by req/s (every round's req/s is kept
    under ``rounds_rps``): a slow stretch of the host then decides no cell alone."""
    for server, addresses in targets:
        for url, accept in addresses.values():
            # Warm the caches once, as a running registry would be.
            fetch(url, accept, server.read_auth)
    figures: list[dict] = [{} for _ in targets]
    order, turn = list(enumerate(targets)), 0
    for target in TARGETS:
        for connections in (1, 16):
            measured: list[list[dict]] = [[] for _ in targets]
            for _ in range(rounds):
                for index, (server, addresses) in order if turn % 2 == 0 else order[::-1]:
                    url, accept = addresses[target]
                    measured[index].append(wrk(url, accept, connections, seconds,
                                               server.process.pid, server.read_auth))
                turn += 1
            for index, cell in enumerate(measured):
                figures[index][f"{target}@c{connections}"] = _median_round(cell)
    for index, (server, _) in enumerate(targets):
        figures[index]["rss_mib"] = rss_mib(server.process.pid)
    return figures


def _median_round(cell: list[dict]) -> dict:
    ranked = sorted(cell, key=lambda figures: figures["rps"])
    return {**ranked[len(ranked) // 2], "rounds_rps": [figures["rps"] for figures in cell]}


def capture_pages(servers_: list[servers.Server], folder: Path) -> None:
    """The exact bytes Wheelhouse serves, for the bare-Django ceiling to serve from memory:
    the public org's under ``/``, the private org's (read with its token) under ``/token/``."""
    folder.mkdir(parents=True, exist_ok=True)
    manifest = {}
    for server in servers_:
        prefix = _ceiling_prefix(server)
        for target, (url, accept) in urls(server).items():
            body, ctype = fetch(url, accept, server.read_auth)
            name = ("token-" if server.read_auth else "") + target
            folder.joinpath(name).write_bytes(body)
            path = {"big-html": "/big", "big-json": "/big.json"}.get(target, "/" + target)
            manifest[prefix.rstrip("/") + path] = [name, ctype]
    folder.joinpath("manifest.json").write_text(json.dumps(manifest))


def _ceiling_prefix(server: servers.Server) -> str:
    return "/token/" if server.read_auth else "/"


def ceiling_urls(server: servers.Server) -> dict:
    """The ceiling's targets; a view with ``read_auth`` sends the header, which the ceiling
    ignores, and reads the private org's bytes."""
    base = server.base + _ceiling_prefix(server).rstrip("/")
    return {"root": (base + "/root", "text/html"), "small": (base + "/small", "text/html"),
            "big-html": (base + "/big", "text/html"), "big-json": (base + "/big.json", "*/*"),
            "file": (base + "/file", "*/*")}


def run_server(results: dict, server: servers.Server, files, seconds: int, upload=True):
    """Upload (timed) unless told not to, load, and always stop the server."""
    try:
        if upload:
            results["upload_files_per_s"][server.name] = twine_upload(server, files)
        results["load"][server.name] = load(server, seconds)
    finally:
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--small", type=int, default=300)
    parser.add_argument("--big", type=int, default=1500)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3,
                        help="rounds of each cell for Wheelhouse and its ceiling (median kept)")
    parser.add_argument("--upload-rounds", type=int, default=3,
                        help="rounds of the upload in turns with pypiserver, each into fresh "
                             "servers (the last round's Wheelhouse goes on to the load phase)")
    parser.add_argument("--skip", action="append", default=[],
                        help="pypiserver, devpi or double")
    parser.add_argument("--out", type=Path,
                        default=Path(tempfile.gettempdir()) / "wheelhouse-bench.json")
    args = parser.parse_args()
    if args.upload_rounds < 1:
        parser.error("--upload-rounds must be 1 or more")
    work = Path(tempfile.mkdtemp(prefix="wh-bench-"))
    files = [f for group in corpus.build(work / "corpus", args.small, args.big).values()
             for f in group]
    results = {"corpus": {"small_projects": args.small, "big_files": args.big,
                          "files": len(files)}, "upload_files_per_s": {}, "upload_rounds": [],
               "load": {}}
    try:
        _wheelhouse_and_ceiling(results, work, files, args)
        if "pypiserver" not in args.skip:
            _pypiserver(results, work, files, args.seconds)
        if "devpi" not in args.skip:
            run_server(results, servers.start_devpi(work), files, args.seconds)
    finally:
        args.out.write_text(json.dumps(results, indent=2))
        print(report.render(results))
        shutil.rmtree(work, ignore_errors=True)


def _wheelhouse_and_ceiling(results: dict, work: Path, files, args) -> None:
    if "pypiserver" not in args.skip:
        for round_ in range(1, args.upload_rounds):
            results["upload_rounds"].append(upload_round(work, files, round_))
    env, database = servers.wheelhouse_env(work)
    try:
        wheelhouse = servers.start_wheelhouse(work, env, "bench")
        try:
            if "pypiserver" in args.skip:
                results["upload_files_per_s"]["wheelhouse"] = twine_upload(wheelhouse, files)
            else:  # in turns with pypiserver, the peer whose upload rate is the target
                peer = servers.start_pypiserver(work, work / "pypiserver-packages", cached=False)
                try:
                    overall, per_chunk = twine_upload_in_turns([wheelhouse, peer], files)
                    results["upload_files_per_s"].update(overall)
                    results["upload_chunks_files_per_s"] = per_chunk
                    results["upload_chunk"] = UPLOAD_CHUNK
                    results["upload_rounds"].append(overall)
                finally:
                    peer.stop()
            # The same workers received every upload (a Celery worker validated them).
            results["rss_after_upload_mib"] = rss_mib(wheelhouse.process.pid)
            private = servers.wheelhouse_private(env, wheelhouse, "bench-private")
            # The same corpus into the private org, untimed: the token reads' pages.
            results["private_upload_files_per_s"] = twine_upload(private, files)
            _refused_without_token(private)
            _with_ceiling(results, work, wheelhouse, "", args.seconds, args.rounds, private)
        finally:
            wheelhouse.stop()
        if "double" not in args.skip:
            _doubled(results, work, env, args)
    finally:
        servers.drop_database(database)


def _refused_without_token(private: servers.Server) -> None:
    """The private org's pages must need the token, or its cells measure anonymous reads."""
    try:
        fetch(private.base + private.small)
    except urllib.error.HTTPError as exc:
        if exc.code in (401, 403, 404):
            return
        raise
    raise RuntimeError(f"{private.base + private.small} answered without a token")


def upload_round(work: Path, files: list[Path], round_: int) -> dict:
    """Files/s of Wheelhouse and pypiserver, in turns, each into a fresh server (its own
    database and folder): one round of the upload verdict, which a host's speed moving from
    one minute to the next can turn either way (hence several rounds and their median)."""
    env, database = servers.wheelhouse_env(work)
    env["WHEELHOUSE_VAR_DIR"] = str(work / f"wh-var-round-{round_}")
    started = []
    try:
        started.append(servers.start_wheelhouse(work, env, "bench"))
        started.append(servers.start_pypiserver(work, work / f"pypiserver-round-{round_}",
                                                cached=False))
        overall, _per_chunk = twine_upload_in_turns(started, files)
        return overall
    finally:
        for server in started:
            server.stop()
        servers.drop_database(database)


def _with_ceiling(results: dict, work: Path, wheelhouse: servers.Server, suffix: str,
                  seconds: int, rounds: int, private: servers.Server | None = None) -> None:
    """Wheelhouse's load phase in turns with the ceiling serving the same bytes; with
    ``private`` (the private org read with a token) its cells take their turns too, beside a
    ceiling serving that org's bytes."""
    pages = work / f"pages{suffix}"
    readers = [wheelhouse, *([private] if private else [])]
    capture_pages(readers, pages)
    ceiling = servers.start_ceiling(work, pages)
    ceilings = [ceiling]
    if private:
        ceilings.append(dataclasses.replace(ceiling, name="bare-django-token",
                                            read_auth=private.read_auth))
    try:
        targets = []
        for ours, bare in zip(readers, ceilings, strict=True):
            targets += [(ours, urls(ours)), (bare, ceiling_urls(bare))]
        figures = load_in_turns(targets, seconds, rounds)
    finally:
        ceiling.stop()
    for (server, _), measured in zip(targets, figures, strict=True):
        name = server.name if server is not ceiling else "bare-django" + suffix
        results["load"][name] = measured


def _doubled(results: dict, work: Path, env: dict, args) -> None:
    """Twice the corpus in the org (a second set of projects), same pages measured again."""
    extra = corpus.build(work / "corpus2", args.small * 2, 0)
    more = [f for name, group in extra.items() if name >= f"pkg-{args.small:04d}"
            for f in group]
    server = servers.start_wheelhouse(work, env, "bench", fresh=False)
    server.name = "wheelhouse-doubled"
    try:
        twine_upload(server, more)
        _with_ceiling(results, work, server, "-doubled", args.seconds, args.rounds)
    finally:
        server.stop()


def _pypiserver(results: dict, work: Path, files, seconds: int) -> None:
    """pypiserver's pages and files, plain and cached; its upload was measured in turns with
    Wheelhouse's (``twine_upload_in_turns``) into the same folder."""
    packages = work / "pypiserver-packages"
    run_server(results, servers.start_pypiserver(work, packages, cached=False), files, seconds,
               upload=False)
    cached = servers.start_pypiserver(work, packages, cached=True)
    run_server(results, cached, files, seconds, upload=False)
    # With its authentication on for reads, as a registry a token guards: the cached one,
    # its faster configuration for index pages.
    guarded = servers.start_pypiserver(work, packages, cached=True, token=True)
    run_server(results, guarded, files, seconds, upload=False)


if __name__ == "__main__":
    main()
