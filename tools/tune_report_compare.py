#!/usr/bin/env python3
"""Compare `plantune tune --report` JSON files (standard library only).

  tune_report_compare.py variants REPORT [--base nhwc/fp16] [--other nhwc/int8]
      Per problem: the winner's median of each variant family in one report (a family is the
      variant without its channel padding, so "nhwc/int8" also matches "nhwc/int8/pad_c8_k0";
      within a family the faster one counts, and the padded one is listed), their ratio
      other/base, and the geometric mean over the problems where both ran.

  tune_report_compare.py agreement REPORT1 REPORT2 [--tolerance 0.03]
      Two independent tuning runs: per (problem, variant) the winners' medians of both runs,
      their relative difference |t1 - t2| / min(t1, t2), and the share of rows within the
      tolerance; also whether both picked the same tactic, and the geometric mean of t2 / t1
      (a shift of one whole run against the other, e.g. a slower machine, shows there).

  tune_report_compare.py search BASE REPORT...
      Tuning cost against quality: per report its tuning seconds (and the enumerate, validate
      and time phases summed over variants, enumerate split into the workload with its
      reference, the graph API's listing [its heuristics, heuristic B alone] and the legacy
      API's, time into warm-ups and the GPU time of spin kernels, and the winners' error runs,
      where the report has them), timed runs, variants tuned, and on the (problem,
      variant) rows it shares with BASE the geometric mean of its winners' medians over
      BASE's (above 1: slower winners than BASE's) and the worst row. Missing files are listed
      as such.

Output is a Markdown table and a summary line; exit status 0 (1 on unreadable input).
"""
import argparse
import json
import math
import sys


def load(path):
    try:
        with open(path) as f:
            doc = json.load(f)
    except (OSError, ValueError) as e:
        sys.exit(f"tune_report_compare: cannot read {path}: {e}")
    rows = doc.get("rows")
    if not isinstance(rows, list):
        sys.exit(f"tune_report_compare: {path} has no 'rows' list (not a plantune tune report)")
    return doc, rows


def winner_ms(row):
    w = row.get("winner")
    if not isinstance(w, dict) or "median_ms" not in w:
        return None, None
    return float(w["median_ms"]), w.get("tactic", "?")


def family(variant):
    parts = variant.split("/")
    return "/".join(parts[:2])


def layer_name(row):
    layers = row.get("layers") or ["?"]
    return layers[0] + (f" +{len(layers) - 1}" if len(layers) > 1 else "")


def geomean(xs):
    return math.exp(sum(math.log(x) for x in xs) / len(xs)) if xs else float("nan")


def cmd_variants(a):
    doc, rows = load(a.report)
    best = {}  # (key) -> {family: (ms, variant, tactic, layer)}
    order = []
    for r in rows:
        ms, tactic = winner_ms(r)
        key = r.get("key", "?")
        if key not in best:
            best[key] = {}
            order.append(key)
        if ms is None:
            continue
        fam = family(r.get("variant", "?"))
        cur = best[key].get(fam)
        if cur is None or ms < cur[0]:
            best[key][fam] = (ms, r.get("variant"), tactic, layer_name(r))
    print(f"# {a.other} vs {a.base}: winners of `{doc.get('command', '?')}`\n")
    print(f"| layer | {a.base} ms | variant | {a.other} ms | variant | {a.other} / {a.base} |")
    print("|---|---:|---|---:|---|---:|")
    ratios = []
    for key in order:
        b, o = best[key].get(a.base), best[key].get(a.other)
        layer = (b or o or (None, None, None, "?"))[3]
        cells = [layer]
        cells += [f"{b[0]:.4f}", b[1]] if b else ["n/a", ""]
        cells += [f"{o[0]:.4f}", o[1]] if o else ["n/a", ""]
        if b and o:
            ratios.append(o[0] / b[0])
            cells.append(f"{o[0] / b[0]:.2f}x")
        else:
            cells.append("")
        print("| " + " | ".join(cells) + " |")
    print(f"\n{len(ratios)} problems with both; geomean {a.other} / {a.base} time: "
          f"{geomean(ratios):.3f}x (below 1: {a.other} faster)"
          + (f", range {min(ratios):.2f}x to {max(ratios):.2f}x" if ratios else ""))


