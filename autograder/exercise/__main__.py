"""`python -m autograder.exercise [FOLDER]`: write the exercise's .py stub and notebooks."""
import sys

from autograder.exercise import main

sys.exit(main())
