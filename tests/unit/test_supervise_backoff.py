"""commune-supervise's pause before restarting a process that died."""
from services.common.supervise import Backoff


def test_the_pause_doubles_while_the_process_keeps_dying_up_to_a_minute():
    backoff = Backoff()
    assert [backoff.after(ran_for=2) for _ in range(8)] == [1, 2, 4, 8, 16, 32, 60, 60]


def test_a_healthy_run_starts_the_pauses_again_from_one_second():
    backoff = Backoff()
    for _ in range(5):
        backoff.after(ran_for=1)
    assert backoff.after(ran_for=60) == 1
    assert backoff.after(ran_for=3) == 2
