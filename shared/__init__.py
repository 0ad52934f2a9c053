"""What every app shares and that imports no app: errors, money, the acting user,
the outbox publisher, outage handling, request ids and counters.

The bottom layer (README "Architecture"): nothing here may import `customers`,
`orders`, `fulfillment`, the follow-up apps or the faces; import-linter checks it.
"""
