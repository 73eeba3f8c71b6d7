"""The near side's core: plan the probes, judge what they observed, word the verdicts, grade one or many.

Only this package talks to the near side of the sandbox (``sandbox.client``,
``sandbox.launch``). Importing it is free of torch; its modules are not.
"""


def start_zygote():
    """Start the warm zygote now (``sandbox.launch.Launch``): it imports torch in its
    own process while this one goes on, and ``Grader`` or ``replay`` take it over."""
    from autograder.sandbox.launch import Launch

    return Launch()
