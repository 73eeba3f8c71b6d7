"""`python -m autograder`: the command line (``cli.run``)."""
from autograder.cli import run

run()
