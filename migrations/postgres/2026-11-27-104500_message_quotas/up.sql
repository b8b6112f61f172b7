-- Monthly quotas of text messages (SMS and WhatsApp) and phone calls, counted on
-- the profile of each project's owner, as healthchecks does. Self-hosted sites
-- allow 10000 a month, as healthchecks does with USE_PAYMENTS off.
ALTER TABLE profiles ADD COLUMN sms_limit BIGINT NOT NULL DEFAULT 10000;
ALTER TABLE profiles ADD COLUMN sms_sent BIGINT NOT NULL DEFAULT 0;
ALTER TABLE profiles ADD COLUMN last_sms_date TIMESTAMP NULL;
ALTER TABLE profiles ADD COLUMN call_limit BIGINT NOT NULL DEFAULT 10000;
ALTER TABLE profiles ADD COLUMN calls_sent BIGINT NOT NULL DEFAULT 0;
ALTER TABLE profiles ADD COLUMN last_call_date TIMESTAMP NULL;
