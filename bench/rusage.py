#!/usr/bin/env python3
# The bench's meter: runs a command and writes "peak-RSS-KiB user-seconds system-seconds
# wall-seconds" of it (CPU time with every child it waited for, as wait4 reports them, to the
# microsecond; wall time from fork to exit, without this script's own start) to the file named by
# the first argument, then exits with the command's code. /usr/bin/time prints CPU time to the
# hundredth of a second only, too coarse for a 10 ms git status.
#   python3 bench/rusage.py OUT COMMAND [ARG...]
import os
import sys
import time

started = time.monotonic()
pid = os.fork()
if pid == 0:
    try:
        os.execvp(sys.argv[2], sys.argv[2:])
    finally:
        os._exit(127)
_, status, usage = os.wait4(pid, 0)
wall = time.monotonic() - started
with open(sys.argv[1], "w") as out:
    out.write(f"{usage.ru_maxrss} {usage.ru_utime:.6f} {usage.ru_stime:.6f} {wall:.6f}\n")
code = os.waitstatus_to_exitcode(status)
sys.exit(code if code >= 0 else 128 - code)
