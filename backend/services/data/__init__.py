"""Reference and demo data: loading, importing, upserting, seeding for benchmarks, DEMO people and staff."""
