#!/usr/bin/env python3
"""Latency against delivery rate, from bench.sh's curve.csv: an SVG plot and a markdown table on stdout.

    load-tests/curve.py [--p99-max 50ms] [--title TEXT] curve.csv curve.svg

One line per server: p99 (solid) and p50 (dashed) at each ramp step's target rate, both axes logarithmic, the
p99 criterion as a red line. With several rounds a point is the median of the rounds and a bar spans their p99
range. A step run twice (the ramp's retry) counts with its last attempt, the one that decided. A hollow point is a
step that failed (p99 above the criterion, loss, or under 97 % of the target rate) in half the rounds or more. Standard library only, so that
a fresh clone needs nothing beyond python3.
"""
import argparse
import csv
import math
import statistics
import sys
import textwrap
from collections import defaultdict
from xml.sax.saxutils import escape

WIDTH, HEIGHT = 820, 500
LEFT, RIGHT, TOP, BOTTOM = 70, 170, 60, 55
COLOURS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#7f7f7f"]


def millis(text):
    text = text.strip().lower()
    if text.endswith("ms"):
        return float(text[:-2])
    if text.endswith("s"):
        return float(text[:-1]) * 1000
    return float(text)


def rate_label(value):
    if value >= 1e6:
        return f"{value / 1e6:g}M"
    if value >= 1e3:
        return f"{value / 1e3:g}k"
    return f"{value:g}"


def read_steps(path):
    """{server: {target: [(p50, p99, pass), one per round]}}, the last attempt of each step in each round."""
    last = {}
    with open(path, newline="") as f:
        for row in csv.DictReader(f):
            key = (row["server"], row["round"], round(float(row["target_deliveries_per_s"])))
            last[key] = (float(row["p50_ms"]), float(row["p99_ms"]), row["pass"] == "true")
    steps = defaultdict(lambda: defaultdict(list))
    for (server, _, target), value in last.items():
        steps[server][target].append(value)
    return steps


def summary(rounds):
    p50 = statistics.median(r[0] for r in rounds)
    p99s = [r[1] for r in rounds]
    passed = sum(r[2] for r in rounds) * 2 > len(rounds)
    return p50, statistics.median(p99s), min(p99s), max(p99s), passed


def table(steps, p99_max):
    servers = list(steps)
    targets = sorted({t for s in servers for t in steps[s]})
    several = any(len(v) > 1 for s in servers for v in steps[s].values())
    head = ["deliveries/s"] + [f"{s} p50 / p99" for s in servers]
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for t in targets:
        cells = [rate_label(t)]
        for s in servers:
            if t not in steps[s]:
                cells.append("–")
                continue
            p50, p99, lo, hi, passed = summary(steps[s][t])
            cell = f"{p50:.1f} / {p99:.1f} ms"
            if len(steps[s][t]) > 1:
                cell += f" ({lo:.1f}–{hi:.1f})"
            cells.append(cell if passed else cell + " ✗")
        print("| " + " | ".join(cells) + " |")
    print()
    print(f"p50 / p99 of each ramp step; ✗: the step failed (p99 above {p99_max:g} ms, loss above the bound, or under "
          "97 % of the target rate)" + ("; medians of the rounds, p99 range in brackets, ✗ when the step failed in "
                                        "half the rounds or more." if several else "."))


