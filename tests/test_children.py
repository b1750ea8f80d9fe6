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
