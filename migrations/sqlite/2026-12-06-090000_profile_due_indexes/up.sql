-- sendalerts looks for the next due report and the next due reminder on every
-- pass; without these, each look reads every profile.
CREATE INDEX profiles_next_report_date ON profiles (next_report_date);
CREATE INDEX profiles_next_nag_date ON profiles (next_nag_date);
