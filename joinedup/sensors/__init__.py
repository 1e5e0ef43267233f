"""Sensors: roadside traffic counters, library footfall, air quality, beside the service data.

Following the data: ``registry`` reads the registry file and registers sensors (each kind
with its one unit), ``readings`` reads readings files column-wise in chunks, ``checks`` sorts
each chunk's readings into good ones and problems, ``writer`` stores them once per (sensor,
time), telling duplicates from corrections, and keeps each sensor's latest reading, and
``ingest`` runs a batch through all of it in one transaction. ``queries`` reads them back:
latest values, rollups by hour, day, week and month, gaps, history; ``ngsi`` shows them as
NGSI-LD entities for smart-city tools. ``times`` holds the one conversion between naive UTC
datetimes and the whole seconds the store keeps.
"""

from joinedup.sensors.ingest import (
    Batch,
    Correction,
    IngestReport,
    batch,
    batches,
    ingest,
    ingest_file,
    ingest_transaction,
)
from joinedup.sensors.queries import (
    PERIODS,
    Bucket,
    Gap,
    Latest,
    gaps,
    history,
    latest,
    rollup,
    rollup_all,
)
from joinedup.sensors.readings import RawReading, ReadingProblem, read_readings
from joinedup.sensors.registry import (
    KINDS,
    Kind,
    RegisterReport,
    RegistryError,
    Sensor,
    SensorSpec,
    read_registry,
    register,
    sensors,
)

__all__ = [
    "KINDS", "PERIODS", "Batch", "Bucket", "Correction", "Gap", "IngestReport", "Kind",
    "Latest", "RawReading", "ReadingProblem", "RegisterReport", "RegistryError", "Sensor",
    "SensorSpec", "batch", "batches", "gaps", "history", "ingest", "ingest_file",
    "ingest_transaction", "latest", "read_readings", "read_registry", "register", "rollup",
    "rollup_all", "sensors",
]
