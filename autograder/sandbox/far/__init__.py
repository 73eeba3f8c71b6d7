"""The child's side: the warm zygote, the cell executor and the probes.

Nothing in this package decides a grade. It runs student code in forked
processes and reports what that code returned and did.
"""
