"""Draw the bench figures.

``plot.py SRC.json DST.png``: bench/results/ratios.png from a ``bench/run.py``
results JSON, one bar per peer and figure, log scale (matplotlib, run with
the peers virtualenv's Python, which has it).

``plot.py scale SRC.json DST.svg``: time against the number of CRD groups
from a ``bench/scale.py`` results file, cold and warm, dynclient and
kubectl. Plain SVG written by hand, so it needs no matplotlib.
"""

import json
import sys
from typing import Dict, List, Tuple


def ratios(src: str, dst: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    with open(src) as fh:
        data = json.load(fh)
    rows = [r for r in data["rows"] if r["ratio"] and not r["client"].startswith("dynclient")
            and "requests" not in r["figure"] and r["figure"] != "import"]
    labels = [f"{r['figure']}\n{r['client']}" for r in rows]
    values = [r["ratio"] for r in rows]
    fig, ax = plt.subplots(figsize=(10, max(4, 0.32 * len(rows))))
    colors = ["tab:green" if x >= 1 else "tab:red" for x in values]
    ax.barh(range(len(rows)), values, color=colors)
    ax.set_yticks(range(len(rows)), labels, fontsize=7)
    ax.invert_yaxis()
    ax.set_xscale("log")
    ax.axvline(1.0, color="black", linewidth=0.8)
    ax.set_xlabel("peer / dynclient (log scale; > 1: dynclient faster or lighter)")
    ax.set_title(f"dynclient vs peers, {data['date']}, {data['delay_s'] * 1000:.0f} ms per request, "
                 f"median of {data['runs']}")
    fig.tight_layout()
    fig.savefig(dst, dpi=110)


_COLORS = {"dynclient": "#1f77b4", "kubectl": "#d62728"}


def scale_svg(src: str, dst: str, width: int = 720, height: int = 420) -> None:
    """Seconds against CRD groups: a solid line for cold, dashed for warm, one colour per client."""
    with open(src) as fh:
        data = json.load(fh)
    series: Dict[Tuple[str, str], List[Tuple[float, float]]] = {}
    for row in data["rows"]:
        for phase in ("cold", "warm"):
            series.setdefault((row["client"], phase), []).append((row["groups"], row[f"{phase}_s"]))
    xs = [x for points in series.values() for x, _ in points]
    ys = [y for points in series.values() for _, y in points]
    left, right, top, bottom = 60, 170, 40, 50
    x_max = max(xs) or 1
    y_max = max(ys) * 1.1 or 1

    def px(x: float) -> float:
        return left + (width - left - right) * x / x_max

    def py(y: float) -> float:
        return height - bottom - (height - top - bottom) * y / y_max

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif"'
           f' font-size="12">', f'<rect width="{width}" height="{height}" fill="white"/>',
           f'<text x="{width / 2}" y="20" text-anchor="middle" font-size="14">Resolve and list against CRD groups'
           f' ({data["mode"]} discovery, {data["delay_s"] * 1000:.0f} ms per request, median of {data["runs"]},'
           f' {data["date"]})</text>']
    # axes and ticks
    out.append(f'<line x1="{left}" y1="{py(0)}" x2="{px(x_max)}" y2="{py(0)}" stroke="black"/>')
    out.append(f'<line x1="{left}" y1="{py(0)}" x2="{left}" y2="{top}" stroke="black"/>')
    for x in sorted(set(xs)):
        out.append(f'<text x="{px(x)}" y="{py(0) + 16}" text-anchor="middle">{x:g}</text>')
    steps = 5
    for i in range(steps + 1):
        y = y_max * i / steps
        out.append(f'<line x1="{left}" y1="{py(y)}" x2="{px(x_max)}" y2="{py(y)}" stroke="#ddd"/>')
        out.append(f'<text x="{left - 6}" y="{py(y) + 4}" text-anchor="end">{y:.1f}</text>')
    out.append(f'<text x="{(left + px(x_max)) / 2}" y="{height - 12}" text-anchor="middle">CRD groups (2 versions'
               f' each)</text>')
    out.append(f'<text x="16" y="{(top + py(0)) / 2}" text-anchor="middle" transform="rotate(-90 16'
               f' {(top + py(0)) / 2})">seconds, fresh process</text>')
    for n, ((client, phase), points) in enumerate(sorted(series.items())):
        color = _COLORS.get(client.split("(")[0], "#555")
        dash = ' stroke-dasharray="6 4"' if phase == "warm" else ""
        path = " ".join(f"{px(x):.1f},{py(y):.1f}" for x, y in sorted(points))
        out.append(f'<polyline points="{path}" fill="none" stroke="{color}" stroke-width="2"{dash}/>')
        for x, y in points:
            out.append(f'<circle cx="{px(x):.1f}" cy="{py(y):.1f}" r="3" fill="{color}"/>')
        ly = top + 18 * n
        out.append(f'<line x1="{width - right + 15}" y1="{ly}" x2="{width - right + 45}" y2="{ly}" stroke="{color}"'
                   f' stroke-width="2"{dash}/>')
        out.append(f'<text x="{width - right + 50}" y="{ly + 4}">{client} {phase}</text>')
    out.append("</svg>")
    with open(dst, "w") as fh:
        fh.write("\n".join(out) + "\n")


def main(argv: List[str]) -> None:
    if argv and argv[0] == "scale":
        scale_svg(argv[1], argv[2])
    else:
        ratios(argv[0], argv[1])


if __name__ == "__main__":
    main(sys.argv[1:])
