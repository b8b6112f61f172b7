DROP INDEX checks_project_status;
DROP TABLE operator_notices;
DROP TABLE receiver_heartbeats;
