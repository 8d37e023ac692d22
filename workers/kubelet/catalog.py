"""The simulated registry: well-known images and what their containers do when nothing says
otherwise (no command, no kubesim.io/ annotation).

Sizes are the compressed linux/amd64 sizes containerd reports after a pull; pull times follow
from them (a node pulling at about 40 MB/s). Log lines are what the real images print, with
`{t:...}` the moment they print it (strftime), `{epoch}` that moment in Unix seconds and `{ip}`
the pod's IP.

Any other image pulls fine after the default time and runs as a quiet server, unless its name
looks non-existent: a tag or repository containing `doesnotexist`, `does-not-exist`,
`nonexistent`, `notfound` or `nosuch` fails to pull (tag: NotFound; repository: pull access
denied), and so does a Docker Official Image name one typo away from a catalog one (`ngnix`).
"""
import difflib
import hashlib
import re
from dataclasses import dataclass, field

from . import messages

KiB, MiB = 1024, 1024 * 1024


@dataclass(frozen=True)
class Image:
    size: int
    runs: float | None = None  # seconds the default command runs; None: until stopped (a server)
    exit_code: int = 0  # when the default command ends
    start_seconds: float = 0.5  # create + start
    warmup: float = 0.0  # seconds after start before it would answer a readiness probe
    logs: tuple = ()  # (seconds after start, line) printed when it starts
    exit_logs: tuple = ()  # printed when the default command ends
    stop_logs: tuple = ()  # printed on SIGTERM
    access_log: str | None = None  # a request line: chatty servers print one now and then
    cpu: int = 1  # millicores used when idle
    memory: int = 4 * MiB
    stop_seconds: float | None = 0.1  # time to exit on SIGTERM; None: ignores it (PID 1, no handler)
    sigterm_exit_code: int = 0
    # The image refuses to start (exit 1, `exit_logs`) unless one of these is in the environment.
    requires_env: tuple = ()
    failed_logs: tuple = ()
    sizes: dict = field(default_factory=dict)  # size per tag substring ("alpine", "slim")


def pull_seconds(size):
    """A pull's time: a registry round trip, then the layers at about 40 MB/s."""
    return round(0.8 + size / 40e6, 1)


_NGINX_TIME = "{t:%Y/%m/%d %H:%M:%S}"
_HTTPD_TIME = "{t:%a %b %d %H:%M:%S.%f %Y}"
_REDIS_TIME = "{t:%d %b %Y %H:%M:%S.000}"
_PG_TIME = "{t:%Y-%m-%d %H:%M:%S.000} UTC"
_MYSQL_TIME = "{t:%Y-%m-%dT%H:%M:%S.000000Z}"

NGINX = Image(
    size=72_000_000, cpu=1, memory=8 * MiB, sizes={"alpine": 21_000_000},
    logs=tuple((0.1, line) for line in (
        ("/docker-entrypoint.sh: /docker-entrypoint.d/ is not empty, will attempt to perform "
        "configuration"),
        "/docker-entrypoint.sh: Looking for shell scripts in /docker-entrypoint.d/",
        "/docker-entrypoint.sh: Launching /docker-entrypoint.d/10-listen-on-ipv6-by-default.sh",
        ("10-listen-on-ipv6-by-default.sh: info: Getting the checksum of "
        "/etc/nginx/conf.d/default.conf"),
        ("10-listen-on-ipv6-by-default.sh: info: Enabled listen on IPv6 in "
        "/etc/nginx/conf.d/default.conf"),
        "/docker-entrypoint.sh: Sourcing /docker-entrypoint.d/15-local-resolvers.envsh",
        "/docker-entrypoint.sh: Launching /docker-entrypoint.d/20-envsubst-on-templates.sh",
        "/docker-entrypoint.sh: Launching /docker-entrypoint.d/30-tune-worker-processes.sh",
        "/docker-entrypoint.sh: Configuration complete; ready for start up",
        f'{_NGINX_TIME} [notice] 1#1: using the "epoll" event method',
        f"{_NGINX_TIME} [notice] 1#1: nginx/1.27.5",
        f"{_NGINX_TIME} [notice] 1#1: built by gcc 12.2.0 (Debian 12.2.0-14) ",
        f"{_NGINX_TIME} [notice] 1#1: OS: Linux 6.8.0-60-generic",
        f"{_NGINX_TIME} [notice] 1#1: getrlimit(RLIMIT_NOFILE): 1048576:1048576",
        f"{_NGINX_TIME} [notice] 1#1: start worker processes",
        f"{_NGINX_TIME} [notice] 1#1: start worker process 29",
        f"{_NGINX_TIME} [notice] 1#1: start worker process 30",
    )),
    stop_logs=(f"{_NGINX_TIME} [notice] 1#1: signal 15 (SIGTERM) received, exiting",
               f"{_NGINX_TIME} [notice] 1#1: exit"),
    access_log='{client} - - [{t:%d/%b/%Y:%H:%M:%S} +0000] "GET {path} HTTP/1.1" 200 615 "-" '
               '"{agent}" "-"',
)

