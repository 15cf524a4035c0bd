"""Draw bench/results/ratios.png from a results JSON: one bar per peer and figure, log scale.

Run by ``bench/run.py`` with the peers virtualenv's Python (which has matplotlib).
"""

import json
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def main(src: str, dst: str) -> None:
    with open(src) as fh:
        data = json.load(fh)
    rows = [r for r in data["rows"] if r["ratio"] and not r["client"].startswith("dynclient")
            and "requests" not in r["figure"] and r["figure"] != "import"]
    labels = [f"{r['figure']}\n{r['client']}" for r in rows]
    ratios = [r["ratio"] for r in rows]
    fig, ax = plt.subplots(figsize=(10, max(4, 0.32 * len(rows))))
    colors = ["tab:green" if x >= 1 else "tab:red" for x in ratios]
    ax.barh(range(len(rows)), ratios, color=colors)
    ax.set_yticks(range(len(rows)), labels, fontsize=7)
    ax.invert_yaxis()
    ax.set_xscale("log")
    ax.axvline(1.0, color="black", linewidth=0.8)
    ax.set_xlabel("peer / dynclient (log scale; > 1: dynclient faster or lighter)")
    ax.set_title(f"dynclient vs peers, {data['date']}, {data['delay_s'] * 1000:.0f} ms per request, "
                 f"median of {data['runs']}")
    fig.tight_layout()
    fig.savefig(dst, dpi=110)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
