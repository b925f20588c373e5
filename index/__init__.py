"""index package."""

import os

from index.cpu import avoid_slow_sort

# Before any module of the package imports numpy: on AMD Zen 4, numpy's AVX-512 sort is several times
# slower than its AVX2 one (see index/cpu.py).
avoid_slow_sort(os.environ)
