# SPDX-License-Identifier: BSD-3-Clause
# Every PE runs the same pytest session under the launcher (causeway-run -n N python3 -m pytest ...):
# tests are collected in the same order everywhere, so their collective calls match up.
import causeway as cw
import pytest

cw.init()


@pytest.fixture
def me():
    return cw.my_pe()


@pytest.fixture
def npes():
    return cw.n_pes()


@pytest.fixture(autouse=True)
def separate_tests():
    # One test's late puts must not land in the next test's arrays.
    cw.barrier_all()
    yield
    cw.barrier_all()
