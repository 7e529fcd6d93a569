"""CI workflows that run gates on CI runners and bring their evidence home (D-021).

CI runs the matrix; govkit produces the evidence (`gate run --bundle`) and
verifies it (`evidence ingest`). Only the workflow text is generated here.
"""
