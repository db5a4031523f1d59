# SPDX-License-Identifier: BSD-3-Clause
"""Active messages and Lamport-clock stamps (doc/active-messages.md, doc/lamport-clocks.md)."""
import ctypes
import sys
import traceback
from ctypes import c_int, c_size_t, c_void_p

from ._lib import AM_HANDLER, ctx_t, fn, stamp_t
from .memory import transfer_regions
from .runtime import check_pe, ctx_handle, error, my_pe, require_init

_handlers = []  # the C callbacks: alive as long as the library may call them


class Message:
    """What a handler receives: the sender, a copy of the payload, its stamp, and one reply."""

    def __init__(self, token, src_pe, payload):
        self._token, self.src_pe, self.payload = token, src_pe, payload

    @property
    def stamp(self):
        return fn("shmemx_am_token_stamp", stamp_t, c_void_p)(self._token)

    def reply(self, handler_id, payload=b""):
        """Runs handler `handler_id` on the sender with `payload` (at most once per message)."""
        data = bytes(payload)
        limit = am_max_payload(self.src_pe)
        if len(data) > limit:
            raise error("Message.reply", f"argument 'payload' has {len(data)} bytes; at most {limit} go to "
                        f"PE {self.src_pe}", ValueError)
        status = fn("shmemx_am_reply", c_int, c_void_p, c_int, ctypes.c_char_p, c_size_t)(
            self._token, handler_id, data, len(data))
        if status != 0:
            raise error("Message.reply", f"handler {handler_id} (status {status})")


def am_register(handler):
    """Registers `handler(message)` (collective: every PE registers the same handlers in the same
    order) and returns its id. The handler runs inside this PE's progress and must not block."""
    require_init("am_register")

    def trampoline(token, src_pe, payload, nbytes, _user):
        try:
            handler(Message(token, src_pe, ctypes.string_at(payload, nbytes) if nbytes else b""))
        except BaseException:  # an exception cannot unwind through the library: end the job, loudly
            sys.stderr.write(f"causeway: PE {my_pe()}: active message handler {handler!r} raised:\n"
                             + traceback.format_exc())
            sys.stderr.flush()
            fn("shmem_global_exit", None, c_int)(1)

    callback = AM_HANDLER(trampoline)
    handler_id = fn("shmemx_am_register", c_int, AM_HANDLER, c_void_p)(callback, None)
    if handler_id < 0:
        raise error("am_register", "the handler table is full")
    _handlers.append(callback)
    return handler_id


def am_send(pe, handler_id, payload=b"", ctx=None):
    """Runs handler `handler_id` on `pe` with a copy of `payload` (bytes-like, at most am_max_payload)."""
    check_pe("am_send", pe)
    data = bytes(payload)
    limit = am_max_payload(pe)
    if len(data) > limit:
        raise error("am_send", f"argument 'payload' has {len(data)} bytes; at most {limit} go to PE {pe} "
                    "(use am_send_long)", ValueError)
    status = fn("shmemx_am_send", c_int, ctx_t, c_int, c_int, ctypes.c_char_p, c_size_t)(
        ctx_handle(ctx), pe, handler_id, data, len(data))
    if status != 0:
        raise error("am_send", f"handler {handler_id} to PE {pe} failed (status {status})")


def am_send_long(pe, handler_id, dest, source, ctx=None):
    """Deposits `source` into the symmetric `dest` on `pe`, then runs the handler there with the
    payload's bytes."""
    check_pe("am_send_long", pe)
    dest_address, _, _, source_address, nbytes, _, keep = transfer_regions("am_send_long", dest, source, True, False)
    status = fn("shmemx_am_send_long", c_int, ctx_t, c_int, c_int, c_void_p, c_void_p, c_size_t)(
        ctx_handle(ctx), pe, handler_id, dest_address, source_address, nbytes)
    del keep
    if status != 0:
        raise error("am_send_long", f"handler {handler_id} to PE {pe} failed (status {status})")


def am_max_payload(pe):
    check_pe("am_max_payload", pe)
    return fn("shmemx_am_max_payload", c_size_t, c_int)(pe)


def am_progress():
    require_init("am_progress")
    fn("shmemx_am_progress", None)()


# --- Stamps ---------------------------------------------------------------------------------------


def put_stamped(dest, source, pe, ctx=None):
    """A put whose data and stamp land together; returns the stamp (wait for it with stamp_wait)."""
    check_pe("put_stamped", pe)
    dest_address, _, _, source_address, nbytes, _, keep = transfer_regions("put_stamped", dest, source, True, False)
    stamp = fn("shmemx_ctx_putmem_stamped", stamp_t, ctx_t, c_void_p, c_void_p, c_size_t, c_int)(
        ctx_handle(ctx), dest_address, source_address, nbytes, pe)
    del keep
    return stamp


def publish(pe, ctx=None):
    """Ticks the context's clock and publishes it to `pe`: once `pe` waited for the stamp returned, it
    sees everything this context sent it before."""
    check_pe("publish", pe)
    return fn("shmemx_ctx_publish", stamp_t, ctx_t, c_int)(ctx_handle(ctx), pe)


def stamp_wait(src_pe, stamp, ctx=None):
    check_pe("stamp_wait", src_pe, "src_pe")
    return fn("shmemx_ctx_stamp_wait", stamp_t, ctx_t, c_int, stamp_t)(ctx_handle(ctx), src_pe, stamp)


def stamp_test(src_pe, stamp, ctx=None):
    check_pe("stamp_test", src_pe, "src_pe")
    return bool(fn("shmemx_ctx_stamp_test", c_int, ctx_t, c_int, stamp_t)(ctx_handle(ctx), src_pe, stamp))


def clock(ctx=None):
    require_init("clock")
    return fn("shmemx_ctx_clock", stamp_t, ctx_t)(ctx_handle(ctx))


def clock_merge(observed, ctx=None):
    require_init("clock_merge")
    return fn("shmemx_ctx_clock_merge", stamp_t, ctx_t, stamp_t)(ctx_handle(ctx), observed)


def stamp_compare(a, b):
    """<0, 0 or >0 as stamp a's time is before, equal to or after b's (modulo wrap)."""
    return fn("shmemx_stamp_compare", c_int, stamp_t, stamp_t)(a, b)


def stamp_next(stamp):
    return fn("shmemx_stamp_next", stamp_t, stamp_t)(stamp)
