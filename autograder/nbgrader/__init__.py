"""nbgrader courses: a generated course (init), its test cells (cell), and our grades in nbgrader's gradebook (sync).

``cell`` runs inside nbgrader's autograde kernel, beside the student's code, and
imports nothing of nbgrader; ``course`` and ``sync`` need the `nbgrader` extra.
"""
