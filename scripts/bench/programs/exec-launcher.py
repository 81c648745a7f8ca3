# A minimal HIP_CLANG_LAUNCHER in Python, in the style of the launchers people
# write today: take `<compiler> <args...>`, put the cache (if any) in front,
# and replace this process. The bench writes it out with an absolute #! line.
import os
import sys


def main():
    compiler, args = sys.argv[1], sys.argv[2:]
    cache = os.environ.get("BENCH_CACHE", "")
    argv = [cache, compiler, *args] if cache else [compiler, *args]
    os.execv(argv[0], argv)


main()