IMAGES = {
    "nginx": NGINX,
    "httpd": Image(
        size=58_000_000, memory=10 * MiB, sizes={"alpine": 22_000_000},
        logs=(
            (0.2, ("AH00558: httpd: Could not reliably determine the server's fully qualified "
                  "domain name, using {ip}. Set the 'ServerName' directive globally to suppress "
                  "this message")),
            (0.2, ("AH00558: httpd: Could not reliably determine the server's fully qualified "
                  "domain name, using {ip}. Set the 'ServerName' directive globally to suppress "
                  "this message")),
            (0.3, (f"[{_HTTPD_TIME}] [mpm_event:notice] [pid 1:tid 1] AH00489: Apache/2.4.63 "
                  "(Unix) configured -- resuming normal operations")),
            (0.3, (f"[{_HTTPD_TIME}] [core:notice] [pid 1:tid 1] AH00094: Command line: "
                  "'httpd -D FOREGROUND'")),
        ),
        stop_logs=((f"[{_HTTPD_TIME}] [mpm_event:notice] [pid 1:tid 1] AH00492: caught SIGWINCH, "
                   "shutting down gracefully"),),
        access_log='{client} - - [{t:%d/%b/%Y:%H:%M:%S} +0000] "GET {path} HTTP/1.1" 200 45',
    ),
    "redis": Image(
        size=45_000_000, cpu=2, memory=4 * MiB, sizes={"alpine": 17_000_000},
        logs=tuple((0.05, line) for line in (
            f"1:C {_REDIS_TIME} * oO0OoO0OoO0Oo Redis is starting oO0OoO0OoO0Oo",
            (f"1:C {_REDIS_TIME} * Redis version=7.4.2, bits=64, commit=00000000, modified=0, "
            "pid=1, just started"),
            (f"1:C {_REDIS_TIME} # Warning: no config file specified, using the default config. "
            "In order to specify a config file use redis-server /path/to/redis.conf"),
            f"1:M {_REDIS_TIME} * monotonic clock: POSIX clock_gettime",
            f"1:M {_REDIS_TIME} * Running mode=standalone, port=6379.",
            f"1:M {_REDIS_TIME} * Server initialized",
            f"1:M {_REDIS_TIME} * Ready to accept connections tcp",
        )),
        stop_logs=("1:signal-handler ({epoch}) Received SIGTERM scheduling shutdown...",
                   f"1:M {_REDIS_TIME} # User requested shutdown...",
                   f"1:M {_REDIS_TIME} # Redis is now ready to exit, bye bye..."),
    ),
    "memcached": Image(size=33_000_000, memory=2 * MiB),
    "postgres": Image(
        size=158_000_000, cpu=5, memory=30 * MiB, warmup=2.0, sizes={"alpine": 105_000_000},
        requires_env=("POSTGRES_PASSWORD", "POSTGRES_HOST_AUTH_METHOD"),
        logs=(
            (0.2, ("The files belonging to this database system will be owned by user "
                  "\"postgres\".")),
            (1.5, "PostgreSQL init process complete; ready for start up."),
            (2.0, (f"{_PG_TIME} [1] LOG:  starting PostgreSQL 17.4 (Debian 17.4-1.pgdg120+2) on "
                  "x86_64-pc-linux-gnu, compiled by gcc (Debian 12.2.0-14) 12.2.0, 64-bit")),
            (2.0, f'{_PG_TIME} [1] LOG:  listening on IPv4 address "0.0.0.0", port 5432'),
            (2.0, f'{_PG_TIME} [1] LOG:  listening on IPv6 address "::", port 5432'),
            (2.0, (f'{_PG_TIME} [1] LOG:  listening on Unix socket '
                  '"/var/run/postgresql/.s.PGSQL.5432"')),
            (2.0, f"{_PG_TIME} [1] LOG:  database system is ready to accept connections"),
        ),
        failed_logs=(
            "Error: Database is uninitialized and superuser password is not specified.",
            "       You must specify POSTGRES_PASSWORD to a non-empty value for the",
            '       superuser. For example, "-e POSTGRES_PASSWORD=password" on "docker run".',
            "",
            '       You may also use "POSTGRES_HOST_AUTH_METHOD=trust" to allow all',
            "       connections without a password. This is *not* recommended.",
            "",
            '       See PostgreSQL documentation about "trust":',
            "       https://www.postgresql.org/docs/current/auth-trust.html",
        ),
        stop_logs=(f"{_PG_TIME} [1] LOG:  received fast shutdown request",
                   f"{_PG_TIME} [1] LOG:  database system is shut down"),
        stop_seconds=0.5,
    ),
    "mysql": Image(
        size=170_000_000, cpu=8, memory=380 * MiB, warmup=8.0,
        requires_env=("MYSQL_ROOT_PASSWORD", "MYSQL_ALLOW_EMPTY_PASSWORD",
                      "MYSQL_RANDOM_ROOT_PASSWORD"),
        logs=(
            (0.1, ("{t:%Y-%m-%d %H:%M:%S}+00:00 [Note] [Entrypoint]: Entrypoint script for MySQL "
                  "Server 9.2.0-1.el9 started.")),
            (8.0, (f"{_MYSQL_TIME} 0 [System] [MY-010931] [Server] /usr/sbin/mysqld: ready for "
                  "connections. Version: '9.2.0'  socket: '/var/run/mysqld/mysqld.sock'  port: "
                  "3306  MySQL Community Server - GPL.")),
        ),
        failed_logs=(
            ("{t:%Y-%m-%d %H:%M:%S}+00:00 [Note] [Entrypoint]: Entrypoint script for MySQL Server "
            "9.2.0-1.el9 started."),
            ("{t:%Y-%m-%d %H:%M:%S}+00:00 [ERROR] [Entrypoint]: Database is uninitialized and "
            "password option is not specified"),
            "    You need to specify one of the following as an environment variable:",
            "    - MYSQL_ROOT_PASSWORD",
            "    - MYSQL_ALLOW_EMPTY_PASSWORD",
            "    - MYSQL_RANDOM_ROOT_PASSWORD",
        ),
        stop_seconds=2.0,
    ),
    # Shells and language runtimes: with no command and no terminal, the shell or REPL reads
    # end-of-file and exits 0 at once — which is why a Deployment of busybox crash-loops.
    # As PID 1 without a handler they ignore SIGTERM, so a program they run (python app.py)
    # is killed only when the grace period ends.
    "busybox": Image(size=2_200_000, runs=0.0, memory=400 * KiB, start_seconds=0.3,
                     stop_seconds=None),
    "alpine": Image(size=3_600_000, runs=0.0, memory=500 * KiB, start_seconds=0.3,
                    stop_seconds=None),
    "ubuntu": Image(size=29_700_000, runs=0.0, memory=1 * MiB, stop_seconds=None),
    "debian": Image(size=48_500_000, runs=0.0, memory=1 * MiB, stop_seconds=None),
    "python": Image(size=400_000_000, runs=0.0, memory=9 * MiB, stop_seconds=None,
                    sizes={"slim": 45_000_000, "alpine": 17_000_000}),
    "node": Image(size=390_000_000, runs=0.0, memory=40 * MiB, stop_seconds=None,
                  sizes={"slim": 75_000_000, "alpine": 55_000_000}),
    "hello-world": Image(
        size=3_600, runs=0.0, memory=200 * KiB, start_seconds=0.2,
        exit_logs=tuple((0.0, line) for line in (
            "", "Hello from Docker!",
            "This message shows that your installation appears to be working correctly.", "",
            "To generate this message, Docker took the following steps:",
            " 1. The Docker client contacted the Docker daemon.",
            ' 2. The Docker daemon pulled the "hello-world" image from the Docker Hub.',
            "    (amd64)",
            " 3. The Docker daemon created a new container from that image which runs the",
            "    executable that produces the output you are currently reading.",
            " 4. The Docker daemon streamed that output to the Docker client, which sent it",
            "    to your terminal.", "",
            "To try something more ambitious, you can run an Ubuntu container with:",
            " $ docker run -it ubuntu bash", "",
            "Share images, automate workflows, and more with a free Docker ID:",
            " https://hub.docker.com/", "",
            "For more examples and ideas, visit:",
            " https://docs.docker.com/get-started/", "",
        )),
    ),
    "curlimages/curl": Image(
        size=11_000_000, runs=0.0, exit_code=2, memory=1 * MiB,
        exit_logs=((0.0, "curl: try 'curl --help' or 'curl --manual' for more information"),),
    ),
    "registry.k8s.io/pause": Image(size=320_000, memory=300 * KiB, cpu=0, start_seconds=0.1),
    "registry.k8s.io/e2e-test-images/agnhost": Image(size=51_000_000, memory=10 * MiB),
    "hashicorp/http-echo": Image(
        size=3_500_000, memory=3 * MiB,
        logs=((0.1, "{t:%Y/%m/%d %H:%M:%S} [INFO] server is listening on :5678"),),
    ),
}

