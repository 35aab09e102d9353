"""The supervisord configuration `make run` writes: every Procfile process kept up, Redis
first up and last down, and a Procfile mistake named by its line."""

import configparser

import pytest

from tests.conftest import BASE_DIR
from twin_web.supervision import (
    MAX_SOCKET_PATH,
    Program,
    procfile_programs,
    socket_path,
    supervisor_config,
)


def parsed(text: str) -> configparser.RawConfigParser:
    config = configparser.RawConfigParser()
    config.read_string(text)
    return config


def test_every_procfile_process_is_restarted_and_stopped_with_its_children(tmp_path):
    programs = procfile_programs(BASE_DIR / "Procfile")
    names = ["web", "worker", "beat", "projector", "emulator", "replay"]
    assert [p.name for p in programs] == names
    config = parsed(
        supervisor_config(
            folder=tmp_path,
            base_dir=BASE_DIR,
            programs=programs,
            redis_command=["/bin/redis-server", "--port", "6399"],
            control_password="pw",
        )
    )
    for program in programs:
        section = config[f"program:{program.name}"]
        assert section["autorestart"] == "true"
        assert section["stopasgroup"] == section["killasgroup"] == "true"
        assert section["autostart"] == "false"  # started once migrations have run
        assert program.command in section["command"]
    assert config["program:redis"]["autostart"] == "true"
    # Lower priority: started first, stopped last.
    assert int(config["program:redis"]["priority"]) < int(config["program:web"]["priority"])
    assert config["group:twin"]["programs"] == "web,worker,beat,projector,emulator,replay"
    assert config["unix_http_server"]["password"] == config["supervisorctl"]["password"]


def test_without_an_embedded_redis_there_is_no_redis_program(tmp_path):
    text = supervisor_config(
        folder=tmp_path,
        base_dir=BASE_DIR,
        programs=[Program("web", "daphne x")],
        redis_command=None,
        control_password="pw",
    )
    assert "program:redis" not in parsed(text).sections()


def test_a_percent_sign_survives_supervisords_interpolation(tmp_path):
    text = supervisor_config(
        folder=tmp_path,
        base_dir=BASE_DIR,
        programs=[Program("web", "echo 100%")],
        redis_command=None,
        control_password="p%w",
    )
    assert "echo 100%%" in text and "password=p%%w" in text


@pytest.mark.parametrize("line", ["web daphne", ": daphne", "web:", "two words: x"])
def test_a_malformed_procfile_line_is_named(tmp_path, line):
    procfile = tmp_path / "Procfile"
    procfile.write_text(f"# the processes\n\n{line}\n")
    with pytest.raises(ValueError, match=r"Procfile:3: expected 'name: command'"):
        procfile_programs(procfile)


def test_a_long_folder_puts_the_control_socket_in_tmp(tmp_path):
    deep = tmp_path / ("d" * 120)
    path = socket_path(deep)
    assert len(str(path)) <= MAX_SOCKET_PATH
    assert socket_path(deep) == path  # the same folder, the same socket
