#!/usr/bin/env python3
"""Measures end-to-end `kubeward scan --format json` throughput and peak memory.

Usage: bench_scan.py [--sizes 10000,50000,100000] [--threads 1,2] [--runs 3] [--bin PATH]
                     [--cluster]

Builds nothing: run `cargo build --release` first (the default binary is
target/release/kubeward). For each corpus size it generates a corpus with gen_corpus.py
(cached under target/bench-corpus/), then runs the scan with RAYON_NUM_THREADS set to each
thread count, output to /dev/null, and reports the best wall time of the runs, resources per
second and the peak resident set size of the scan process. Peak memory that stays flat as
the size grows is the streaming property docs/performance.md claims.
"""

import argparse
import os
import resource
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def corpus(size, cluster):
    name = f"{size}-cluster" if cluster else str(size)
    path = os.path.join(ROOT, "target", "bench-corpus", name)
    if not os.path.isdir(path):
        extra = ["--cluster"] if cluster else []
        subprocess.run([sys.executable, os.path.join(HERE, "gen_corpus.py"), str(size), path]
                       + extra, check=True, stdout=subprocess.DEVNULL)
    return path


def run_once(binary, path, threads):
    env = dict(os.environ, RAYON_NUM_THREADS=str(threads))
    # fork/exec + wait4 rather than subprocess: wait4 returns this one child's own peak RSS.
    start = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        fd = os.open(os.devnull, os.O_WRONLY)
        os.dup2(fd, 1)
        os.execve(binary, [binary, "scan", "--format", "json", path], env)
    _, status, usage = os.wait4(pid, 0)
    wall = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):
        raise SystemExit(f"scan exited {code} on {path}")
    return wall, usage.ru_maxrss  # KiB on Linux


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="10000,50000,100000")
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--bin", default=os.path.join(ROOT, "target", "release", "kubeward"))
    ap.add_argument("--cluster", action="store_true",
                    help="the corpus mixes in RBAC, network and secret kinds (gen_corpus --cluster)")
    args = ap.parse_args()
    print(f"{'resources':>10} {'threads':>7} {'best s':>8} {'res/s':>9} {'peak RSS MiB':>12}")
    for size in (int(s) for s in args.sizes.split(",")):
        path = corpus(size, args.cluster)
        for threads in (int(t) for t in args.threads.split(",")):
            runs = [run_once(args.bin, path, threads) for _ in range(args.runs)]
            best = min(r[0] for r in runs)
            rss = max(r[1] for r in runs) / 1024
            print(f"{size:>10} {threads:>7} {best:>8.2f} {size / best:>9.0f} {rss:>12.1f}")


if __name__ == "__main__":
    main()