# An image the catalog does not know: a 50 MB pull, then a quiet server.
UNKNOWN = Image(size=50_000_000, memory=16 * MiB)
SANDBOX_IMAGE = "registry.k8s.io/pause:3.10"
_MISSING = re.compile(r"does-?not-?exist|non-?existent|not-?found|no-?such", re.IGNORECASE)
_OFFICIAL = [name for name in IMAGES if "/" not in name]


@dataclass(frozen=True)
class Reference:
    """A parsed image reference, as containerd normalizes it (docker.io/library/nginx:latest)."""

    domain: str
    path: str
    tag: str
    digest: str

    @property
    def name(self):
        """The normalized reference the runtime reports: `docker.io/library/nginx:1.27`."""
        tag = f":{self.tag}" if self.tag else ""
        digest = f"@{self.digest}" if self.digest else ""
        return f"{self.domain}/{self.path}{tag}{digest}"

    @property
    def repository(self):
        """The catalog's key: docker's familiar name (`nginx`, `curlimages/curl`)."""
        if self.domain == "docker.io":
            return self.path.removeprefix("library/")
        return f"{self.domain}/{self.path}"

    @property
    def image_id(self):
        """The digest reference containerd reports as imageID: `docker.io/library/nginx@sha256:…`."""
        digest = self.digest or "sha256:" + hashlib.sha256(self.name.encode()).hexdigest()
        return f"{self.domain}/{self.path}@{digest}"


