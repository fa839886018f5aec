"""The pipeline's pinned mmap threshold: after a large buffer is freed, a 200 KB buffer
that the heap has no room for still gets a mapping of its own, where glibc's default
would grow the heap for it. Each case runs in a fresh interpreter, whose heap is small."""
import subprocess
import sys

import pytest

CASE = """
import ctypes
from services.common.memory import pin_mmap_threshold

IS_MMAPPED = 0x2  # glibc: a bit of the chunk's size field, the word before the buffer
libc = ctypes.CDLL("libc.so.6")
libc.malloc.restype = ctypes.c_void_p
libc.free.argtypes = [ctypes.c_void_p]
if {pin}:
    assert pin_mmap_threshold()
libc.free(libc.malloc(4 << 20))  # by default this raises the threshold to 4 MiB
buffer = libc.malloc(200_000)
size = ctypes.c_size_t.from_address(buffer - ctypes.sizeof(ctypes.c_size_t)).value
print("mapped" if size & IS_MMAPPED else "heap")
"""


@pytest.mark.parametrize("pin, expected", [(True, "mapped"), (False, "heap")])
def test_a_large_buffer_gets_its_own_mapping_only_when_pinned(pin, expected):
    done = subprocess.run([sys.executable, "-c", CASE.format(pin=pin)], capture_output=True,
                          text=True, check=True)
    assert done.stdout.strip() == expected
