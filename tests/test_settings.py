"""Every setting of a long run is checked where it is read (issue 36 item 7)."""

from __future__ import annotations

import pytest

import landprofile as lp
from landprofile._options import env_number
from landprofile.errors import InvalidParameterError, SettingError
from landprofile.zoning.tiles_run import open_client, scheduler_address


@pytest.mark.parametrize("value", ["0", "-1", "nan", "inf", "abc", "1e400"])
def test_max_memory_from_the_environment_is_checked(monkeypatch, value):
    monkeypatch.setenv("LANDPROFILE_MAX_MEMORY_GB", value)
    with pytest.raises(SettingError, match=r"LANDPROFILE_MAX_MEMORY_GB=.*above 0"):
        lp.options.max_memory_gb  # noqa: B018


@pytest.mark.parametrize("value", ["0", "-3", "abc", "1", "2.5", "nan"])
def test_tile_cells_from_the_environment_is_checked(monkeypatch, value):
    monkeypatch.setenv("LANDPROFILE_ZONING_TILE_CELLS", value)
    with pytest.raises(SettingError, match=r"LANDPROFILE_ZONING_TILE_CELLS=.*from 16 to"):
        lp.options.zoning_tile_cells  # noqa: B018


def test_good_environment_values_are_read(monkeypatch):
    monkeypatch.setenv("LANDPROFILE_MAX_MEMORY_GB", "2.5")
    monkeypatch.setenv("LANDPROFILE_ZONING_TILE_CELLS", "512")
    assert lp.options.max_memory_gb == 2.5
    assert lp.options.zoning_tile_cells == 512
    monkeypatch.delenv("LANDPROFILE_ZONING_TILE_CELLS")
    assert lp.options.zoning_tile_cells is None


@pytest.mark.parametrize("value", [-5, 2.5, 0, float("nan"), float("inf"), True, "x"])
def test_options_are_checked_on_assignment(value):
    before = lp.options.zoning_tile_cells
    with pytest.raises(SettingError, match=r"lp\.options\.zoning_tile_cells"):
        lp.options.zoning_tile_cells = value
    assert lp.options.zoning_tile_cells == before


def test_env_number_names_the_variable(monkeypatch):
    monkeypatch.setenv("LANDPROFILE_TEST_S", "inf")
    with pytest.raises(SettingError, match=r"LANDPROFILE_TEST_S='inf'.*not finite"):
        env_number("LANDPROFILE_TEST_S", low=0, high=60, default=30.0)
    monkeypatch.setenv("LANDPROFILE_TEST_S", " ")
    assert env_number("LANDPROFILE_TEST_S", low=0, high=60, default=30.0) == 30.0


@pytest.mark.parametrize(
    "address",
    ["garbage", "", "http://127.0.0.1:8786", "tls://127.0.0.1:8786", "inproc://x", "tcp://h"],
)
def test_scheduler_addresses_are_parsed_before_connecting(address):
    with pytest.raises(SettingError, match="tcp://host:port"):
        scheduler_address(address)
    with pytest.raises(InvalidParameterError):
        open_client(address)


def test_a_scheduler_file_is_accepted(tmp_path):
    f = tmp_path / "scheduler.json"
    f.write_text("{}")
    assert scheduler_address(f) == {"scheduler_file": str(f)}
    assert scheduler_address("tcp://10.0.0.5:8786") == {"address": "tcp://10.0.0.5:8786"}
