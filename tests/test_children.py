"""children.py: the pipe a child answers on is widened where the system allows it, and nothing breaks elsewhere."""

from __future__ import annotations

import os

import pytest

from idsync_tui import children

fcntl = pytest.importorskip("fcntl")


@pytest.mark.skipif(not hasattr(fcntl, "F_GETPIPE_SZ"), reason="pipe sizes are a Linux feature")
def test_a_pipe_is_widened_to_hold_a_large_answer_at_once():
    read_end, write_end = os.pipe()
    with os.fdopen(read_end, "rb"), os.fdopen(write_end, "w") as stream:
        before = fcntl.fcntl(write_end, fcntl.F_GETPIPE_SZ)
        children.widen_pipe(stream)
        assert fcntl.fcntl(write_end, fcntl.F_GETPIPE_SZ) == children.PIPE_BYTES > before


def test_a_stream_that_is_not_a_pipe_is_left_as_it_is(tmp_path):
    with open(tmp_path / "out.txt", "w") as stream:
        children.widen_pipe(stream)  # a file: the call is refused by the system, quietly
        stream.write("still writable")
    assert (tmp_path / "out.txt").read_text() == "still writable"


@pytest.mark.skipif(not hasattr(fcntl, "F_GETPIPE_SZ"), reason="pipe sizes are a Linux feature")
def test_a_helper_takes_work_on_a_wide_stdin_and_stop_closes_both_pipes():
    process = children.start_helper("idsync_tui.simulator.split")
    assert process is not None and process.stdin is not None and process.stdout is not None
    assert fcntl.fcntl(process.stdin.fileno(), fcntl.F_GETPIPE_SZ) == children.PIPE_BYTES
    process.stdin.write(b"\x00" * 64 * 1024)  # more than a default pipe holds, unread: stop() must not hang on it
    children.stop(process)
    assert process.returncode is not None and process.stdin.closed and process.stdout.closed
