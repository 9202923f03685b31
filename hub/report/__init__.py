"""What the operator reads: where every learner stands, and why the missing ones are missing.

    hub.report.queries   status per school × year, batches with live figures, withdrawals
    hub.report.rows      problem rows traced to their source cell or API record
    hub.report.files     the xlsx (summary + a sheet per school) and the CSVs (UTF-8 with BOM)
    hub.privacy   masking of personal ID numbers in free text

Everything here reads the store; nothing writes it.
"""
