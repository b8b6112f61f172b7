DROP INDEX checks_project_status ON checks;
DROP TABLE operator_notices;
DROP TABLE receiver_heartbeats;
