#!/usr/bin/env python3
"""Measure the wall time of two commands, run alternately.

Each command is started with posix_spawn (no shell) with stdin opened from a file, and the
harness times it from the spawn to the return of wait4. The two commands alternate in every round, and the order flips from one round to the next, so
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
    """Run argv once; return its wall time in seconds."""
    actions = [
        (os.POSIX_SPAWN_OPEN, 0, input_path, os.O_RDONLY, 0),
        (os.POSIX_SPAWN_DUP2, devnull, 1),
    ]
    start = time.perf_counter_ns()
    pid = os.posix_spawn(argv[0], argv, os.environ, file_actions=actions)
    _, status = os.waitpid(pid, 0)
    elapsed = (time.perf_counter_ns() - start) / 1e9
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        sys.exit(f"measure.py: {shlex.join(argv)} exited with {code}; run it by hand to see why")
    return elapsed


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
        writer.writerow(["round", f"{names[0]}_seconds", f"{names[1]}_seconds"])
        for round_index, (first, second) in enumerate(zip(*samples)):
            writer.writerow([round_index, f"{first:.6f}", f"{second:.6f}"])

    # Each round's pair ran back to back, so the per-round ratio cancels most of the load drift.
    ratios = [first / second for first, second in zip(*samples)]
    print(f"{arguments.runs} runs of each, alternated; wall time in ms")
    print()
    print("| command | p10 | median | p90 |")
    print("|---|---:|---:|---:|")
    for name, runs in zip(names, samples):
        p10, median, p90 = summarize([wall * 1000 for wall in runs])
        print(f"| {name} | {p10:.2f} | {median:.2f} | {p90:.2f} |")
    p10, median, p90 = summarize(ratios)
    print(f"| ratio {names[0]}/{names[1]} (per round) | {p10:.2f} | {median:.2f} | {p90:.2f} |")


if __name__ == "__main__":
    main()
