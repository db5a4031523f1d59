#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Plots of perf/cross_host's size sweeps: delivered-put latency and put bandwidth per message size,
Causeway against the raw transport over the same two simulated hosts.

    cross_host_plot.py WORK OUT_DIR NET...

WORK is cross_host's scratch folder, read for these files (any may be missing; its series is left out):
  NET-sweep-lat.out, NET-sweep-bw.out   Causeway's JSON lines (cw_latency pingpong_p, cw_bandwidth put_bw)
  raw-ucx-sweep-lat-SIZE.out            ucx_perftest ucp_put_lat's final line (column 2: latency, us)
  raw-ucx-sweep-bw-SIZE.out             ucx_perftest ucp_put_bw's final line (column 6: MiB/s, overall)
  raw-ofi-sweep.client                  fi_pingpong -S all's table (size, ..., MB/sec, usec/xfer)
  raw-ofi-sweep-bw-SIZE.out             perf/ofi_rma_bw's line (word 13: MB/s)
Writes OUT_DIR/latency.png and OUT_DIR/bandwidth.png; prints the names it wrote. Exits 0 without
plots (and says so on stderr) when matplotlib is missing.
"""
import json
import pathlib
import sys

UNITS = {"k": 1 << 10, "m": 1 << 20, "g": 1 << 30}
NET_NAME = {"ucx": "UCX tcp", "ofi": "libfabric tcp;ofi_rxm"}


def causeway_series(path, field):
    points = {}
    if path.is_file():
        for line in path.read_text().splitlines():
            if line.startswith("{"):
                row = json.loads(line)
                if field in row:
                    points[row["size"]] = row[field]
    return sorted(points.items())


def raw_series(work, prefix, column, scale=1.0):
    points = []
    for path in work.glob(f"{prefix}-*.out"):
        words = path.read_text().split()
        if len(words) > column:
            points.append((int(path.stem.rsplit("-", 1)[1]), float(words[column]) * scale))
    return sorted(points)


def ofi_series(work, column):
    path = work / "raw-ofi-sweep.client"
    points = []
    if path.is_file():
        for line in path.read_text().splitlines():
            words = line.split()
            if len(words) < 8 or not words[0][:1].isdigit():
                continue
            size = words[0]
            factor = UNITS.get(size[-1], 1)
            number = float(size.rstrip("kmg")) * factor
            if number >= 8 and int(number) & (int(number) - 1) == 0:  # powers of two only
                points.append((int(number), float(words[column])))
    return points


def human(n):
    for suffix, factor in (("M", 1 << 20), ("K", 1 << 10)):
        if n >= factor:
            return f"{n // factor}{suffix}"
    return str(n)


def draw(plt, path, title, unit, series):
    fig, ax = plt.subplots(figsize=(6.4, 4.0))
    drawn = 0
    for label, points, causeway in series:
        if len(points) < 2:
            continue
        xs, ys = zip(*points)
        ax.plot(xs, ys, "o-" if causeway else "s--", markersize=3, label=label, linewidth=2.2 if causeway else 1.3)
        drawn += 1
    if not drawn:
        plt.close(fig)
        return False
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ax.xaxis.set_major_formatter(plt.FuncFormatter(lambda x, _: human(int(round(x))) if x >= 1 else ""))
    ax.set_xlabel("message size (bytes)")
    ax.set_ylabel(unit)
    ax.set_title(title, fontsize=10)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return True


def main():
    work, out = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
    nets = sys.argv[3:]
    try:
        import matplotlib
    except ImportError:
        debian = "/usr/lib/python3/dist-packages"  # Debian's python3-matplotlib for another Python 3
        sys.path.append(debian)
        try:
            import matplotlib  # noqa: F811
        except ImportError:
            print("cross_host_plot: matplotlib is missing (perf/requirements.txt): no plots", file=sys.stderr)
            return 0
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    latency, bandwidth = [], []
    for net in nets:
        name = NET_NAME.get(net, net)
        # fi_pingpong reports means only: Causeway's libfabric latency is its mean too.
        lat_field = "avg" if net == "ofi" else "p50"
        latency.append((f"Causeway over {name}: put + fence + p ({lat_field})",
                        causeway_series(work / f"{net}-sweep-lat.out", lat_field), True))
        bandwidth.append((f"Causeway over {name}: put_bw (mean)", causeway_series(work / f"{net}-sweep-bw.out", "avg"),
                          True))
        if net == "ucx":
            latency.append(("ucx_perftest ucp_put_lat (p50)", raw_series(work, "raw-ucx-sweep-lat", 1), False))
            bandwidth.append(("ucx_perftest ucp_put_bw (overall)", raw_series(work, "raw-ucx-sweep-bw", 5, 1.048576), False))
        elif net == "ofi":
            latency.append(("fi_pingpong, messages (mean)", ofi_series(work, 6), False))
            bandwidth.append(("fi_pingpong, messages: ping-pong, not streaming", ofi_series(work, 5), False))
            bandwidth.append(("perf/ofi_rma_bw, streaming fi_write", raw_series(work, "raw-ofi-sweep-bw", 12), False))
    out.mkdir(parents=True, exist_ok=True)
    if draw(plt, out / "latency.png", "Delivered put across two simulated hosts, half round trip", "us", latency):
        print(out / "latency.png")
    if draw(plt, out / "bandwidth.png", "Put bandwidth across two simulated hosts", "MB/s", bandwidth):
        print(out / "bandwidth.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
