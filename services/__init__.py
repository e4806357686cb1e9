"""Service functions: load rows, ask the domain, write state + audit + outbox in one transaction."""
