"""What one container does once started: from its command, its image's catalog entry and the
`kubesim.io/` annotations a teacher sets to show a state on purpose.

An annotation applies to every container of the pod, or to one with the container's name as a
suffix (`kubesim.io/crash-after.app: "30"`), which wins over the pod-wide one.

    exit-after: N          exit N s after starting (code 0, or exit-code)
    crash-after: N         exit N s after starting with code 1 (or exit-code)
    exit-code: C           the code of any exit
    oom-after: N           get OOMKilled (exit 137) N s after starting
    ready-after: N         the readinessProbe passes only from N s after starting
    never-ready: "true"    the readinessProbe never passes
    liveness-fail-after: N the livenessProbe fails from N s after starting
    image-pull-fails: "true"  every pull fails (ErrImagePull, then ImagePullBackOff)
    pull-seconds: N        a pull takes N s
    start-seconds: N       creating and starting the container takes N s
    stop-seconds: N | never   time to exit after SIGTERM; never: killed when the grace ends
    cpu: 250m, memory: 64Mi   what the container uses (kubectl top). Using more memory than
                           its limit (this, or its image's usual use) gets it OOMKilled a second
                           after starting

Probes act only when the container has them, as in Kubernetes. Commands are read the way a
shell would run them, well enough for teaching: `sleep N` runs N s, `sleep infinity` and
`tail -f` run forever, `echo` prints, `exit C` exits, `while true; do ...; done` loops (printing
as it goes), and an unknown program is taken for a server that runs until stopped.
"""
import shlex
from dataclasses import dataclass, replace

from cluster.quantity import int_value, millicores

from . import catalog, messages

PREFIX = "kubesim.io/"
OOM_SECONDS = 1.0  # how long a container over its memory limit lives
FOREVER = None
_SHELLS = {"sh", "bash", "ash", "dash", "zsh"}
_ONE_SHOT = {"cat", "ls", "touch", "mkdir", "rm", "cp", "mv", "cd", "export", "set", "test",
             "[", "wget", "curl", "nslookup", "chmod", "chown", "ln", "sync", ":", "true"}


@dataclass(frozen=True)
class Program:
    """What the process does: lines it prints, then exit (or not)."""

    lines: tuple = ()  # (seconds after start, text), printed once
    loop: tuple = ()  # (seconds into one round, text), printed every `period` from `loop_start`
    loop_start: float = 0.0
    period: float = 0.0
    runs: float | None = FOREVER  # seconds until it exits by itself
    exit_code: int = 0
    oom: bool = False
    ignores_sigterm: bool = False  # sleep or a shell as PID 1: no handler, so SIGTERM does nothing

    @property
    def reason(self):
        """The terminated state's reason for this exit."""
        return "OOMKilled" if self.oom else "Completed" if self.exit_code == 0 else "Error"


@dataclass(frozen=True)
class Behaviour:
    image: str  # the normalized reference (docker.io/library/nginx:1.27)
    image_id: str
    size: int
    pull_seconds: float
    pull_error: str | None
    start_seconds: float
    program: Program
    ready_after: float | None  # seconds after start before a readiness probe can pass
    liveness_fails_after: float | None
    stop_seconds: float | None  # on SIGTERM; None: only the end of the grace period stops it
    sigterm_exit_code: int
    stop_logs: tuple
    access_log: str | None
    cpu: int
    memory: int


def for_container(pod, container, *, zero_delays=False):
    """The Behaviour of `container` (a spec dict) in `pod`."""
    reference = catalog.parse(container.get("image", ""))
    image, size = catalog.lookup(reference)
    notes = _Annotations(pod, container["name"])
    memory = notes.quantity("memory", int_value, image.memory)
    program = _apply(notes, _program(pod, container, image), container, memory)
    pull_error = (messages.not_found(reference.name) if notes.flag("image-pull-fails")
                  else catalog.pull_error(reference))
    # A failing pull ends at the registry's answer; a good one brings the layers down too.
    pull_seconds = 0.0 if zero_delays else catalog.pull_seconds(0 if pull_error else size)
    start_seconds = 0.0 if zero_delays else image.start_seconds
    never_ready = notes.flag("never-ready")
    stop = notes.text("stop-seconds")
    return Behaviour(
        image=reference.name, image_id=reference.image_id, size=size,
        pull_seconds=notes.seconds("pull-seconds", pull_seconds), pull_error=pull_error,
        start_seconds=notes.seconds("start-seconds", start_seconds),
        program=program,
        ready_after=None if never_ready else notes.seconds("ready-after", image.warmup),
        liveness_fails_after=notes.seconds("liveness-fail-after", None),
        stop_seconds=None if stop == "never" else notes.seconds(
            "stop-seconds", None if program.ignores_sigterm else image.stop_seconds),
        sigterm_exit_code=image.sigterm_exit_code, stop_logs=image.stop_logs,
        access_log=image.access_log,
        cpu=notes.quantity("cpu", millicores, image.cpu), memory=memory,
    )


