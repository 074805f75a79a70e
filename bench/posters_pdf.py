#!/usr/bin/env python3
"""A region's window posters as one PDF: the vector file (`kernel.drawing.posters_pdf`: embedded text, the QR code
as squares) against the raster file it replaced (each page drawn by Pillow at 150 dpi and wrapped into the PDF as a
JPEG, quality 92, no chroma subsampling: what the portal served before), both in one run.

Each figure comes from a fresh child process (so one variant's caches and memory do not flatter the other): wall
time to draw the whole file, its size, and the child's peak RSS. Also one window's poster, where the vector file
pays its fixed cost (cutting four font faces) alone: first in its process ("cold"), and after another window's
poster ("warm": what a serving worker does, the monospaced cuts and loaded fonts already there).

    python bench/posters_pdf.py                 # 50 windows and 1 window, 3 runs each, best time
    python bench/posters_pdf.py --windows 60 --runs 1 --json
"""

from __future__ import annotations

import argparse
import io
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

BASE = "https://dibao.example.gov.cn"


def _items(windows: int):
    from portal.i18n import text
    from portal.kernel import drawing

    townships = ["建北街道便民服务中心", "青园街道便民服务中心", "育才街道便民服务中心", "长安区民政局社会救助科"]
    return [(drawing.rating_url(BASE, f"HB-SJZ-{i:04d}"), drawing.PosterText(
        window_name=f"低保受理窗口（{i}号）", window_code=f"HB-SJZ-{i:04d}", office_name=townships[i % len(townships)],
        instruction=text("poster.instruction", "zh"), footer=text("poster.footer", "zh")))
        for i in range(1, windows + 1)]


def _raster(items) -> bytes:
    from portal.kernel import drawing

    pages = [drawing.poster_image(url, t) for url, t in items]
    buf = io.BytesIO()
    pages[0].save(buf, format="PDF", resolution=float(drawing.POSTER_DPI), save_all=True, append_images=pages[1:],
                  quality=92, subsampling=0)
    return buf.getvalue()


def _vector(items) -> bytes:
    from portal.kernel import drawing

    return drawing.posters_pdf(items)


def child(variant: str, windows: int, warm: bool) -> dict:
    """One drawing in this process: seconds, bytes, peak RSS in MB (imports done before the clock starts)."""
    import portal.kernel.drawing  # noqa: F401 - import cost is not drawing cost
    import portal.kernel.pdf  # noqa: F401

    draw = _vector if variant == "vector" else _raster
    items = _items(windows + 1)
    if warm:
        draw(items[-1:])
    items = items[:windows]
    started = time.perf_counter()
    body = draw(items)
    seconds = time.perf_counter() - started
    assert body.startswith(b"%PDF")
    return {"variant": variant, "windows": windows, "warm": warm, "seconds": seconds, "bytes": len(body),
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def measure(variant: str, windows: int, runs: int, warm: bool = False) -> dict:
    results = []
    for _ in range(runs):
        out = subprocess.run([sys.executable, __file__, "--child", variant, "--windows", str(windows)]
                             + (["--warm"] if warm else []),
                             capture_output=True, text=True, check=True, cwd=ROOT)
        results.append(json.loads(out.stdout))
    best = min(results, key=lambda r: r["seconds"])
    best["peak_rss_mb"] = max(r["peak_rss_mb"] for r in results)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--windows", type=int, default=50)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--child", choices=["raster", "vector"], help=argparse.SUPPRESS)
    parser.add_argument("--warm", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.windows, args.warm)))
        return
    cases = [(args.windows, False), (1, False), (1, True)]
    rows = [measure(v, n, args.runs, warm) for n, warm in cases for v in ("raster", "vector")]
    if args.json:
        print(json.dumps(rows, indent=2))
        return
    print(f"{'file':<28}{'time':>10}{'size':>14}{'per page':>12}{'peak RSS':>12}")
    for r in rows:
        plural, warm = "s" if r["windows"] > 1 else "", ", warm" if r["warm"] else ""
        label = f"{r['variant']}, {r['windows']} window{plural}{warm}"
        print(f"{label:<28}{r['seconds']:>9.2f}s{r['bytes'] / 1024:>11,.0f} KB"
              f"{r['bytes'] / 1024 / r['windows']:>9,.1f} KB{r['peak_rss_mb']:>9,.0f} MB")
    for n, warm in cases:
        raster, vector = (next(r for r in rows if r["variant"] == v and r["windows"] == n and r["warm"] == warm)
                          for v in ("raster", "vector"))
        print(f"{n} window{'s' if n > 1 else ''}{', warm' if warm else ''}: vector is "
              f"{raster['bytes'] / vector['bytes']:.0f}x smaller, takes {vector['seconds'] / raster['seconds']:.2f}x "
              "the time")


if __name__ == "__main__":
    main()
