# SPDX-License-Identifier: BSD-3-Clause
import causeway as cw
import numpy as np
import pytest


def test_context_put_quiet(me, npes):
    x = cw.zeros(8, dtype=np.int64)
    with cw.Context(cw.CTX_PRIVATE) as ctx:
        cw.put(x, np.full(8, me), (me + 1) % npes, ctx=ctx, nbi=True)
        ctx.quiet()
    cw.barrier_all()
    assert list(x) == [(me - 1) % npes] * 8
    cw.barrier_all()  # every PE has read x before anyone adds to it
    with cw.world().create_ctx() as ctx:
        assert cw.atomic_fetch_add(x, (me + 1) % npes, 1, ctx=ctx) >= 0
        ctx.quiet()
    cw.barrier_all()
    cw.free(x)


_received = []


def _on_ping(message):
    _received.append((message.src_pe, message.payload))
    message.reply(_PONG, message.payload[:16][::-1])


def _on_pong(message):
    _received.append(("pong", message.payload))


# Registration is collective: at import, which every PE reaches before the first test's barrier, so
# no message can arrive before both ids are known.
_PING, _PONG = cw.am_register(_on_ping), cw.am_register(_on_pong)


def test_active_messages(me, npes):
    _received.clear()
    cw.barrier_all()  # handlers run in any progress (a barrier's too): nobody sends before all cleared
    cw.am_send((me + 1) % npes, _PING, b"abc%d" % me)
    cw.quiet()  # completes the message and its reply
    cw.barrier_all()
    cw.am_progress()
    assert ((me - 1) % npes, b"abc%d" % ((me - 1) % npes)) in _received
    assert ("pong", (b"abc%d" % me)[::-1]) in _received
    with pytest.raises(ValueError, match="use am_send_long"):
        cw.am_send(0, _PING, bytes(cw.am_max_payload(0) + 1))
    cw.barrier_all()


def test_am_send_long(me, npes):
    _received.clear()
    cw.barrier_all()  # handlers run in any progress (a barrier's too): nobody sends before all cleared
    landing = cw.zeros(100000, dtype=np.uint8)
    cw.am_send_long((me + 1) % npes, _PING, landing, np.full(100000, me, dtype=np.uint8))
    cw.quiet()
    cw.barrier_all()
    cw.am_progress()
    assert np.all(landing == (me - 1) % npes)
    assert any(src == (me - 1) % npes and len(data) == 100000 for src, data in _received if src != "pong")
    cw.barrier_all()
    cw.free(landing)


def test_stamped_put_orders_without_barrier(me, npes):
    data = cw.zeros(4096, dtype=np.int32)
    right, left = (me + 1) % npes, (me - 1) % npes
    for round_ in range(3):
        stamp = cw.put_stamped(data, np.full(4096, 10 * round_ + me, dtype=np.int32), right)
        # Tell the right neighbour which stamp to wait for, through a second array.
        stamps = cw.zeros(1, dtype=np.uint64)
        cw.put_signal(stamps, np.array([stamp], dtype=np.uint64), stamps, 0, right, op="add")
        cw.barrier_all()
        got = cw.stamp_wait(left, int(stamps[0]))
        assert cw.stamp_compare(got, int(stamps[0])) >= 0
        assert np.all(data == 10 * round_ + left)
        assert cw.stamp_compare(cw.stamp_next(stamp), stamp) > 0
        cw.barrier_all()
        cw.free(stamps)
    assert cw.stamp_test(left, cw.clock()) in (True, False)
    cw.barrier_all()
    cw.free(data)
