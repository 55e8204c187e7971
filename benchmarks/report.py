"""Figures of one run as Markdown tables with the ratios: ``python -m benchmarks.report FILE``."""

import json
import statistics
import sys
from pathlib import Path

PEERS = ("pypiserver", "pypiserver-cached", "devpi")
TARGETS = ("root", "small", "big-html", "big-json", "file")


def _cell(figures: dict | None) -> str:
    if not figures:
        return "–"
    return f"{figures['rps']:.0f} / {figures['p50']:.1f} / {figures['p99']:.1f}"


TOKEN = "-token"  # the same server read with a token (a private org; pypiserver's auth on)


def load_table(results: dict, connections: int) -> list[str]:
    """A row per target read anonymously, then, where measured, a row per target read with
    a token: each server's column then holds its figures with the token, the ratios compare
    token reads with token reads, and the last column is token / anonymous req/s."""
    load = results["load"]
    names = [n for n in ("wheelhouse", "bare-django", "wheelhouse-doubled",
                         "bare-django-doubled", *PEERS) if n in load or n + TOKEN in load]
    doubled = "bare-django-doubled" in load
    token = "wheelhouse" + TOKEN in load
    lines = [f"| page (c={connections}) | " + " | ".join(names) + " | WH / ceiling"
             + (" | doubled / its ceiling" if doubled else "") + " | WH / best peer"
             + (" | token / anonymous" if token else "") + " |",
             "|---" * (len(names) + 3 + doubled + token) + "|"]
    for suffix in ("", TOKEN) if token else ("",):
        for target in TARGETS:
            key = f"{target}@c{connections}"
            ratios = [_share(load, "wheelhouse" + suffix, "bare-django" + suffix, key)]
            if doubled:
                ratios.append("–" if suffix else _share(load, "wheelhouse-doubled",
                                                        "bare-django-doubled", key))
            ratios.append(_to_peer(load, key, suffix))
            if token:
                ratios.append(_ratio(load, "wheelhouse" + TOKEN, "wheelhouse", key)
                              if suffix else "–")
            row = [_cell(load.get(n + suffix, {}).get(key)) for n in names] + ratios
            label = f"{target} with a read token" if suffix else target
            lines.append(f"| {label} | " + " | ".join(row) + " |")
    return lines


def _share(load: dict, ours: str, ceiling: str, key: str) -> str:
    """Our req/s as a share of the ceiling's, both measured in turns in the same minutes."""
    mine, bare = load.get(ours, {}).get(key), load.get(ceiling, {}).get(key)
    return f"{mine['rps'] / bare['rps']:.0%}" if mine and bare else "–"


def _ratio(load: dict, ours: str, other: str, key: str) -> str:
    mine, theirs = load.get(ours, {}).get(key), load.get(other, {}).get(key)
    return f"{mine['rps'] / theirs['rps']:.2f}×" if mine and theirs else "–"


def _to_peer(load: dict, key: str, suffix: str = "") -> str:
    """Over the fastest baseline read the same way (with a token: those measured so)."""
    ours = load.get("wheelhouse" + suffix, {}).get(key)
    peers = [load[p + suffix][key]["rps"] for p in PEERS
             if p + suffix in load and key in load[p + suffix]]
    return f"{ours['rps'] / max(peers):.1f}×" if ours and peers else "–"


def cpu_table(results: dict) -> list[str]:
    load = results["load"]
    lines = ["| server | CPU ms/request (c=16: root, small, big-html, big-json, file) "
             "| workers' RSS after load (MiB) |", "|---|---|---|"]
    for name, figures in load.items():
        cpu = ", ".join(f"{figures[f'{t}@c16']['cpu_ms_per_req']:.2f}"
                        for t in TARGETS if f"{t}@c16" in figures)
        lines.append(f"| {name} | {cpu} | {figures.get('rss_mib', 0):.0f} |")
    return lines


def rounds_table(results: dict) -> list[str]:
    """Every round's req/s at c=16 where a cell was measured in rounds (median shown above)."""
    load = results["load"]
    names = [n for n, figures in load.items()
             if len(figures.get("root@c16", {}).get("rounds_rps", [])) > 1]
    if not names:
        return []
    lines = ["| req/s of each round (c=16) | " + " | ".join(names) + " |",
             "|---" * (len(names) + 1) + "|"]
    for target in TARGETS:
        row = [", ".join(f"{rps:.0f}" for rps in load[n][f"{target}@c16"]["rounds_rps"])
               for n in names]
        lines.append(f"| {target} | " + " | ".join(row) + " |")
    return ["", *lines]


def upload_chunks(results: dict) -> list[str]:
    """Each chunk's files/s, in upload order (the servers took turns chunk by chunk)."""
    chunks = results.get("upload_chunks_files_per_s", {})
    return [f"  {name}, each chunk of {results['upload_chunk']} in turn: "
            + ", ".join(f"{rate:.0f}" for rate in rates) for name, rates in chunks.items()]


def upload_rounds(results: dict) -> list[str]:
    """Each round's Wheelhouse/pypiserver ratio, and their median (the verdict)."""
    rounds = results.get("upload_rounds", [])  # empty when pypiserver was skipped
    if len(rounds) < 2:
        return []
    ratios = [r["wheelhouse"] / r["pypiserver"] for r in rounds]
    rates = "; ".join(f"{r['wheelhouse']:.1f} / {r['pypiserver']:.1f}" for r in rounds)
    return [f"  wheelhouse / pypiserver in {len(rounds)} rounds, fresh servers each: {rates} "
            f"files/s; ratios " + ", ".join(f"{x:.2f}" for x in ratios)
            + f"; median {statistics.median(ratios):.2f}"]


def render(results: dict) -> str:
    uploads = ", ".join(f"{k}: {v:.1f}" for k, v in results["upload_files_per_s"].items())
    parts = [f"Corpus: {json.dumps(results['corpus'])}", "",
             f"Upload with twine, files/s: {uploads}", *upload_chunks(results),
             *upload_rounds(results), "",
             "Cells: req/s / p50 ms / p99 ms (where measured in rounds, the median round's).",
             "", *load_table(results, 1), "",
             *load_table(results, 16), *rounds_table(results), "", *cpu_table(results)]
    if "rss_after_upload_mib" in results:
        parts += ["", "Wheelhouse gunicorn workers' RSS after the upload phase: "
                  f"{results['rss_after_upload_mib']:.0f} MiB"]
    return "\n".join(parts) + "\n"


if __name__ == "__main__":
    print(render(json.loads(Path(sys.argv[1]).read_text())))
