# SPDX-License-Identifier: BSD-3-Clause
# Every PE runs the same pytest session under the launcher (causeway-run -n N python3 -m pytest ...):
# tests are collected in the same order everywhere, so their collective calls match up.
import os
import sys

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


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    # A test that fails on some PEs only would leave the others in its collectives (frees,
    # barriers) for good: with CAUSEWAY_TEST_EXIT_ON_FAILURE set and several PEs, the first
    # failure is printed and ends the job instead.
    outcome = yield
    report = outcome.get_result()
    if report.failed and cw.n_pes() > 1 and os.environ.get("CAUSEWAY_TEST_EXIT_ON_FAILURE", "0") != "0":
        sys.stderr.write(f"PE {cw.my_pe()}: {item.nodeid} failed:\n{report.longreprtext}\n")
        sys.stderr.flush()
        cw.global_exit(1)