class _Annotations:
    """The pod's kubesim.io/ annotations for one container: its own first, then the pod's."""

    def __init__(self, pod, container):
        self.values = pod["metadata"].get("annotations") or {}
        self.container = container

    def raw(self, key):
        return self.values.get(f"{PREFIX}{key}.{self.container}", self.values.get(PREFIX + key))

    def text(self, key):
        value = self.raw(key)
        return value.strip().lower() if isinstance(value, str) else None

    def flag(self, key):
        return self.text(key) in ("true", "yes", "1")

    def seconds(self, key, default):
        try:
            return max(0.0, float(self.text(key)))
        except (TypeError, ValueError):
            return default

    def quantity(self, key, unit, default):
        if self.raw(key) is None:
            return default
        try:
            return unit(self.raw(key))
        except ValueError:
            return default


def _apply(notes, program, container, memory):
    """The teacher's annotations over what the command does; `memory` is what it uses."""
    code = notes.text("exit-code")
    code = int(code) if code and code.lstrip("-").isdigit() else None
    crash_after, exit_after = notes.seconds("crash-after", None), notes.seconds("exit-after", None)
    if crash_after is not None:
        line = (crash_after, (f"kubesim: simulated crash after "
                              f"{messages.go_duration(crash_after)} ({PREFIX}crash-after)"))
        program = replace(program, runs=crash_after, exit_code=1 if code is None else code,
                          lines=program.lines + (line,))
    elif exit_after is not None:
        program = replace(program, runs=exit_after, exit_code=0 if code is None else code)
    elif code is not None:
        program = replace(program, exit_code=code)
    oom_after = notes.seconds("oom-after", None)
    limit = ((container.get("resources") or {}).get("limits") or {}).get("memory")
    if limit is not None and memory > int_value(limit):
        oom_after = min(oom_after if oom_after is not None else OOM_SECONDS, OOM_SECONDS)
    if oom_after is not None and (program.runs is FOREVER or oom_after < program.runs):
        program = replace(program, runs=oom_after, exit_code=137, oom=True)
    return program


# --- commands --------------------------------------------------------------------------------

def _program(pod, container, image):
    argv = list(container.get("command") or []) + list(container.get("args") or [])
    env = {"HOSTNAME": pod["metadata"]["name"]}
    env.update((var["name"], var.get("value", "")) for var in container.get("env") or ())
    if not argv or (not container.get("command") and argv[0].startswith("-")):
        # No command, or flags for the image's own entrypoint. envFrom hides its keys from us:
        # take what the image needs to be there.
        configured = bool(env.keys() & set(image.requires_env)) or bool(container.get("envFrom"))
        return _default(image, configured)
    return _Shell(env).run([argv])


def _default(image, configured):
    if image.requires_env and not configured:
        return Program(lines=tuple((0.3, line) for line in image.failed_logs), runs=0.3,
                       exit_code=1)
    exit_lines = tuple((image.runs or 0.0, line) for _, line in image.exit_logs)
    return Program(lines=image.logs + exit_lines, runs=image.runs, exit_code=image.exit_code)


