"""The simulation's tables (Markdown, as sim/README.md records them) and its plot."""

import os
import platform
import subprocess

from sim import parameters as P


def machine() -> dict:
    with open("/proc/cpuinfo") as info:
        cpu = next((line.split(":", 1)[1].strip() for line in info if line.startswith("model name")), "")
    try:
        server = subprocess.run(
            ["psql", "-XAtc", "SHOW server_version", os.environ.get("SIM_DATABASE_SERVER", "postgres://postgres@127.0.0.1:5432/postgres")],
            capture_output=True, text=True, timeout=10,
        ).stdout.strip()  # fmt: skip
    except OSError:
        server = "?"
    return {"cores": os.cpu_count(), "cpu": cpu, "python": platform.python_version(), "postgresql": server}


def _minutes(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds / 60:.1f}"


def _policy_name(result: dict) -> str:
    label = result["label"]
    pause = result["settings"].get("HOD_PAUSE_AFTER_LAPSES")
    if pause and pause != P.PAUSE_OFF and not result["rule_in_code"]:
        label += " (rule not in the code yet: as without auto-pause)"
    return label


def _row(result: dict, first: str) -> str:
    offers = result["offers"]
    total = sum(offers.values())
    goal = "yes" if meets_goal(result) else "no"
    per = result["offers_per_accepted"]
    return (
        f"| {first} | {result['within_15']:.1%} | {_minutes(result['median'])} | {_minutes(result['p90'])} | "
        f"{result['expired'] / result['requests']:.2%} | {per:.2f} | {total:,} ({offers.get('lapsed', 0):,} lapsed) | "
        f"{result['offers_gini']:.2f} | {result['paused']:,} | {goal} | {result['wall_seconds'] / 60:.1f} |"
        if per is not None
        else f"| {first} | no request accepted | | | | | | | | | |"
    )


HEADER = (
    "| {first} | accepted within 15 min | median (min) | p90 (min) | expired | offers per accepted | offers "
    "| Gini of offers per agent | auto-pauses | goal met | run (min) |\n"
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
)


def tables(results: list[dict], machine_facts: dict) -> str:
    lines = []
    policies = [r for r in results if r["group"] == "policies"]
    for scale in sorted({r["scale"] for r in policies}, reverse=True):
        group = [r for r in policies if r["scale"] == scale]
        agents, requests = round(P.AGENTS * scale), group[0]["requests"]
        lines += [
            f"Policies on the same seeded day ({agents:,} agents, {requests:,} requests; SIM_SCALE={scale:g}):",
            "",
            HEADER.format(first="policy"),
        ]
        lines += [_row(result, _policy_name(result)) for result in group]
        default = next((r for r in group if r["label"] == P.DEFAULT_POLICY), group[0])
        lines += ["", _goal(default, group), "", _cells(default), ""]
    sensitivity = [r for r in results if r["group"] == "sensitivity"]
    if sensitivity:
        scale = sensitivity[0]["scale"]
        lines += [
            "",
            f"Sensitivity under the default policy ({P.DEFAULT_POLICY}; SIM_SCALE={scale:g}: "
            f"{round(P.AGENTS * scale):,} agents, {sensitivity[0]['requests']:,} requests):",
            "",
            HEADER.format(first="mean answer rate, silent share"),
        ]
        lines += [_row(r, f"{r['answer_rate']:.2f}, {r['silent_share']:.0%}") for r in sensitivity]
        lines += ["", "Accepted within 15 minutes (rows: mean answer rate; columns: silent share):", ""]
        shares = sorted({r["silent_share"] for r in sensitivity})
        lines += ["| answer rate | " + " | ".join(f"{s:.0%}" for s in shares) + " |", "|---" * (len(shares) + 1) + "|"]
        for rate in sorted({r["answer_rate"] for r in sensitivity}):
            found = {r["silent_share"]: r for r in sensitivity if r["answer_rate"] == rate}
            lines.append(
                f"| {rate:.2f} | "
                + " | ".join(
                    f"{found[s]['within_15']:.1%} (median {_minutes(found[s]['median'])})" if s in found else "-"
                    for s in shares
                )
                + " |"
            )
    lines += [
        "",
        f"Machine: {machine_facts['cores']} cores ({machine_facts['cpu']}), Python {machine_facts['python']}, "
        f"PostgreSQL {machine_facts['postgresql']}.",
    ]
    return "\n".join(lines)


def meets_goal(result: dict) -> bool:
    return result["within_15"] >= P.GOAL_WITHIN_15 and (result["median"] or 0) <= P.GOAL_MEDIAN_SECONDS


def _goal(default: dict, policies: list[dict]) -> str:
    reach = [r["label"] for r in policies if meets_goal(r)]
    return (
        f"Goal: {P.GOAL_WITHIN_15:.0%} accepted within 15 minutes and a median of {P.GOAL_MEDIAN_SECONDS / 60:g} "
        f"minutes or less. The default policy ({default['label']}) accepts {default['within_15']:.1%} within 15 "
        f"minutes ({(P.GOAL_WITHIN_15 - default['within_15']) * 100:.1f} points short of {P.GOAL_WITHIN_15:.0%}) with "
        f"a median of {_minutes(default['median'])} min. Reaching the goal: "
        f"{', '.join(reach) if reach else 'none of these policies'}."
    )


