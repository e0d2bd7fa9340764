"""开放接口: the read-only JSON API at /api/v1/ (disclosures, village notices, published
replies, consultations and the catalogue), cursor-paginated, with ETags and an OpenAPI
3.1 document at /api/v1/openapi.json."""
