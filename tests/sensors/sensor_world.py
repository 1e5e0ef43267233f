"""Three registered sensors, and a one-line way to send readings as a batch."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, delete

from joinedup.sensors import IngestReport, RawReading, ingest, ingest_transaction, register
from joinedup.sensors.registry import SensorSpec
from joinedup.store.schema import (
    sensor,
    sensor_batch,
    sensor_correction,
    sensor_latest,
    sensor_problem,
    sensor_reading,
)

NOW = datetime(2026, 3, 10, 12, 0)
TRAFFIC, LIBRARY, AIR = "TRAFFIC-A11-001", "LIB-NORWICH", "AQ-CASTLE"
SPECS = [
    SensorSpec(TRAFFIC, "traffic_count", "vehicles", "A11 at Cringleford", 619_500, 305_800,
               "Cringleford", 900),
    SensorSpec(LIBRARY, "library_footfall", "people", "Norwich Millennium Library", 622_900,
               308_400, "Mancroft", 900),
    SensorSpec(AIR, "air_quality_no2", "ug/m3", "Castle Meadow", 623_200, 308_300,
               "Mancroft", 3600),
]
REGISTRY_CSV = """code,kind,unit,name,easting,northing,ward,interval_seconds
TRAFFIC-A11-001,traffic_count,vehicles,A11 at Cringleford,619500,305800,Cringleford,900
LIB-NORWICH,library_footfall,people,Norwich Millennium Library,622900,308400,Mancroft,900
AQ-CASTLE,air_quality_no2,ug/m3,Castle Meadow,623200,308300,Mancroft,3600
"""

def send(engine: Engine, readings: Sequence[tuple[Any, ...]], *, now: datetime = NOW,
         source: str = "test") -> IngestReport:
    """Ingest ``(sensor, observed_at, value[, unit])`` tuples as one batch."""
    raw = [RawReading(r[0], r[1], r[2], r[3] if len(r) > 3 else None, f"reading {i}")
           for i, r in enumerate(readings, start=1)]
    with ingest_transaction(engine) as connection:
        return ingest(connection, raw, source=source, received_by="tests", now=now)


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def empty(engine: Engine, *, registered: bool = True) -> Engine:
    """Delete every sensor, reading and batch; then register the three sensors, unless not
    ``registered``."""
    with engine.begin() as connection:
        for table in (sensor_correction, sensor_problem, sensor_batch, sensor_latest,
                      sensor_reading, sensor):
            connection.execute(delete(table))
        if registered:
            register(connection, SPECS, now=NOW)
    return engine
