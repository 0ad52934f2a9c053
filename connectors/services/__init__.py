"""What changes the connectors' rows, one module per concern.

- `connections`: connecting a storefront to its platform (secrets kept encrypted);
- `receiving`: a platform's webhook delivery checked and stored, nothing applied yet;
- `deliveries`: a stored delivery applied through the order services, again on demand.
"""
