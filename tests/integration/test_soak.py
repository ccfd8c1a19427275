"""The short soak CI runs (scripts/soak runs the long one): 60 s of publishers and
viewers joining and leaving over every protocol; RSS flat after the warm-up, every
descriptor returned, no error in the log."""

from harness import run_tests
from soak import run


def test_soak_60_seconds():
    run(60)


if __name__ == "__main__":
    run_tests([test_soak_60_seconds])
