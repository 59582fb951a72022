//! The organisation each audited action concerned (null: none, such as an
//! account's own password reset); earlier entries about a contest get the
//! contest's organisation.
crate::sql_migration!(
    "ALTER TABLE audit_log ADD COLUMN organisation_id TEXT",
    "UPDATE audit_log SET organisation_id = (SELECT c.organisation_id FROM contests c WHERE 'contest:' || c.id = audit_log.target)",
);
