"""What one student costs a hub: each chapter notebook run in its own kernel, its peak memory and CPU time.

    python benchmarks/kernel_footprint.py                  # every chapter, one BLAS/torch thread: 10-20 minutes
    python benchmarks/kernel_footprint.py --chapters 02_bptt --threads 2

Each instructor notebook (the exercises solved: what a student's kernel ends up running) is executed top to
bottom with nbclient in a fresh python3 kernel, in notebooks/ (its relative paths work), outputs discarded.
A cell that raises is recorded (its number in the last column) and the run goes on.
When the last cell is done the kernel's own counters are read from /proc: VmHWM, the peak resident memory
of the kernel process, and utime + stime (plus those of reaped children), its CPU time; a wall-clock time
beside them. The JupyterLab server each student also runs is measured once, idle after serving /lab (VmRSS).
Prints a markdown table for benchmarks/RESULTS.md, where the sizing of classroom/z2jh/values.yaml is worked out.
Linux only (/proc).
"""

import argparse
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
MIB = 2**20


def peak_memory_mib(pid):
    """VmHWM of a process, the peak of its resident memory, in MiB (from /proc/<pid>/status)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024 / MIB
    raise RuntimeError(f"/proc/{pid}/status has no VmHWM line")


def resident_mib(pid):
    """VmRSS of a process now, in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024 / MIB
    raise RuntimeError(f"/proc/{pid}/status has no VmRSS line")


def cpu_seconds(pid):
    """User + system CPU time of a process and of its reaped children, in seconds (from /proc/<pid>/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    utime, stime, cutime, cstime = (int(v) for v in fields[11:15])  # fields 14-17 of proc(5), after pid and comm
    return (utime + stime + cutime + cstime) / CLOCK_TICKS


def run_chapter(path, timeout):
    """Run one notebook in a fresh kernel; return (peak MiB, CPU s, wall s, code cells, cells that raised)."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3", allow_errors=True,  # measure all cells
                            resources={"metadata": {"path": str(path.parent)}})
    client.reset_execution_trackers()
    start = time.perf_counter()
    with client.setup_kernel():
        pid = client.km.provisioner.pid
        for index, cell in enumerate(nb.cells):
            client.execute_cell(cell, index, execution_count=client.code_cells_executed + 1)
        peak, cpu = peak_memory_mib(pid), cpu_seconds(pid)  # before the kernel exits
    code = [c for c in nb.cells if c.cell_type == "code"]
    failed = [i for i, c in enumerate(nb.cells, 1) if c.cell_type == "code"
              and any(o.get("output_type") == "error" for o in c.get("outputs", []))]
    return peak, cpu, time.perf_counter() - start, len(code), failed


def server_footprint(timeout=120):
    """Resident MiB of an idle JupyterLab server (this environment's) after it has served /lab once."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    token = secrets.token_hex(16)
    root_flag = ["--allow-root"] if os.geteuid() == 0 else []
    server = subprocess.Popen([sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
                               f"--IdentityProvider.token={token}", f"--notebook-dir={NOTEBOOKS}", *root_flag],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/lab?token={token}", timeout=10).read()
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("JupyterLab did not start") from None
                time.sleep(0.5)
        time.sleep(2)
        return resident_mib(server.pid)
    finally:
        server.terminate()
        server.wait(timeout=30)


def main(argv=None):
    """Command line: run the chapters, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chapters", nargs="+", help="notebook stems (default: every chapter)")
    parser.add_argument("--threads", type=int, default=1, help="BLAS and torch threads of each kernel (default 1)")
    parser.add_argument("--timeout", type=int, default=1800, help="seconds per cell (default 1800)")
    args = parser.parse_args(argv)
    paths = sorted(NOTEBOOKS.glob("*.ipynb"))
    if args.chapters:
        unknown = sorted(set(args.chapters) - {p.stem for p in paths})
        if unknown:
            raise SystemExit(f"--chapters must name notebooks of {NOTEBOOKS} ({', '.join(p.stem for p in paths)}), "
                             f"got {unknown}")
        paths = [p for p in paths if p.stem in args.chapters]
    if args.threads < 1:
        raise SystemExit(f"--threads must be 1 or more, got {args.threads}")
    for name in THREAD_VARIABLES:  # the kernels inherit them; torch reads OMP_NUM_THREADS at import
        os.environ[name] = str(args.threads)
    print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at the start, {args.threads} thread(s) "
          f"per kernel\n")
    print("| chapter | code cells | peak memory (VmHWM, MiB) | CPU time (s) | wall time (s) | cells that raised |")
    print("| --- | ---: | ---: | ---: | ---: | --- |")
    rows = []
    for path in paths:
        peak, cpu, wall, cells, failed = run_chapter(path, args.timeout)
        rows.append((peak, cpu))
        print(f"| {path.stem} | {cells} | {peak:.0f} | {cpu:.0f} | {wall:.0f} | {', '.join(map(str, failed)) or '-'} |",
              flush=True)
    print(f"| largest / total | | {max(r[0] for r in rows):.0f} | {sum(r[1] for r in rows):.0f} | | |")
    print(f"\nidle JupyterLab server after serving /lab: {server_footprint():.0f} MiB resident (VmRSS); "
          f"load average {os.getloadavg()[0]:.1f} at the end")


if __name__ == "__main__":
    main()
