-- Run the app as a role that cannot rewrite the audit trail (README: "Running on PostgreSQL").
-- The owner role owns the schema and runs `qareview init-db` (migrations); the app role gets what the
-- service needs, and on the audit table only SELECT and INSERT: it can neither change nor delete a
-- record, nor disable the guard triggers (only an owner may). Run this as the owner, in the database,
-- after every `qareview init-db` (new tables then get their grants too). Replace qareview_app with the
-- app's role.
GRANT USAGE ON SCHEMA public TO qareview_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO qareview_app;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO qareview_app;
REVOKE UPDATE, DELETE, TRUNCATE ON audit_records FROM qareview_app;
REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON alembic_version FROM qareview_app;
-- The audit records' notes live beside them: a recorded de-identification rewrites them (UPDATE), but
-- none is ever removed; `qareview audit verify` catches any change that was not such a redaction.
REVOKE DELETE, TRUNCATE ON audit_texts FROM qareview_app;