def _cells(result: dict, limit: int = 15) -> str:
    failing = [cell for cell in result["failing_cells"] if cell["requests"] >= P.FAILING_CELL_MIN_REQUESTS]
    lines = [
        f"State × language cells that miss the goal under {result['label']}: {len(result['failing_cells'])} of "
        f"{result['cells']} cells with requests; those with at least {P.FAILING_CELL_MIN_REQUESTS} requests "
        f"({len(failing)}), largest first:",
        "",
        "| state | language | requests | within 15 min | median (min) | expired |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    lines += [
        f"| {c['state']} | {c['language']} | {c['requests']} | {c['within_15']:.0%} | {_minutes(c['median'])} | "
        f"{c['expired']} |"
        for c in failing[:limit]
    ]
    if len(failing) > limit:
        lines.append(f"| … {len(failing) - limit} more | | | | | |")
    return "\n".join(lines)


def plot(results: list[dict], path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    policies = [r for r in results if r["group"] == "policies"]
    if not policies:
        return
    # The scale with the most policies (the comparison), with the default policy at full scale beside it.
    scales = sorted(
        {r["scale"] for r in policies}, key=lambda scale: (-sum(r["scale"] == scale for r in policies), -scale)
    )
    full = [r for r in policies if r["scale"] > scales[0] and r["label"] == P.DEFAULT_POLICY]
    policies = [r for r in policies if r["scale"] == scales[0]]
    default = next((r for r in policies if r["label"] == P.DEFAULT_POLICY), policies[0])
    figure, (upper, lower) = plt.subplots(2, 1, figsize=(11, 8.5), sharex=True)
    colours = plt.cm.tab20.colors[::2] + plt.cm.tab20.colors[1::2]  # a dozen policies, each its own colour
    upper.set_prop_cycle(color=colours)
    lower.set_prop_cycle(color=colours)
    hours = [row["hour"] + 0.5 for row in default["hourly"]]

    def series(result, key, factor=1.0):
        return [row[key] * factor if row[key] is not None else float("nan") for row in result["hourly"]]

    for result in policies:
        style = {"linewidth": 2.4} if result is default else {"linewidth": 1.2, "alpha": 0.85}
        upper.plot(hours, series(result, "median", 1 / 60), marker="o", markersize=3, label=result["label"], **style)
        lower.plot(hours, series(result, "within_15", 100), marker="o", markersize=3, label=result["label"], **style)
    for result in full:
        label = f"{result['label']}, SIM_SCALE={result['scale']:g}"
        upper.plot(hours, series(result, "median", 1 / 60), color="black", linewidth=2.4, label=label)
        lower.plot(hours, series(result, "within_15", 100), color="black", linewidth=2.4, label=label)
    upper.plot(hours, series(default, "p90", 1 / 60), linestyle="--", color="grey",
               label=f"{default['label']}: 90th percentile")  # fmt: skip
    upper.axhline(P.GOAL_MEDIAN_SECONDS / 60, color="black", linewidth=0.8, linestyle=":")
    upper.set_ylabel("time to accept (minutes)")
    upper.set_yscale("log")
    agents = round(P.AGENTS * default["scale"])
    upper.set_title(
        f"Deadline day, {P.DAY:%d %B %Y}: policies at SIM_SCALE={default['scale']:g} ({default['requests']:,} "
        f"requests, {agents:,} agents)"
    )
    upper.legend(fontsize=7, loc="upper right")
    ax2 = upper.twinx()
    ax2.bar(hours, [row["requests"] for row in default["hourly"]], width=0.9, color="lightsteelblue", alpha=0.35)
    ax2.set_ylabel("requests (bars)")
    upper.set_zorder(ax2.get_zorder() + 1)
    upper.patch.set_visible(False)
    lower.axhline(P.GOAL_WITHIN_15 * 100, color="black", linewidth=0.8, linestyle=":")
    lower.set_ylabel("accepted within 15 minutes (%)")
    lower.set_xlabel("consumer's local hour of the request")
    lower.set_xticks(range(0, 25, 2))
    lower.set_xlim(0, 24)
    lower.legend(fontsize=7, loc="lower right")
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def main() -> None:
    """`python -m sim.report`: the tables and the plot again, from every day in sim/out/runs/."""
    import json
    from pathlib import Path

    out = Path(__file__).resolve().parent / "out"
    results = [json.loads(path.read_text()) for path in sorted((out / "runs").glob("*.json"))]
    order = {label: number for number, label in enumerate(P.POLICIES)}
    results.sort(key=lambda r: (r["group"] != "policies", -r["scale"], order.get(r["label"], 99), r["answer_rate"],
                                r["silent_share"]))  # fmt: skip
    print(tables(results, machine()))
    plot(results, out / "deadline_day.png")


if __name__ == "__main__":
    main()
