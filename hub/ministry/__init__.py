"""The ministry's connection service: its WSDL, and the hub's client of it.

    from hub.ministry import Credentials, MinistryClient, Submission, Document
    with MinistryClient(endpoint, Credentials.from_env()) as client:
        receipt = client.submit(Submission(unit, batch_key, school_year, school, documents))
        result = client.wait_for_result(receipt.receipt)

See docs/ministry-sandbox.md; the contract is shared/spec/ministry-service.md.
"""

from hub.ministry.client import (
    Credentials,
    MinistryClient,
    MinistryService,
    PollPolicy,
    RetryPolicy,
)
from hub.ministry.messages import (
    Document,
    DocumentError,
    DocumentResult,
    LearnerQuery,
    LearnerRecord,
    Receipt,
    Submission,
    SubmissionResult,
)
from hub.ministry.pacing import ClientMetrics

__all__ = [
    "ClientMetrics",
    "Credentials",
    "Document",
    "DocumentError",
    "DocumentResult",
    "LearnerQuery",
    "LearnerRecord",
    "MinistryClient",
    "MinistryService",
    "PollPolicy",
    "Receipt",
    "RetryPolicy",
    "Submission",
    "SubmissionResult",
]
