"""A synthetic county for load tests (`python -m bench.seed`, run by `make bench`).

It lives beside the benchmark, outside the `portal` package, so the wheel that goes to a
server cannot write an invented county into a real database.

Ten or so towns with their offices and 100 villages, staff accounts, published
disclosures with their 索引号 and search entries, inquiries in every state with their
legal deadlines, and village notices: written with Core bulk inserts in chunks, never one
ORM object per row, so the largest size (100k disclosures, 1M inquiries) loads in minutes.
"""
