"""How fast is this host, in 20 seconds? ``.venv/bin/python -m benchmarks.hostcheck``.

The bare-Django ceiling (``ceiling.py``, under the benchmark's gunicorn flags) serves one page of
the 1,500-file page's size from memory while wrk loads it at c=16, in ``--rounds`` rounds. The
full run's p99 target (under 25 ms at c=16) is bound by the host's throughput: in the runs of
``RESULTS.md`` that measured the ceiling in turns, Wheelhouse met it on the 1,500-file pages
wherever the ceiling served them at 2,190 req/s or more, and missed it wherever the ceiling
served them at 1,900 or less (where the ceiling's own p99 missed it too). Run this before a
full run (45-70 minutes).
"""

import argparse
import json
import statistics
import subprocess
import tempfile
from pathlib import Path

from benchmarks import run, servers

PAGE_BYTES = 481_000  # the 1,500-file page in HTML
FAST_ENOUGH = 2_500  # req/s of the ceiling on that page: see above


def page(size: int) -> bytes:
    """``size`` bytes of an index page: anchors as the simple API writes them, the last one cut."""
    head = b"<!DOCTYPE html><html><head><title>Links for big-project</title></head><body>\n"
    lines, total, index = [head], len(head), 0
    while total < size:
        digest = f"{index:064x}"
        line = (f'<a href="../../files/{digest[:2]}/{digest[2:4]}/{digest[4:]}/'
                f'big_project-1.0.{index}-py3-none-any.whl#sha256={digest}" '
                f'data-requires-python="&gt;=3.8" data-core-metadata="sha256={digest}">'
                f"big_project-1.0.{index}-py3-none-any.whl</a><br />\n").encode()
        lines.append(line)
        total, index = total + len(line), index + 1
    return b"".join(lines)[:size]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    if args.seconds < 1 or args.rounds < 1:
        parser.error("--seconds and --rounds must be 1 or more")
    with tempfile.TemporaryDirectory(prefix="wh-hostcheck-") as folder:
        pages = Path(folder)
        pages.joinpath("big").write_bytes(page(PAGE_BYTES))
        pages.joinpath("manifest.json").write_text(json.dumps({"/big": ["big", "text/html"]}))
        process = subprocess.Popen(
            [str(servers.VENV_BIN / "gunicorn"), "benchmarks.ceiling:application",
             "-b", f"127.0.0.1:{(port := servers.free_port())}", *servers.GUNICORN_ARGS],
            cwd=servers.ROOT, env=servers.ceiling_env(pages), stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT)
        try:
            url = f"http://127.0.0.1:{port}/big"
            servers.wait_http(url)
            cells = [run.wrk(url, "text/html", 16, args.seconds, process.pid)
                     for _ in range(args.rounds)]
        finally:
            process.terminate()
            process.wait(timeout=20)
    for number, cell in enumerate(cells, 1):
        print(f"round {number}: {cell['rps']:.0f} req/s, p50 {cell['p50']:.1f} ms, "
              f"p99 {cell['p99']:.1f} ms")
    rate = statistics.median(cell["rps"] for cell in cells)
    verdict = "fast enough" if rate >= FAST_ENOUGH else "too slow"
    print(f"ceiling on a {PAGE_BYTES:,}-byte page at c=16: median {rate:.0f} req/s; "
          f"{verdict} for the p99 target (needs about {FAST_ENOUGH:,})")


if __name__ == "__main__":
    main()
