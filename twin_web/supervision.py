"""The supervisord configuration `make run` starts the twin's processes under.

Imports no Django. The processes' commands come from the Procfile, the one list of them
that a platform reading Procfiles, a systemd unit or this module can each start; this
module adds what a process manager must know to keep them up: restart on exit with
backoff, stop whole process trees, Redis first up and last down.
"""

import hashlib
import os
import shlex
import tempfile
from dataclasses import dataclass
from pathlib import Path

# A program that exits within this many seconds of starting has failed to start: supervisord
# waits 1 s longer at each such retry (its backoff) and gives up after START_RETRIES.
START_SECONDS = 3
START_RETRIES = 30
# SIGTERM, then SIGKILL after this many seconds: Celery finishes its running tasks' current
# step, the emulator flushes its batch.
STOP_WAIT_SECONDS = 15
# Lower starts first and stops last.
PRIORITY_REDIS = 1
PRIORITY_TWIN = 10
GROUP = "twin"
# AF_UNIX socket paths are limited to 108 bytes on Linux.
MAX_SOCKET_PATH = 100


@dataclass(frozen=True)
class Program:
    name: str
    command: str


def procfile_programs(path: Path) -> list[Program]:
    """`name: command` lines of a Procfile, in order; blank lines and comments skipped."""
    programs = []
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        name, sep, command = text.partition(":")
        if not sep or not name.strip().isidentifier() or not command.strip():
            raise ValueError(f"{path}:{number}: expected 'name: command', got {line!r}")
        programs.append(Program(name.strip(), command.strip()))
    return programs


def socket_path(folder: Path) -> Path:
    """supervisord's control socket: in the folder, or in /tmp when that path is too long."""
    path = folder / "supervisor.sock"
    if len(str(path)) <= MAX_SOCKET_PATH:
        return path
    digest = hashlib.sha256(str(folder).encode()).hexdigest()[:12]
    return Path(tempfile.gettempdir()) / f"twin-supervisor-{digest}.sock"


def _ini_value(text: str) -> str:
    # supervisord's config is read with interpolation: a literal % must be doubled.
    return text.replace("%", "%%")


def _program_section(name: str, command: str, *, directory: Path, priority: int,
                     autostart: bool) -> str:  # fmt: skip
    return f"""
[program:{name}]
command={_ini_value(command)}
directory={_ini_value(str(directory))}
priority={priority}
autostart={"true" if autostart else "false"}
autorestart=true
startsecs={START_SECONDS}
startretries={START_RETRIES}
stopsignal=TERM
stopwaitsecs={STOP_WAIT_SECONDS}
stopasgroup=true
killasgroup=true
redirect_stderr=true
stdout_logfile=/dev/stdout
stdout_logfile_maxbytes=0
"""


def supervisor_config(
    *,
    folder: Path,
    base_dir: Path,
    programs: list[Program],
    redis_command: list[str] | None,
    control_password: str,
) -> str:
    """The whole configuration: supervisord in the foreground logging to stdout, the
    twin's programs in one group started on demand, and the embedded Redis (when given)
    started at once."""
    sections = [_supervisord_sections(folder, control_password)]
    if redis_command is not None:
        sections.append(
            _program_section(
                "redis",
                shlex.join(redis_command),
                directory=base_dir,
                priority=PRIORITY_REDIS,
                autostart=True,
            )
        )
    for program in programs:
        # sh expands the Procfile's ${VAR:-default}s, then exec hands the pid to the
        # program itself, so that supervisord's signals reach it directly.
        command = shlex.join(["/bin/sh", "-c", f"exec {program.command}"])
        sections.append(
            _program_section(
                program.name,
                command,
                directory=base_dir,
                priority=PRIORITY_TWIN,
                autostart=False,
            )
        )
    names = ",".join(program.name for program in programs)
    sections.append(f"\n[group:{GROUP}]\nprograms={names}\npriority={PRIORITY_TWIN}\n")
    return "".join(sections)


def _supervisord_sections(folder: Path, control_password: str) -> str:
    """supervisord itself, its control socket and supervisorctl's way to it."""
    sock = socket_path(folder)
    # Run as root, supervisord asks to be told so, or it logs a CRIT line at every start.
    user = "user=root\n" if os.geteuid() == 0 else ""
    control = f"username=twin\npassword={_ini_value(control_password)}\n"
    return (
        # In the foreground supervisord echoes its log to stdout already; a logfile there
        # too would print every line twice.
        f"""[supervisord]
nodaemon=true
logfile=/dev/null
logfile_maxbytes=0
loglevel=info
{user}pidfile={_ini_value(str(folder / "supervisord.pid"))}
childlogdir={_ini_value(str(folder))}

[unix_http_server]
file={_ini_value(str(sock))}
chmod=0700
{control}
[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface

[supervisorctl]
serverurl=unix://{_ini_value(str(sock))}
{control}"""
    )
