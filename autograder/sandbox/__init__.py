"""The process boundary: student code runs on the far side (``far/``), and only data comes back.

    client.py       near side: the Zygote (a warm process) and a Session per submission
    launch.py       near side: starts the zygote early, before the grader's own imports
    protocol.py     both sides: every message type, and frames of JSON plus raw tensor bytes
    environment.py  both sides: the allowlisted environment, the paths hidden from submissions
    far/            far side: the zygote, the submission's process (cells, probes), the
                    kernel layers and the rlimits; it never imports grader/, store/ or sinks/
"""
