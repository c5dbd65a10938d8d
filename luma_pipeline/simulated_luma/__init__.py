"""A simulated Luma: a generated community served over Luma's public API on 127.0.0.1.

    with SimulatedLuma(generate_community(seed=7)) as luma:
        requests.get(luma.url + "/v1/calendars/events/list", headers={"x-luma-api-key": luma.api_key})

`python -m luma_pipeline.simulated_luma --help` runs one from the command line.
"""
from .calendars import split_into_calendars
from .community import (
           Community,
           SimCalendar,
           SimEvent,
           SimGuest,
           generate_community,
           local_to_utc,
)
from .server import Faults, RequestRecord, SimulatedLuma

__all__ = ["Community", "Faults", "RequestRecord", "SimCalendar", "SimEvent", "SimGuest", "SimulatedLuma", "split_into_calendars",
           "generate_community", "local_to_utc"]
