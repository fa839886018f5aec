"""The IOC's own settings (COMMUNE_IOC_*), beside the platform's."""
from functools import lru_cache

from pydantic import Field

from services.common.settings import Settings


class IocSettings(Settings):
    # The pipeline takes up to `prefetch` messages at a time (a gateway's message
    # carries up to 500 detections) and waits `linger` s after the first for more before
    # handling them as one batch; the rest of a flood waits in the broker.
    ioc_prefetch: int = Field(300, ge=1, le=5000)
    ioc_linger_s: float = Field(0.05, ge=0, le=5)
    # A batch also stops at this many bytes of messages: a flood of large gateway
    # messages then costs the pipeline no more memory than its usual traffic. Smaller
    # batches keep memory flat through a long drain: at 1 MiB (about 3,500 detections)
    # Python's allocator needed ever more arenas (RSS +8-16 MB over a 4-7 minute
    # drain), at 256 KiB its arena count held (bench/iocevents.py), for some throughput
    # (13,000-16,000 detections/s here against 19,000-21,000 at 1 MiB).
    ioc_batch_bytes: int = Field(1 << 18, ge=1 << 14, le=1 << 28)
    # Alert documents (what lists read) are rewritten at most this often; the journal
    # holds every change in between.
    ioc_flush_s: float = Field(1.0, gt=0, le=60)
    # Detection ids remembered against gateway retries (a republish after a lost confirm
    # comes within seconds; a crash's redeliveries are caught from the journal): 50,000
    # is 25 s at 2,000/s, about 9 MB.
    ioc_recent_ids: int = Field(50_000, ge=1_000, le=5_000_000)
    # Escalation, device health and queue depth are checked this often.
    ioc_sweep_s: float = Field(5.0, gt=0, le=3600)
    # Detections are kept this many days (whole journal days are dropped).
    ioc_retention_days: int = Field(30, ge=1, le=3650)
    ioc_retention_check_s: float = Field(3600.0, gt=0)


@lru_cache
def ioc_settings() -> IocSettings:
    return IocSettings()
