"""The hub's public face for plugins: everything a plugin imports from the hub, and no more.

    from hub.api import Problem, ProblemCode, Provenance, RawRecord, SourceSpec, hookimpl

A plugin imports only this module (and `hub.testing` in its tests): everything else under
`hub` may move between releases, what is named here changes only with a version note in
hub/hookspecs.py and CHANGELOG.md. import-linter holds the bundled plugins to it (the
`[tool.importlinter]` contracts in pyproject.toml). What it holds, by the hook that needs it:

    hooks          hookimpl
    sources        SourceSpec, Source, SourceFactory, ReadItem, RawRecord, RawPath, Provenance,
                   Problem, ProblemCode, Checkpoint, CursorError, Severity, UsageError;
                   SourceNarrowing, SourcePieces (reading one school and year only);
                   VendorDocument, VendorSignedSource (documents the vendor signed),
                   Signatory (who signs, as the source says)
    commands       click commands (`register_commands`: a vendor's simulator)
    mappings       MappingSet, LabelList, load_mappings (a source that reads templates or
                   labels itself, as generic_excel does)
    transforms     Transform, TransformError
    rules          Rule, RuleContext, Finding, error, warning, xpath (the paths findings name)
    signing        ProviderFactory, ProviderSection, SigningProvider, PeopleProvider, Person,
                   SignatureAlgorithm, ProviderConfigError, SigningRefused, RefusalReason,
                   SignerNotFound, read_secret, ecdsa_der_to_raw
    the model      Transcript and the parts a rule or an exporter reads; CodeLists, load_codes
                   (the code lists of codes.md)
    addresses      is_loopback, plain_http_refusal (a vendor's secret travels only over
                   https://, or plain http:// to this machine: the hub's one rule)
    text           fold, clean (matching labels as people type them); to_unicode,
                   column_encoding, decode_as (the legacy TCVN3 and VNI fonts); mask_id,
                   mask_text (a personal ID is never shown in full)

docs/writing-a-plugin.md walks through each.
"""

from __future__ import annotations

from hub import xpath
from hub.addresses import is_loopback, plain_http_refusal
from hub.codes import CodeLists, load_codes
from hub.errors import UsageError
from hub.findings import Finding, Severity, error, warning
from hub.hookspecs import hookimpl
from hub.mapping.files import MappingSet, load_mappings
from hub.mapping.labels import LabelList
from hub.mapping.legacy import column_encoding, decode_as, to_unicode
from hub.mapping.text import clean, fold
from hub.mapping.transforms import Transform, TransformError
from hub.model import (
    CommentSubject,
    Learner,
    Level,
    PrimaryResults,
    SchoolLevel,
    ScoredSubject,
    SecondaryResults,
    Transcript,
)
from hub.privacy import mask_id, mask_text
from hub.rules.base import Rule, RuleContext
from hub.signing.providers.base import (
    PeopleProvider,
    Person,
    ProviderConfigError,
    RefusalReason,
    SignatureAlgorithm,
    SignerNotFound,
    SigningProvider,
    SigningRefused,
)
from hub.signing.providers.factory import ProviderFactory, ProviderSection
from hub.signing.providers.keys import ecdsa_der_to_raw
from hub.signing.providers.secrets import read_secret
from hub.sources import (
    Checkpoint,
    CursorError,
    Problem,
    ProblemCode,
    Provenance,
    RawPath,
    RawRecord,
    ReadItem,
    Signatory,
    Source,
    SourceFactory,
    SourceNarrowing,
    SourcePieces,
    SourceSpec,
    VendorDocument,
    VendorSignedSource,
    listed_pieces,
    narrow_listed,
)

__all__ = [
    "Checkpoint",
    "CodeLists",
    "CommentSubject",
    "CursorError",
    "Finding",
    "LabelList",
    "Learner",
    "Level",
    "MappingSet",
    "PeopleProvider",
    "Person",
    "PrimaryResults",
    "Problem",
    "ProblemCode",
    "Provenance",
    "ProviderConfigError",
    "ProviderFactory",
    "ProviderSection",
    "RawPath",
    "RawRecord",
    "ReadItem",
    "RefusalReason",
    "Rule",
    "RuleContext",
    "SchoolLevel",
    "ScoredSubject",
    "SecondaryResults",
    "Severity",
    "Signatory",
    "SignatureAlgorithm",
    "SignerNotFound",
    "SigningProvider",
    "SigningRefused",
    "Source",
    "SourceFactory",
    "SourceNarrowing",
    "SourcePieces",
    "SourceSpec",
    "Transcript",
    "Transform",
    "TransformError",
    "UsageError",
    "VendorDocument",
    "VendorSignedSource",
    "clean",
    "column_encoding",
    "decode_as",
    "ecdsa_der_to_raw",
    "error",
    "fold",
    "hookimpl",
    "is_loopback",
    "listed_pieces",
    "load_codes",
    "load_mappings",
    "mask_id",
    "mask_text",
    "narrow_listed",
    "plain_http_refusal",
    "read_secret",
    "to_unicode",
    "warning",
    "xpath",
]
