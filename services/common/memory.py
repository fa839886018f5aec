"""Handing freed memory back to the system. glibc keeps what a threaded process frees in
per-thread arenas, so a long-running consumer's RSS creeps with no Python object behind
it; malloc_trim returns those pages. Where the C library has no malloc_trim (musl),
there is nothing to do."""
import ctypes
import ctypes.util

_libc = ctypes.CDLL(ctypes.util.find_library("c"))
_malloc_trim = getattr(_libc, "malloc_trim", None)


def release_free_memory() -> None:
    if _malloc_trim is not None:
        _malloc_trim(0)
