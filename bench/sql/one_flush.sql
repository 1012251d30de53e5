-- floor: one row committed per call (one WAL flush at synchronous_commit = on)
INSERT INTO bench.flush_probe (client) VALUES (:client_id);
