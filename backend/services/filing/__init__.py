"""The insured person's use cases: filings, papers, family links, institutions, readiness, and what they enqueue."""
