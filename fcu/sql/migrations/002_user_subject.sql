-- The sign-in subject (Entra ID's oid, else the provider's sub) a user record is bound to on
-- its first OpenID Connect sign-in; NULL until then (see fcu.users.bind_subject).
ALTER TABLE users ADD COLUMN subject VARCHAR;
