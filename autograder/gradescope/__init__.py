"""Gradescope: the autograder zip (build.py) and what its run_autograder does (run.py). No torch.

    build.py   `autograder gradescope build`: setup.sh, run_autograder, our wheel, course.yaml,
               the secret if there is one, and the pinned requirements, in one zip
    run.py     `autograder gradescope run`: the student's id from submission_metadata.json,
               the /autograder tree made private, the `grade` command to run, and a
               results.json that says why whenever that command wrote none
    files/     setup.sh and run_autograder as they go into the zip
"""