class _Shell:
    """Just enough of sh to tell how long a script runs, what it prints and how it exits."""

    def __init__(self, env):
        self.env, self.clock, self.lines, self.code = env, 0.0, [], 0
        self.server = False  # the command ran a program we do not know

    def run(self, statements):
        index = 0
        while index < len(statements):
            words, index = statements[index], index + 1
            name = words[0].rsplit("/", 1)[-1] if words else ""
            if name in _SHELLS and "-c" in words[1:-1]:
                return self.run(_statements(words[words.index("-c") + 1]))
            if name == "exit":
                return self._end(_int(words[1:], 0))
            if name in ("while", "until", "for"):
                body, index = _block(statements, index)
                if name != "for":
                    return self._forever_loop(body)
                for item in words[3:] if words[2:3] == ["in"] else ():
                    self.env[words[1]] = item
                    if not all(self._command(w) for w in body):
                        return self._forever()
            elif not self._command(words):
                return self._forever()
        return self._end(self.code)

    def _command(self, words):
        """Run one simple command; False if it never ends."""
        words, to_file = _redirections(words)
        if words and words[0] == "exec":
            words = words[1:]
        if not words:
            return True
        name, args = words[0].rsplit("/", 1)[-1], words[1:]
        self.code = 0
        if "=" in name and not name.startswith("="):  # NAME=value
            key, _, value = words[0].partition("=")
            self.env[key] = self._expand(value)
        elif name == "sleep":
            seconds = _duration(args[0] if args else "0")
            if seconds is FOREVER:
                return False
            self.clock += seconds
        elif name == "tail" and any(a in ("-f", "-F") for a in args):
            return False
        elif name in ("echo", "printf", "date", "hostname", "env", "printenv"):
            if not to_file:
                self._print(name, args)
        elif name == "false":
            self.code = 1
        elif name not in _ONE_SHOT:
            self.server = True  # a program we do not know: a server, running until stopped
            return False
        return True

    def _print(self, name, args):
        if name == "echo":
            lines = [" ".join(a for a in args if a not in ("-n", "-e"))]
        elif name == "printf":
            lines = (args[0] if args else "").replace("\\n", "\n").rstrip("\n").split("\n")
        elif name == "date":
            lines = ["{t:%a %b %d %H:%M:%S UTC %Y}"]
        elif name == "hostname":
            lines = [self.env["HOSTNAME"]]
        else:
            lines = [f"{k}={v}" for k, v in sorted(self.env.items())]
        self.lines.extend((self.clock, self._expand(line)) for line in lines)

    def _forever_loop(self, body):
        """`while true; do ...; done`: forever, printing the body's lines every round."""
        start, round_ = self.clock, _Shell(self.env)
        for words in body:
            if not round_._command(words):
                break  # a round that never ends: what it printed so far, once a second
        period = round_.clock or 1.0  # a loop without sleep prints as fast as we let it: 1/s
        return Program(lines=tuple(self.lines), loop=tuple(round_.lines), loop_start=start,
                       period=period, runs=FOREVER, ignores_sigterm=True)

    def _forever(self):
        """Runs until stopped: a server handles SIGTERM; sleep or tail as PID 1 does not."""
        return Program(lines=tuple(self.lines), runs=FOREVER, ignores_sigterm=not self.server)

    def _end(self, code):
        return Program(lines=tuple(self.lines), runs=self.clock, exit_code=code)

    def _expand(self, text):
        for name, value in sorted(self.env.items(), key=lambda kv: -len(kv[0])):
            text = text.replace("${" + name + "}", value).replace("$" + name, value)
        return text.replace("$(hostname)", self.env["HOSTNAME"])


def _block(statements, index):
    """The body of a loop starting at `index` (after `do`), and the index after its `done`."""
    body = []
    while index < len(statements) and statements[index][:1] != ["done"]:
        words = statements[index]
        body.append(words[1:] if words[:1] == ["do"] else words)
        index += 1
    return body, index + 1


def _redirections(words):
    """The words without redirections, and whether stdout goes to a file."""
    kept, to_file, skip = [], False, False
    for i, word in enumerate(words):
        if skip:
            skip = False
        elif ">" in word or "<" in word:
            skip = True
            target = words[i + 1] if i + 1 < len(words) else ""
            if word in (">", ">>") and not target.startswith("/dev/std"):
                to_file = kept[-1:] != ["2"] or to_file
            if kept[-1:] in (["1"], ["2"]):
                kept.pop()
        else:
            kept.append(word)
    return kept, to_file


def _statements(script):
    """A script as a list of commands (lists of words), split at ; && || & and newlines."""
    lexer = shlex.shlex(script.replace("\n", " ; "), posix=True, punctuation_chars=";&|<>")
    lexer.whitespace_split = True
    statements, words = [], []
    try:
        for token in lexer:
            if token and set(token) <= set(";&|"):
                statements.append(words)
                words = []
            else:
                words.append(token)
    except ValueError:  # unbalanced quotes: sh would fail; take what we read
        pass
    return statements + [words]


def _duration(text):
    """sleep's argument: 5, 1.5, 10s, 2m, 1h, infinity."""
    if text in ("infinity", "inf"):
        return FOREVER
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    scale = units.get(text[-1:], 1)
    try:
        return float(text[:-1] if text[-1:] in units else text) * scale
    except ValueError:
        return 0.0


def _int(words, default):
    try:
        return int(words[0])
    except (IndexError, ValueError):
        return default
