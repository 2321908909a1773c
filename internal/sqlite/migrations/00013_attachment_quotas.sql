-- +goose Up
-- How much, in MiB, one person and the whole organisation may store in
-- attachments; 0 is the default (1 GiB a person, 100 GiB in all).
ALTER TABLE orgs ADD COLUMN attachment_quota_mib INTEGER NOT NULL DEFAULT 0;
ALTER TABLE orgs ADD COLUMN org_attachment_quota_mib INTEGER NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE orgs DROP COLUMN org_attachment_quota_mib;
ALTER TABLE orgs DROP COLUMN attachment_quota_mib;
