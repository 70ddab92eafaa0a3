"""Shared plumbing: database, errors, envelope, auth, pagination, middleware."""
