"""`make run` on a real history (TWIN_DATA): which files, mapping, past and pace it starts
with, and that a wrong setting stops it with the variable named before anything starts."""

from pathlib import Path

import pytest

from twin_web.run_settings import (
    DEFAULT_PAST_FRACTION,
    DEFAULT_REPLAY_SPEED,
    OLIST_DIR,
    OLIST_MAPPING,
    data_setting,
    history_environment,
    run_processes,
)


@pytest.fixture
def olist_dir(tmp_path) -> Path:
    folder = tmp_path / "olist"
    folder.mkdir()
    for name in ("olist_orders_dataset.csv", "olist_order_items_dataset.csv"):
        (folder / name).write_text("order_id\n1\n")
    (folder / "README.md").write_text("not a table")
    return folder


@pytest.fixture
def mapping(tmp_path) -> Path:
    path = tmp_path / "olist.json"
    path.write_text("{}")
    return path


def olist_env(folder: Path, mapping: Path) -> dict[str, str]:
    return {"TWIN_DATA": "olist", "TWIN_OLIST_DIR": str(folder), "TWIN_OLIST_MAPPING": str(mapping)}


def test_without_twin_data_it_is_the_demo_enterprise_with_its_emulator():
    assert data_setting({}) is None
    assert data_setting({"TWIN_DATA": "demo"}) is None
    assert run_processes({}, None) == ["web", "worker", "beat", "projector", "emulator"]
    assert "emulator" not in run_processes({"TWIN_EMULATOR": "off"}, None)


def test_olist_reads_the_folders_csv_files_with_the_default_past_and_pace(olist_dir, mapping):
    env = {**olist_env(olist_dir, mapping), "TWIN_DATA": "Olist"}
    choice = data_setting(env)
    assert choice.name == "olist"
    assert [p.name for p in choice.files] == [
        "olist_order_items_dataset.csv",
        "olist_orders_dataset.csv",
    ]
    assert choice.mapping == mapping.resolve()
    assert choice.past_fraction == DEFAULT_PAST_FRACTION == 0.7
    # A day of history in a few seconds.
    assert 2 <= 86400 / choice.speed <= 10
    assert choice.speed == DEFAULT_REPLAY_SPEED
    # The history's replay instead of the emulator, even when TWIN_EMULATOR asks for it.
    processes = run_processes({**env, "TWIN_EMULATOR": "on"}, choice)
    assert processes == ["web", "worker", "beat", "projector", "replay"]


def test_the_default_olist_folder_is_the_shared_sample_beside_the_repository():
    assert OLIST_DIR.parts[-3:] == ("shared", "data", "olist-sample")
    assert OLIST_MAPPING.parts[-3:] == ("fixtures", "mappings", "olist.json")


def test_past_and_pace_are_read_from_the_environment(olist_dir, mapping):
    env = {
        "TWIN_DATA": "olist",
        "TWIN_OLIST_DIR": str(olist_dir),
        "TWIN_OLIST_MAPPING": str(mapping),
        "TWIN_HISTORY_PAST": "0.5",
        "TWIN_REPLAY_SPEED": "3600",
    }
    choice = data_setting(env)
    assert (choice.past_fraction, choice.speed) == (0.5, 3600.0)


@pytest.mark.parametrize(
    ("name", "value", "says"),
    [
        ("TWIN_DATA", "sap", "TWIN_DATA='sap' must be 'demo' or 'olist'"),
        ("TWIN_HISTORY_PAST", "1.5", "TWIN_HISTORY_PAST='1.5' must be a fraction"),
        ("TWIN_HISTORY_PAST", "most", "TWIN_HISTORY_PAST='most' must be a fraction"),
        ("TWIN_REPLAY_SPEED", "0", "TWIN_REPLAY_SPEED='0' must be history seconds per second"),
        ("TWIN_REPLAY_SPEED", "nan", "TWIN_REPLAY_SPEED='nan' must be history seconds"),
    ],
)
def test_a_wrong_setting_stops_the_start_naming_it(olist_dir, mapping, name, value, says):
    env = olist_env(olist_dir, mapping)
    with pytest.raises(SystemExit, match=f"^twin: {says}"):
        data_setting({**env, name: value})


def test_a_folder_without_the_sample_names_the_folder_and_the_variable(tmp_path, mapping):
    empty = tmp_path / "empty"
    empty.mkdir()
    for folder in (empty, tmp_path / "missing"):
        env = olist_env(folder, mapping)
        with pytest.raises(SystemExit, match=f"{folder}.*set TWIN_OLIST_DIR"):
            data_setting(env)


def test_a_missing_mapping_file_is_named(olist_dir, tmp_path):
    env = {"TWIN_DATA": "olist", "TWIN_OLIST_DIR": str(olist_dir)}
    with pytest.raises(SystemExit, match=r"TWIN_OLIST_MAPPING=.*nope\.json.*is not a file"):
        data_setting({**env, "TWIN_OLIST_MAPPING": str(tmp_path / "nope.json")})


def test_a_history_runs_with_a_quarters_window_and_a_round_per_day_of_history(olist_dir, mapping):
    env = {**olist_env(olist_dir, mapping), "TWIN_REPLAY_SPEED": "8640"}
    history_environment(env, data_setting(env))
    assert env["TWIN_CALIBRATION_WINDOW_DAYS"] == "90"
    # A day of history every 10 s: one delta round and one refit check per day.
    assert env["TWIN_DELTA_ROUND_SECONDS"] == env["TWIN_REFIT_CHECK_SECONDS"] == "10"
    # The environment's own settings win.
    env = {**olist_env(olist_dir, mapping), "TWIN_CALIBRATION_WINDOW_DAYS": "28"}
    history_environment(env, data_setting(env))
    assert env["TWIN_CALIBRATION_WINDOW_DAYS"] == "28"
    assert env["TWIN_DELTA_ROUND_SECONDS"] == "5"
