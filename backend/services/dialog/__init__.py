"""The conversation's persisted turn: sessions, messages applied once, and the reference data it reads."""
