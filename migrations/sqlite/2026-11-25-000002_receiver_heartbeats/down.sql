DROP TABLE operator_notices;
DROP TABLE receiver_heartbeats;