def svg(steps, p99_max, title):
    points = [summary(v) for s in steps.values() for v in s.values()]
    targets = [t for s in steps.values() for t in s]
    x_lo = 10 ** math.floor(math.log10(min(targets)))
    x_hi = 10 ** math.ceil(math.log10(max(targets)))
    y_lo = 10 ** math.floor(math.log10(max(0.1, min(min(p[0] for p in points), 1))))
    y_hi = 10 ** math.ceil(math.log10(max(max(p[3] for p in points), p99_max * 2)))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(v):
        return LEFT + plot_w * (math.log10(v) - math.log10(x_lo)) / (math.log10(x_hi) - math.log10(x_lo))

    def y(v):
        v = min(max(v, y_lo), y_hi)
        return TOP + plot_h * (1 - (math.log10(v) - math.log10(y_lo)) / (math.log10(y_hi) - math.log10(y_lo)))

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
           f'viewBox="0 0 {WIDTH} {HEIGHT}" font-family="sans-serif" font-size="12">',
           f'<rect width="{WIDTH}" height="{HEIGHT}" fill="white"/>']
    # About 7 px a character at 13 px: two lines of title fit above the plot.
    for i, line in enumerate(textwrap.wrap(title, (WIDTH - LEFT) // 7)[:2]):
        out.append(f'<text x="{LEFT}" y="{20 + 17 * i}" font-size="13">{escape(line)}</text>')
    decade = x_lo
    while decade <= x_hi:
        for m in (1, 2, 5):
            v = decade * m
            if x_lo <= v <= x_hi:
                out.append(f'<line x1="{x(v):.1f}" y1="{TOP}" x2="{x(v):.1f}" y2="{TOP + plot_h}" stroke="#ddd"/>')
                out.append(f'<text x="{x(v):.1f}" y="{TOP + plot_h + 16}" text-anchor="middle">{rate_label(v)}</text>')
        decade *= 10
    decade = y_lo
    while decade <= y_hi:
        for m in (1, 2, 5):
            v = decade * m
            if y_lo <= v <= y_hi:
                out.append(f'<line x1="{LEFT}" y1="{y(v):.1f}" x2="{LEFT + plot_w}" y2="{y(v):.1f}" stroke="#ddd"/>')
                out.append(f'<text x="{LEFT - 6}" y="{y(v) + 4:.1f}" text-anchor="end">{v:g}</text>')
        decade *= 10
    out.append(f'<rect x="{LEFT}" y="{TOP}" width="{plot_w}" height="{plot_h}" fill="none" stroke="#333"/>')
    out.append(f'<text x="{LEFT + plot_w / 2}" y="{HEIGHT - 12}" text-anchor="middle">'
               'deliveries/s (ramp step target)</text>')
    out.append(f'<text transform="translate(16 {TOP + plot_h / 2}) rotate(-90)" text-anchor="middle">'
               'latency, ms</text>')
    out.append(f'<line x1="{LEFT}" y1="{y(p99_max):.1f}" x2="{LEFT + plot_w}" y2="{y(p99_max):.1f}" '
               'stroke="#c00" stroke-width="1.5" stroke-dasharray="6 3"/>')
    out.append(f'<text x="{LEFT + plot_w - 4}" y="{y(p99_max) - 5:.1f}" text-anchor="end" fill="#c00">'
               f'p99 ≤ {p99_max:g} ms</text>')
    for i, (server, by_target) in enumerate(steps.items()):
        colour = COLOURS[i % len(COLOURS)]
        rows = [(t, summary(by_target[t])) for t in sorted(by_target)]
        p99_line = " ".join(f"{x(t):.1f},{y(s[1]):.1f}" for t, s in rows)
        p50_line = " ".join(f"{x(t):.1f},{y(s[0]):.1f}" for t, s in rows)
        out.append(f'<polyline points="{p99_line}" fill="none" stroke="{colour}" stroke-width="2"/>')
        out.append(f'<polyline points="{p50_line}" fill="none" stroke="{colour}" stroke-width="1" '
                   'stroke-dasharray="4 3"/>')
        for t, (p50, p99, lo, hi, passed) in rows:
            if hi > lo:
                out.append(f'<line x1="{x(t):.1f}" y1="{y(lo):.1f}" x2="{x(t):.1f}" y2="{y(hi):.1f}" '
                           f'stroke="{colour}" stroke-width="1"/>')
            fill = colour if passed else "white"
            out.append(f'<circle cx="{x(t):.1f}" cy="{y(p99):.1f}" r="3.5" fill="{fill}" stroke="{colour}" '
                       'stroke-width="1.5"/>')
        ly = TOP + 14 + 36 * i
        lx = LEFT + plot_w + 14
        out.append(f'<line x1="{lx}" y1="{ly}" x2="{lx + 24}" y2="{ly}" stroke="{colour}" stroke-width="2"/>')
        out.append(f'<text x="{lx + 30}" y="{ly + 4}">{escape(server)} p99</text>')
        out.append(f'<line x1="{lx}" y1="{ly + 16}" x2="{lx + 24}" y2="{ly + 16}" stroke="{colour}" '
                   'stroke-dasharray="4 3"/>')
        out.append(f'<text x="{lx + 30}" y="{ly + 20}">{escape(server)} p50</text>')
    ly = TOP + 14 + 36 * len(steps)
    out.append(f'<circle cx="{LEFT + plot_w + 26}" cy="{ly}" r="3.5" fill="white" stroke="#333" stroke-width="1.5"/>')
    out.append(f'<text x="{LEFT + plot_w + 44}" y="{ly + 4}">step failed</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--p99-max", default="50ms", help="the ramp's pass criterion, drawn as a line [50ms]")
    parser.add_argument("--title", default="p99 (solid) and p50 (dashed) against delivery rate, one core")
    parser.add_argument("csv")
    parser.add_argument("svg")
    args = parser.parse_args()
    steps = read_steps(args.csv)
    if not steps:
        sys.exit(f"{args.csv}: no steps")
    p99_max = millis(args.p99_max)
    with open(args.svg, "w") as f:
        f.write(svg(steps, p99_max, args.title))
    table(steps, p99_max)


if __name__ == "__main__":
    main()
