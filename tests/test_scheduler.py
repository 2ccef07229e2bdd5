"""A scheduler that is not one, or has no worker, is named within a bounded wait
(issue 36 item 7): the handshake has a deadline, and a worker-less cluster is refused."""

from __future__ import annotations

import contextlib
import socket
import threading
import time

import pytest

from landprofile.errors import InvalidParameterError
from landprofile.zoning import tiles_run

distributed = pytest.importorskip("distributed")


@pytest.fixture
def silent_port():
    """A listener that accepts and never answers (an HTTP server waiting for a whole
    request, a proxy, a stuck service): a dask handshake to it never completes."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(8)
    held = []

    def accept() -> None:
        with contextlib.suppress(OSError):
            while True:
                held.append(srv.accept()[0])

    threading.Thread(target=accept, daemon=True).start()
    yield srv.getsockname()[1]
    srv.close()
    for c in held:
        c.close()


def test_a_silent_listener_is_not_taken_for_a_scheduler(silent_port, monkeypatch):
    monkeypatch.setattr(tiles_run, "CONNECT_S", 2.0)
    t0 = time.monotonic()
    with pytest.raises(InvalidParameterError) as exc:
        tiles_run.open_client(f"tcp://127.0.0.1:{silent_port}")
    took = time.monotonic() - t0
    assert f"127.0.0.1:{silent_port}" in str(exc.value)
    assert "did not complete the handshake" in str(exc.value)
    assert took < 2.0 + 5.0 + 3.0, took  # the deadline, not distributed's minutes


def test_a_scheduler_without_workers_is_named(monkeypatch):
    monkeypatch.setattr(tiles_run, "WORKERS_S", 1.0)
    with (
        distributed.LocalCluster(
            n_workers=0, processes=False, protocol="tcp://", dashboard_address=None
        ) as cluster,
        pytest.raises(InvalidParameterError, match="has no worker"),
    ):
        tiles_run.open_client(cluster.scheduler_address)


def test_a_scheduler_with_a_worker_connects(monkeypatch):
    with distributed.LocalCluster(
        n_workers=1,
        threads_per_worker=1,
        processes=False,
        protocol="tcp://",
        dashboard_address=None,
    ) as cluster:
        client, ours = tiles_run.open_client(cluster.scheduler_address)
        try:
            assert ours
            assert client.submit(sum, [1, 2]).result() == 3
        finally:
            client.close()
