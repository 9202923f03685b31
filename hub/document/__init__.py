"""The transcript document (shared/spec/transcript-document.md): canonical model ⇄ XML.

    names.py      namespace, version, the 2 MB limit
    build.py      Transcript → deterministic document bytes (DSCKS empty)
    parse.py      bytes → lxml tree (HB001 refusals, HB002 schema) → Transcript
    read.py       schema-valid tree → Transcript (+ HB002 the XSD cannot state)
    explain/      why lxml refused a document: HB002 findings from xmlschema's error objects
    locate.py     the readable XPath of an element (hub/xpath.py's style)
    check.py      parse + schema + hub.rules → DocumentReport
    schemas/      hocbaso-1.0.xsd

Import the module you need (`from hub.document.build import build_document`): this package
imports nothing itself, so that building a document does not load the rules.
"""
