#!/usr/bin/env python3
"""bench-read: the official Python client (PyPI `bigcommerce`) and bigcommerce-api read the
same catalog (default 10,000 products x 3 variants, with variants) from the same kind of
sandbox store, side by side, several runs. Prints wall time, peak RSS, pages, 429s and the
ratios. Not a test: run it by hand (see the README's performance section).

    python3 benches/bench-read.py [--runs 3] [--products 10000] [--variants 3]
                                  [--latency-ms 50] [--pages-in-flight 4] [--no-build]

Each run starts a fresh `sync-sandbox` (so every client is alone on a store with a full
rate-limit window, as a connector is), then runs one client as a child process and reads
its peak RSS from the kernel (wait4). The Python client is installed in a virtualenv this
script creates under target/bench-read-venv.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
import venv

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TARGET = os.path.join(ROOT, "target")
RELEASE = os.path.join(TARGET, "release")
VENV = os.path.join(TARGET, "bench-read-venv")
PY_CLIENT = "bigcommerce==0.23.4"


def build():
    subprocess.run(
        ["cargo", "build", "--release", "-p", "sync-sandbox", "--bin", "sync-sandbox",
         "-p", "examples", "--bin", "bench-read"],
        cwd=ROOT, check=True)


def python_client():
    """The venv's python with the official client, or None (and why) when it cannot be had."""
    python = os.path.join(VENV, "bin", "python")
    if not os.path.exists(python):
        venv.EnvBuilder(with_pip=True).create(VENV)
    ok = subprocess.run([python, "-c", "import bigcommerce"], capture_output=True).returncode == 0
    if not ok:
        r = subprocess.run([python, "-m", "pip", "install", "-q", PY_CLIENT],
                           capture_output=True, text=True)
        if r.returncode != 0:
            return None, "pip install %s failed: %s" % (PY_CLIENT, r.stderr.strip()[-400:])
    return python, None


def start_sandbox(args):
    cmd = [os.path.join(RELEASE, "sync-sandbox"), "--bc-port", "0", "--mirakl-port", "0",
           "--products", str(args.products), "--variants", str(args.variants),
           "--latency-ms", str(args.latency_ms), "--rate-limit", args.rate_limit]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    info = {}
    section = None
    for line in proc.stdout:
        line = line.rstrip()
        if line.startswith("BigCommerce stand-in"):
            section = "bc"
        elif line.startswith("Mirakl stand-in"):
            section = "mirakl"
        parts = line.split(None, 2)
        if section == "bc" and len(parts) >= 3:
            key = parts[0] + " " + parts[1]
            if key in ("base URL", "store hash", "access token"):
                info[key] = parts[2]
        if line.startswith("Stop with Ctrl-C"):
            break
    if len(info) != 3:
        proc.kill()
        raise SystemExit("sync-sandbox did not report its BigCommerce URL and credentials")
    return proc, info


def run_client(cmd):
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    if status != 0:
        raise SystemExit("%s failed (status %d)" % (cmd[0], status))
    report = json.loads(out.strip().splitlines()[-1])
    report["process_s"] = wall
    report["peak_rss_mb"] = usage.ru_maxrss / 1024.0  # KiB on Linux
    return report


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--products", type=int, default=10_000)
    ap.add_argument("--variants", type=int, default=3)
    ap.add_argument("--latency-ms", type=int, default=50)
    ap.add_argument("--rate-limit", default="standard", choices=["off", "standard", "pro"])
    ap.add_argument("--pages-in-flight", type=int, default=4)
    ap.add_argument("--no-build", action="store_true")
    args = ap.parse_args()
    if not args.no_build:
        build()
    python, why = python_client()
    if python is None:
        print("the official Python client cannot be installed, Rust side only:", why)
    clients = []
    if python:
        clients.append(("python", lambda i: [python, os.path.join(ROOT, "benches", "bc_python_read.py"),
                                             i["base URL"], i["store hash"], i["access token"]]))
    clients.append(("rust", lambda i: [os.path.join(RELEASE, "bench-read"),
                                       "--base-url", i["base URL"], "--store-hash", i["store hash"],
                                       "--token", i["access token"],
                                       "--pages-in-flight", str(args.pages_in_flight)]))
    print("bench-read: %d products x %d variants, latency %d ms, rate limit %s, %d run(s), %d cores"
          % (args.products, args.variants, args.latency_ms, args.rate_limit, args.runs,
             os.cpu_count() or 0))
    print("%-4s %-38s %8s %9s %9s %6s %6s %5s" % ("run", "client", "read s", "process s",
                                                  "peak MB", "items", "pages", "429s"))
    results = {name: [] for name, _ in clients}
    for run in range(1, args.runs + 1):
        for name, cmd in clients:
            sandbox, info = start_sandbox(args)
            try:
                r = run_client(cmd(info))
            finally:
                sandbox.terminate()
                sandbox.wait()
            results[name].append(r)
            print("%-4d %-38s %8.2f %9.2f %9.1f %6d %6d %5d" % (
                run, r["client"], r["wall_s"], r["process_s"], r["peak_rss_mb"],
                r["variants"], r["pages"], r["status_429"]))
    med = {name: {k: statistics.median(r[k] for r in rs)
                  for k in ("wall_s", "process_s", "peak_rss_mb")}
           for name, rs in results.items() if rs}
    print()
    for name, m in med.items():
        print("median %-6s read %.2f s, process %.2f s, peak RSS %.1f MB"
              % (name, m["wall_s"], m["process_s"], m["peak_rss_mb"]))
    if "python" in med:
        p, r = med["python"], med["rust"]
        print("ratio: Rust reads %.1fx faster (%.1fx counting process start), "
              "with %.2f of the Python client's peak memory"
              % (p["wall_s"] / r["wall_s"], p["process_s"] / r["process_s"],
                 r["peak_rss_mb"] / p["peak_rss_mb"]))


if __name__ == "__main__":
    sys.exit(main())
