"""``python -m autograder.sandbox.far FD``: the warm zygote, started by ``sandbox.launch``."""
from autograder.sandbox.far.zygote import main

main()
