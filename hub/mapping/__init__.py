"""Mapping raw records onto the canonical Transcript through declarative files in mappings/.

    load_mappings()  → MappingSet (record mappings, templates, label lists; checked on load)
    MappingSet.record(name).map(raw) → MappingOutcome(transcript | None, problems)

Plugins add transforms (`register_transforms`) and mapping folders (`register_mappings`).
"""

from hub.mapping.engine import MappingOutcome, RecordMapping
from hub.mapping.files import MappingSet, load_mappings
from hub.mapping.labels import LabelList
from hub.mapping.text import clean, fold
from hub.mapping.transforms import Transform, TransformError

__all__ = [
    "LabelList",
    "MappingOutcome",
    "MappingSet",
    "RecordMapping",
    "Transform",
    "TransformError",
    "clean",
    "fold",
    "load_mappings",
]