def cmd_agreement(a):
    _, rows1 = load(a.report1)
    _, rows2 = load(a.report2)
    second = {(r.get("key"), r.get("variant")): r for r in rows2}
    print("| layer | variant | run 1 ms | run 2 ms | difference | same tactic |")
    print("|---|---|---:|---:|---:|---|")
    within = total = same = 0
    ratios = []
    for r in rows1:
        other = second.get((r.get("key"), r.get("variant")))
        if other is None:
            continue
        t1, k1 = winner_ms(r)
        t2, k2 = winner_ms(other)
        if t1 is None or t2 is None:
            continue
        d = abs(t1 - t2) / min(t1, t2)
        ratios.append(t2 / t1)
        total += 1
        within += d <= a.tolerance
        same += k1 == k2
        print(f"| {layer_name(r)} | {r.get('variant')} | {t1:.4f} | {t2:.4f} | {100 * d:.1f}% | "
              f"{'yes' if k1 == k2 else k1 + ' / ' + k2} |")
    share = within / total if total else float("nan")
    print(f"\n{within}/{total} rows ({100 * share:.1f}%) agree within {100 * a.tolerance:.0f}%; "
          f"{same}/{total} picked the same tactic; run 2 / run 1 winner times "
          f"{geomean(ratios):.3f}x (geometric mean)")


def cmd_search(a):
    _, base_rows = load(a.base)
    base = {(r.get("key"), r.get("variant")): winner_ms(r)[0] for r in base_rows}
    print("| report | tuning s | enumerate s (workload / graph [heuristics, B] / legacy) | "
          "validate s | time s (warm-up / spin GPU) | error s | timed runs | variants | "
          "winners vs base (geomean) | worst row |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for path in [a.base] + a.reports:
        try:
            doc, rows = load(path)
        except SystemExit as e:
            print(f"| {path} | missing: {e} ||||||||| ")
            continue
        tuned = [r for r in rows if not r.get("from_db")]
        phase = {k: sum(float(r.get(k, 0)) for r in tuned)
                 for k in ("enumerate_seconds", "validate_seconds", "time_seconds",
                           "workload_seconds", "graph_list_seconds", "legacy_list_seconds",
                           "graph_heuristics_seconds", "graph_heuristic_b_seconds",
                           "warmup_seconds", "spin_gpu_seconds", "error_seconds")}
        has = lambda k: any(k in r for r in tuned)  # older reports lack the parts
        split = ""
        if has("workload_seconds"):
            heur = ""
            if has("graph_heuristics_seconds"):
                heur = (f" [{phase['graph_heuristics_seconds']:.1f}, "
                        f"{phase['graph_heuristic_b_seconds']:.1f}]")
            split = (f" ({phase['workload_seconds']:.1f} / {phase['graph_list_seconds']:.1f}"
                     f"{heur} / {phase['legacy_list_seconds']:.1f})")
        time_split = ""
        if has("warmup_seconds"):
            time_split = f" ({phase['warmup_seconds']:.1f} / {phase['spin_gpu_seconds']:.1f})"
        error = f"{phase['error_seconds']:.1f}" if has("error_seconds") else "n/a"
        ratios = []
        for r in rows:
            b = base.get((r.get("key"), r.get("variant")))
            t = winner_ms(r)[0]
            if b and t:
                ratios.append(t / b)
        worst = f"{max(ratios):.3f}x" if ratios else "n/a"
        gm = f"{geomean(ratios):.3f}x ({len(ratios)} rows)" if ratios else "n/a"
        print(f"| {path.split('/')[-1]} | {float(doc.get('tuning_seconds', 0)):.1f} | "
              f"{phase['enumerate_seconds']:.1f}{split} | {phase['validate_seconds']:.1f} | "
              f"{phase['time_seconds']:.1f}{time_split} | {error} | "
              f"{doc.get('timed_runs', '?')} | {len(tuned)} | {gm} | "
              f"{worst} |")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    v = sub.add_parser("variants")
    v.add_argument("report")
    v.add_argument("--base", default="nhwc/fp16")
    v.add_argument("--other", default="nhwc/int8")
    v.set_defaults(run=cmd_variants)
    g = sub.add_parser("agreement")
    g.add_argument("report1")
    g.add_argument("report2")
    g.add_argument("--tolerance", type=float, default=0.03)
    g.set_defaults(run=cmd_agreement)
    s = sub.add_parser("search")
    s.add_argument("base")
    s.add_argument("reports", nargs="*")
    s.set_defaults(run=cmd_search)
    a = p.parse_args()
    a.run(a)


if __name__ == "__main__":
    main()
