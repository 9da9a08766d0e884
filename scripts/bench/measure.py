#!/usr/bin/env python3
"""Measure the wall time and CPU time of two commands, run alternately.

Each command is started with posix_spawn (no shell) with stdin opened from a file. The harness
times it from the spawn to the return of wait4, and takes its user plus system CPU time from the
rusage that wait4 returns. On a loaded machine the wall time includes waits in the run queue, so
the CPU time is the steadier figure. The two commands alternate in every round, and the order flips from one round to the next, so
a change in machine load affects both alike. Every run must exit 0.

Usage: measure.py --runs N --input FILE --output DIR NAME=COMMAND NAME=COMMAND
The summary goes to stdout as a Markdown table; the raw samples go to DIR/samples.csv.

Peak memory is not measured here: Linux carries the parent's max RSS into a child spawned with
vfork or CLONE_VM, so wait4 would report this Python process's RSS for a smaller child.
"""

import argparse
import csv
import os
import shlex
import statistics
import sys
import time

WARMUP_RUNS = 20


def parse_arguments():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1000, help="measured runs of each command")
    parser.add_argument("--input", required=True, help="file each run reads as stdin")
    parser.add_argument("--output", required=True, help="directory for samples.csv")
    parser.add_argument("commands", nargs=2, metavar="NAME=COMMAND", help="a label and a command line, split like a shell would")
    arguments = parser.parse_args()
    if arguments.runs < 10:
        parser.error(f"--runs must be at least 10, not {arguments.runs}")
    return arguments


def run_once(argv, input_path, devnull):
    """Run argv once; return its wall time and CPU time in seconds."""
    actions = [
        (os.POSIX_SPAWN_OPEN, 0, input_path, os.O_RDONLY, 0),
        (os.POSIX_SPAWN_DUP2, devnull, 1),
    ]
    start = time.perf_counter_ns()
    pid = os.posix_spawn(argv[0], argv, os.environ, file_actions=actions)
    _, status, usage = os.wait4(pid, 0)
    elapsed = (time.perf_counter_ns() - start) / 1e9
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        sys.exit(f"measure.py: {shlex.join(argv)} exited with {code}; run it by hand to see why")
    return elapsed, usage.ru_utime + usage.ru_stime


def percentile(values, fraction):
    """Return the value at `fraction` of the sorted values, interpolating linearly."""
    ordered = sorted(values)
    position = fraction * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def summarize(values):
    return percentile(values, 0.1), statistics.median(values), percentile(values, 0.9)


def main():
    arguments = parse_arguments()
    names, argvs = [], []
    for command in arguments.commands:
        name, separator, line = command.partition("=")
        if not separator or not line:
            sys.exit(f"measure.py: expected NAME=COMMAND, not {command!r}")
        names.append(name)
        argvs.append(shlex.split(line))

    devnull = os.open(os.devnull, os.O_WRONLY)
    for _ in range(WARMUP_RUNS):
        for argv in argvs:
            run_once(argv, arguments.input, devnull)

    samples = [[], []]
    for round_index in range(arguments.runs):
        order = (0, 1) if round_index % 2 == 0 else (1, 0)
        for index in order:
            samples[index].append(run_once(argvs[index], arguments.input, devnull))

    os.makedirs(arguments.output, exist_ok=True)
    with open(os.path.join(arguments.output, "samples.csv"), "w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(["round", f"{names[0]}_wall_seconds", f"{names[0]}_cpu_seconds", f"{names[1]}_wall_seconds", f"{names[1]}_cpu_seconds"])
        for round_index, (first, second) in enumerate(zip(*samples)):
            writer.writerow([round_index, f"{first[0]:.6f}", f"{first[1]:.6f}", f"{second[0]:.6f}", f"{second[1]:.6f}"])

    for column, label in ((0, "wall time"), (1, "CPU time (user + system)")):
        print_table(names, samples, column, label, arguments.runs)
        print()


def print_table(names, samples, column, label, runs):
    """Print p10, median and p90 of one column for each command and for their per-round ratio."""
    # Each round's pair ran back to back, so the per-round ratio cancels most of the load drift.
    # Some kernels account CPU time in whole ticks, which makes the ratio of small CPU times
    # coarse. A round whose second command used no measurable CPU time is left out of the ratio.
    ratios = [first[column] / second[column] for first, second in zip(*samples) if second[column] > 0]
    print(f"{label}, ms, {runs} runs of each, alternated")
    print()
    print("| command | p10 | median | p90 |")
    print("|---|---:|---:|---:|")
    for name, runs_of_command in zip(names, samples):
        p10, median, p90 = summarize([run[column] * 1000 for run in runs_of_command])
        print(f"| {name} | {p10:.2f} | {median:.2f} | {p90:.2f} |")
    p10, median, p90 = summarize(ratios)
    print(f"| ratio {names[0]}/{names[1]} (per round) | {p10:.2f} | {median:.2f} | {p90:.2f} |")


if __name__ == "__main__":
    main()
