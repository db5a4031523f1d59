# SPDX-License-Identifier: BSD-3-Clause
import causeway as cw
import numpy as np
import pytest


def _teams():
    yield cw.world()
    evens = cw.world().split_strided(0, 2, (cw.n_pes() + 1) // 2)
    yield evens
    if evens is not None:
        evens.destroy()


@pytest.mark.parametrize("which", ["world", "evens"])
def test_collectives_on_team(me, npes, which):
    team = cw.world() if which == "world" else cw.world().split_strided(0, 2, (npes + 1) // 2)
    arrays = [cw.zeros(64, dtype=np.int64) for _ in range(4)]
    dest, source, big, total = arrays
    if team is not None:
        n, rank = team.n_pes(), team.my_pe()
        assert rank == (me if which == "world" else me // 2)
        source[:4] = [rank, 1, 2, 3]
        cw.broadcast(dest[:4], source[:4], root=n - 1, team=team)
        assert list(dest[:4]) == [n - 1, 1, 2, 3]
        cw.fcollect(big[: 2 * n], source[:2], team=team)
        assert list(big[: 2 * n : 2]) == list(range(n))
        # collect: PE r contributes r + 1 elements
        source[: rank + 1] = rank
        cw.collect(big[: n * (n + 1) // 2], source[: rank + 1], team=team)
        assert list(big[: n * (n + 1) // 2]) == [r for r in range(n) for _ in range(r + 1)]
        source[:n] = np.arange(n) + 100 * rank
        cw.alltoall(dest[:n], source[:n], team=team)
        assert list(dest[:n]) == [rank + 100 * r for r in range(n)]
        source[:8] = rank + 1
        for op, expect in (("sum", n * (n + 1) // 2), ("max", n), ("min", 1), ("prod", int(np.prod(range(1, n + 1)))),
                           ("or", np.bitwise_or.reduce(np.arange(1, n + 1))),
                           ("xor", np.bitwise_xor.reduce(np.arange(1, n + 1)))):
            cw.reduce(total[:8], source[:8], op, team=team)
            assert list(total[:8]) == [expect] * 8, op
        team.sync()
        if which == "evens":
            team.destroy()
    cw.barrier_all()
    for array in arrays:
        cw.free(array)


def test_float_reduce_and_type_check(me, npes):
    src = cw.full(5, me + 0.5, dtype=np.float32)
    dst = cw.zeros(5, dtype=np.float32)
    cw.reduce(dst, src, "sum")
    np.testing.assert_allclose(dst, np.full(5, sum(p + 0.5 for p in range(npes))))
    with pytest.raises(TypeError, match="argument 'source' has dtype float32"):
        cw.reduce(dst, src, "xor")
    with pytest.raises(ValueError, match="argument 'op' = 'mean'"):
        cw.reduce(dst, src, "mean")
    cw.barrier_all()
    cw.free(src)
    cw.free(dst)


def test_team_queries(me, npes):
    world = cw.world()
    assert world.n_pes() == npes and world.my_pe() == me
    assert cw.shared().n_pes() == npes  # one host
    x, y = world.split_2d(1)
    assert x.n_pes() == 1 and y.n_pes() == npes
    assert y.translate_pe(y.my_pe(), world) == me
    x.destroy()
    y.destroy()
    with pytest.raises(ValueError, match="was destroyed"):
        y.n_pes()
    with pytest.raises(ValueError, match="predefined"):
        world.destroy()
