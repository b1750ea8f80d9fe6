"""children.py: the pipe a child answers on is widened where the system allows it, and nothing breaks elsewhere."""

from __future__ import annotations

import os
import subprocess
import sys

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


# -- frames ---------------------------------------------------------------------------------------------------


def test_a_frame_written_is_read_back_whole_and_the_end_of_the_stream_is_none(tmp_path):
    path = tmp_path / "frames"
    with open(path, "wb") as stream:
        children.write_frame(stream, b"first")
        children.write_frame(stream, b"")
        children.write_frame(stream, b"\x00" * 100_000)
    with open(path, "rb") as stream:
        assert children.read_frame(stream) == b"first"
        assert children.read_frame(stream) == b""
        assert children.read_frame(stream) == b"\x00" * 100_000
        assert children.read_frame(stream) is None


def test_a_frame_cut_short_is_an_error_not_a_shorter_answer(tmp_path):
    path = tmp_path / "short"
    path.write_bytes((10).to_bytes(8, "big") + b"12345")
    with open(path, "rb") as stream, pytest.raises(ValueError):
        children.read_frame(stream)
    with open(path, "rb") as stream, pytest.raises(ValueError):
        children.FrameReader(stream).next(5)


def test_frames_read_together_from_a_pipe_are_handed_out_one_by_one():
    read_end, write_end = os.pipe()
    with os.fdopen(read_end, "rb") as reader, os.fdopen(write_end, "wb") as writer:
        for payload in (b"one", b"two" * 1000, b""):
            children.write_frame(writer, payload)
        writer.close()
        frames = children.FrameReader(reader)
        assert [frames.next(5), frames.next(5), frames.next(5), frames.next(5)] == [b"one", b"two" * 1000, b"", None]


def test_a_childs_answer_is_taken_as_soon_as_it_is_complete_not_when_the_child_exits():
    # The child writes its frame, then stays (as a child freeing a large answer's memory would, for longer).
    script = (
        "import sys, time; from idsync_tui import children; "
        "children.write_frame(sys.stdout.buffer, b'answer' * 50_000); time.sleep(60)"
    )
    process = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE)
    try:
        assert children.FrameReader(process.stdout).next(30) == b"answer" * 50_000
        assert process.poll() is None  # still running: the answer did not wait for its exit
    finally:
        children.stop(process)


def test_a_frame_not_complete_in_time_is_a_timeout_and_is_still_read_whole_later():
    read_end, write_end = os.pipe()
    with os.fdopen(read_end, "rb") as reader, os.fdopen(write_end, "wb") as writer:
        frames = children.FrameReader(reader)
        with pytest.raises(TimeoutError):
            frames.next(0)  # nothing yet: asked for what is complete now
        writer.write((10).to_bytes(8, "big") + b"12345")
        writer.flush()
        with pytest.raises(TimeoutError):
            frames.next(0.1)
        writer.write(b"67890")
        writer.flush()
        assert frames.next(0) == b"1234567890"