def parse(image):
    name, _, digest = image.partition("@")
    colon, slash = name.rfind(":"), name.rfind("/")
    tag = name[colon + 1:] if colon > slash else ""
    repository = name[:colon] if colon > slash else name
    first, _, rest = repository.partition("/")
    if rest and ("." in first or ":" in first or first == "localhost"):
        domain, path = first, rest
    else:
        domain, path = "docker.io", repository
    if domain == "docker.io" and "/" not in path:
        path = f"library/{path}"
    return Reference(domain, path, tag or ("" if digest else "latest"), digest)


def lookup(reference):
    """What the catalog knows of an image (UNKNOWN if nothing), its size for this tag included."""
    image = IMAGES.get(reference.repository, UNKNOWN)
    size = next((s for variant, s in image.sizes.items() if variant in reference.tag), image.size)
    return image, size


def pull_error(reference):
    """containerd's error pulling this image, or None if the simulated registry has it."""
    if _MISSING.search(reference.path) or _looks_like_typo(reference):
        return messages.access_denied(reference.name)
    if _MISSING.search(reference.tag) or _MISSING.search(reference.digest):
        return messages.not_found(reference.name)
    return None


def _looks_like_typo(reference):
    name = reference.repository
    if reference.domain != "docker.io" or "/" in name or name in IMAGES:
        return False
    return bool(difflib.get_close_matches(name, _OFFICIAL, n=1, cutoff=0.8))

