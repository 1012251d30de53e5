-- floor: the cost of a call to the server and back
SELECT 1;
