#!/usr/bin/env python3
"""subreaper.py REPORT CMD...: runs CMD as a child subreaper, so every process CMD leaves behind
(a stub or gofer of runsc that outlived it) is re-parented here instead of to the host's init.
After CMD exits, what is still alive 5 s later is a leak: it is listed in REPORT (pid, exe, cmdline;
empty file when nothing leaked) and killed. Exits with CMD's status (128+N if a signal ended it)."""
import ctypes, os, signal, subprocess, sys, time

PR_SET_CHILD_SUBREAPER = 36


def children():
    pids = []
    for tid in os.listdir("/proc/self/task"):
        try:
            with open(f"/proc/self/task/{tid}/children") as f:
                pids += [int(p) for p in f.read().split()]
        except OSError:
            pass
    return pids


def alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def reap():
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def describe(pid):
    try:
        exe = os.readlink(f"/proc/{pid}/exe")
    except OSError:
        exe = "?"
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            cmd = f.read().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        cmd = "?"
    return f"{pid} exe={exe} cmdline={cmd}"


def main():
    report, cmd = sys.argv[1], sys.argv[2:]
    if ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        sys.exit("subreaper.py: prctl(PR_SET_CHILD_SUBREAPER) failed")
    # SIGTERM/SIGINT to us reach the command (as they would without the wrapper).
    proc = subprocess.Popen(cmd)
    for s in (signal.SIGTERM, signal.SIGINT):
        signal.signal(s, lambda n, _f: proc.send_signal(n))
    rc = proc.wait()
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and any(alive(p) for p in children()):
        reap()
        time.sleep(0.1)
    leaked = [p for p in children() if alive(p)]
    with open(report, "w") as f:
        for p in leaked:
            f.write(describe(p) + "\n")
    for p in leaked:
        try:
            os.kill(p, signal.SIGKILL)
        except OSError:
            pass
    time.sleep(0.2)
    reap()
    sys.exit(128 - rc if rc < 0 else rc)


main()
