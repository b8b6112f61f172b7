DROP INDEX profiles_next_report_date;
DROP INDEX profiles_next_nag_date;
