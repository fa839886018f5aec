"""Keeping a long-running batch process's large buffers off glibc's heap.

glibc serves an allocation of at least M_MMAP_THRESHOLD bytes (128 KiB) that its heap has
no free room for with a mapping of its own, unmapped when freed, rather than growing the
heap. By default the threshold then rises to the size of each such buffer freed, so that
after a while a batch's gateway messages, JSON text and compression buffers (100-300 KB
each) grow the heap instead, and a long flood's drain fragments it: the IOC pipeline's
heap grew 25 -> 30 MB in 5 minutes. Setting the threshold also stops it rising; pinned
at 128 KiB, the heap held 13-15 MB."""
import ctypes

M_MMAP_THRESHOLD = -3  # glibc's malloc.h


def pin_mmap_threshold(size: int = 128 * 1024) -> bool:
    """True when glibc took the setting; False where the C library is not glibc."""
    try:
        mallopt = ctypes.CDLL("libc.so.6").mallopt
    except (OSError, AttributeError):
        return False
    return mallopt(M_MMAP_THRESHOLD, size) == 1
