"""The staff console's use cases and read models: review, papers, family proofs, accounts, dashboard, policies."""
