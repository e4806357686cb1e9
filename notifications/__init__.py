"""E-mail: the transactional outbox, message templates, and SMTP delivery."""
