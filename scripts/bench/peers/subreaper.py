#!/usr/bin/env python3
# Runs a command as a child subreaper (prctl PR_SET_CHILD_SUBREAPER), so every process it leaves behind
# (task-spooler's server and the job clients it forks into the background, nq's waiting jobs) is
# reparented here instead of to init, and reaped here when it ends. Then the CPU of all of them is in
# this process's RUSAGE_CHILDREN, the same counters /proc/PID/stat calls cutime and cstime, and the
# biggest peak RSS (VmHWM) of those reaped here is known from wait4. Prints one JSON line on stdout:
#   {"wallMs": from before the fork to the command's own exit, "cpuS": all descendants, "maxRssKiB": the biggest process left behind}
# The command must leave nothing running (the scripts stop their servers): this waits for every process.
#   python3 subreaper.py CMD ARGS...
import ctypes, json, os, resource, sys, time

PR_SET_CHILD_SUBREAPER = 36
if ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
    sys.exit('prctl(PR_SET_CHILD_SUBREAPER) failed')
started = time.monotonic()
pid = os.fork()
if pid == 0:
    os.execvp(sys.argv[1], sys.argv[1:])
ended, status, biggest = None, 0, 0
while True:
    try:
        done, code, usage = os.wait4(-1, 0)
    except ChildProcessError:
        break
    if done == pid:
        ended, status = time.monotonic(), code
    else:
        # The command itself is left out: forked from this python, its peak RSS is python's (it is
        # kept across exec). The processes left behind are the queue's: servers, clients, their jobs.
        biggest = max(biggest, usage.ru_maxrss)
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({'wallMs': (ended - started) * 1000, 'cpuS': usage.ru_utime + usage.ru_stime, 'maxRssKiB': biggest}))
sys.exit(os.waitstatus_to_exitcode(status) if status else 0)
