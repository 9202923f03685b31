"""Signatures of the transcript document: the XMLDSig profile, strict verification, trust.

    sign_document(data, role, provider, subject_code=..., signing_time=...) -> bytes
    sign_tree(tree, role, provider, ...) -> ds:Signature   (in place; no serialising)
    verify_document(data, trust, received_at=...) -> VerifyReport   (checks 3–6: HB003–HB006)
    TrustStore.from_folder(DIR)                                       roots, intermediates, CRLs

Modules: `profile` (the profile's names), `sign`, `structure` (check 3) with `shape` (the
profile's element structure) and `keyinfo` (KeyInfo certificates, parsed once), `verify`
(checks 4 and the order), `trust` (check 5), `roles` (check 6), `pki` (a test PKI),
`providers` (where keys live: PKCS#12, PEM, PKCS#11, remote, memory).
"""

from hub.signing.profile import Role
from hub.signing.sign import SigningError, sign_document, sign_tree
from hub.signing.trust import TrustStore, TrustStoreError
from hub.signing.verify import SignatureResult, VerifyReport, verify_document

__all__ = [
    "Role",
    "SignatureResult",
    "SigningError",
    "TrustStore",
    "TrustStoreError",
    "VerifyReport",
    "sign_document",
    "sign_tree",
    "verify_document",
]
