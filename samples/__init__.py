"""Submissions to grade that the tests and the benchmarks share: the mistakes students make (mutants of the reference) and attacks on the sandbox."""
