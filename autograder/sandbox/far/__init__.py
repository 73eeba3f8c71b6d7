"""The far side of the boundary: the processes that hold student code.

    zygote.py   the warm process: torch imported once, one fork per submission
    runner.py   a submission's process: its sandbox, its cells, then its probes
    units.py    one unit (a cell, a probe) in a fork under a wall-clock limit
    groups.py   groups of probes in forks: hangs, crashes and what they block
    cells.py    cells run as a Jupyter kernel would (magics dropped)
    probes.py   call one student function, describe what it returned and did
    state.py    put back what a probe changed before the next one
    kernel.py, pidns.py, detect.py, libc.py   the kernel layers; limits.py the rlimits

Nothing here decides a grade, and nothing here imports the grader, the gradebook or the
outputs: it runs student code and reports what that code returned and did.
"""
