"""Remote signing: the small HTTP JSON protocol of a phone-approval signing service.

`protocol` defines the wire format shared by the client (`hub.signing.providers.remote`) and the
simulator (`simulator`); docs/signing-providers.md describes it for service vendors. This
package's `__init__` imports nothing, so the client does not pull in Starlette and uvicorn.
"""
