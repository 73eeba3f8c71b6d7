"""nbgrader courses: a generated course (course, source) and our grades in nbgrader's gradebook (sync).

The generated test cells call ``autograder.check.grade_cell``, which runs in nbgrader's
autograde kernel beside the student's code and imports nothing of nbgrader; ``sync``
needs the `nbgrader` extra.
"""
