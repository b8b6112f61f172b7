ALTER TABLE profiles DROP COLUMN last_call_date;
ALTER TABLE profiles DROP COLUMN calls_sent;
ALTER TABLE profiles DROP COLUMN call_limit;
ALTER TABLE profiles DROP COLUMN last_sms_date;
ALTER TABLE profiles DROP COLUMN sms_sent;
ALTER TABLE profiles DROP COLUMN sms_limit;
