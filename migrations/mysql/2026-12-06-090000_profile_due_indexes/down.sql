DROP INDEX profiles_next_report_date ON profiles;
DROP INDEX profiles_next_nag_date ON profiles;
