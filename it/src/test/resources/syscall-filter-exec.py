#!/usr/bin/python3
"""Runs a command under the seccomp filter systemd builds for SystemCallFilter=<sets>:
an allow-list of the sets' system calls (expanded with 'systemd-analyze syscall-filter'),
everything else kills the process (SIGSYS: systemd's default action without
SystemCallErrorNumber=), native architecture only (SystemCallArchitectures=native).
Used by SystemCallFilterIT to show the daemon runs under the unit's filter without systemd as PID 1.

usage: syscall-filter-exec.py @system-service[,@other...] -- command args...
"""
import os
import subprocess
import sys

import seccomp


def expand(name, seen):
    if not name.startswith("@"):
        return {name}
    if name in seen:
        return set()
    seen.add(name)
    out = subprocess.run(["systemd-analyze", "syscall-filter", name], check=True, capture_output=True, text=True).stdout
    calls = set()
    for line in out.splitlines()[1:]:
        item = line.strip()
        if item and not item.startswith("#"):
            calls |= expand(item, seen)
    return calls


def main():
    sep = sys.argv.index("--")
    sets, command = sys.argv[1].split(","), sys.argv[sep + 1:]
    calls = set()
    for s in sets:
        calls |= expand(s, set())
    f = seccomp.SyscallFilter(defaction=seccomp.KILL_PROCESS)
    allowed = 0
    for c in sorted(calls):
        try:
            f.add_rule(seccomp.ALLOW, c)
            allowed += 1
        except (RuntimeError, ValueError, OSError):
            pass  # not a system call of this architecture or unknown to libseccomp
    f.load()
    sys.stderr.write("syscall-filter-exec: %s: %d system calls allowed, others kill the process\n" % (",".join(sets), allowed))
    sys.stderr.flush()
    os.execvp(command[0], command)


if __name__ == "__main__":
    main()
