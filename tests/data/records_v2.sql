-- A records file as vrtherapy wrote it at records schema version 2 (before corrections, audit and PostgreSQL),
-- dumped with `sqlite3 .dump`. Load it with executescript, then PRAGMA user_version = 2 and
-- PRAGMA application_id = 1448236136. Legacy cases: a level written as "stroke", free-text and old-style
-- levels, IDs X5 and x5 that differ only in case, a note that looks like a spreadsheet formula.
PRAGMA foreign_keys=OFF;
BEGIN TRANSACTION;
CREATE TABLE patients (
        patient_id TEXT PRIMARY KEY NOT NULL,
        affected_side TEXT NOT NULL CHECK (affected_side IN ('left', 'right')),
        limb TEXT NOT NULL CHECK (limb IN ('upper', 'lower')),
        level TEXT NOT NULL,
        amputation_date TEXT,
        measurements TEXT NOT NULL DEFAULT '{}',
        prescribed_minutes_per_week REAL NOT NULL CHECK (prescribed_minutes_per_week > 0),
        notes TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL
    );
INSERT INTO patients VALUES('P001','left','upper','transradial','2023-05-01','{"forearm": 0.26}',90.0,'right-handed','2026-11-29T14:39:54.843276+00:00');
INSERT INTO patients VALUES('X5','right','upper','stroke',NULL,'{}',60.0,'','2026-11-29T14:39:54.844274+00:00');
INSERT INTO patients VALUES('x5','left','lower','below knee',NULL,'{}',60.0,'','2026-11-29T14:39:54.845138+00:00');
INSERT INTO patients VALUES('P003','left','lower','knee',NULL,'{}',60.0,'','2026-11-29T14:39:54.846009+00:00');
CREATE TABLE sessions (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        patient_id TEXT NOT NULL REFERENCES patients (patient_id) ON UPDATE CASCADE,
        playlist TEXT NOT NULL,
        display TEXT NOT NULL,
        started_at TEXT NOT NULL,
        ended_at TEXT,
        status TEXT CHECK (status IN ('completed', 'stopped', 'crashed'))
    );
INSERT INTO sessions VALUES(1,'P001','upper_basic','offscreen','2024-03-04T13:00:00.000000+00:00','2024-03-04T13:15:00.000000+00:00','completed');
INSERT INTO sessions VALUES(2,'P001','upper_basic','offscreen','2024-03-05T13:00:00.000000+00:00','2024-03-05T13:15:00.000000+00:00','completed');
INSERT INTO sessions VALUES(3,'X5','upper_basic','offscreen','2024-03-04T11:00:00.000000+00:00','2024-03-04T11:15:00.000000+00:00','completed');
INSERT INTO sessions VALUES(4,'P001','upper_basic','offscreen','2024-03-04T13:00:00.000000+00:00','2024-03-04T13:15:00.000000+00:00','completed');
CREATE TABLE pain (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        patient_id TEXT NOT NULL REFERENCES patients (patient_id) ON UPDATE CASCADE,
        session_id INTEGER REFERENCES sessions (id),
        kind TEXT NOT NULL CHECK (kind IN ('before', 'after', 'between')),
        score INTEGER NOT NULL CHECK (typeof(score) = 'integer' AND score BETWEEN 0 AND 10),
        at TEXT NOT NULL,
        triggers TEXT NOT NULL DEFAULT '[]',
        medications TEXT NOT NULL DEFAULT '[]',
        note TEXT NOT NULL DEFAULT '', duration_min REAL CHECK (duration_min IS NULL OR duration_min > 0),
        CHECK ((kind = 'between') = (session_id IS NULL))
    );
INSERT INTO pain VALUES(1,'P001',1,'before',6,'2024-03-04T13:00:00.000000+00:00','[]','[]','',NULL);
INSERT INTO pain VALUES(2,'P001',1,'after',4,'2024-03-04T13:16:00.000000+00:00','[]','[]','',NULL);
INSERT INTO pain VALUES(3,'P001',2,'before',6,'2024-03-05T13:00:00.000000+00:00','[]','[]','',NULL);
INSERT INTO pain VALUES(4,'P001',2,'after',4,'2024-03-05T13:16:00.000000+00:00','[]','[]','',NULL);
INSERT INTO pain VALUES(5,'X5',3,'before',6,'2024-03-04T11:00:00.000000+00:00','[]','[]','',NULL);
INSERT INTO pain VALUES(6,'X5',3,'after',4,'2024-03-04T11:16:00.000000+00:00','[]','[]','',NULL);
INSERT INTO pain VALUES(7,'P001',4,'before',6,'2024-03-04T13:00:00.000000+00:00','[]','[]','',NULL);
INSERT INTO pain VALUES(8,'P001',4,'after',4,'2024-03-04T13:16:00.000000+00:00','[]','[]','',NULL);
INSERT INTO pain VALUES(9,'P001',NULL,'between',5,'2024-03-03T09:00:00.000000+00:00','["stress"]','[]','=HYPERLINK("x")',30.0);
CREATE TABLE exercises (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        session_id INTEGER NOT NULL REFERENCES sessions (id),
        exercise_id TEXT NOT NULL,
        started_at TEXT NOT NULL,
        duration_s REAL NOT NULL,
        completed INTEGER NOT NULL CHECK (completed IN (0, 1)),
        reps INTEGER,
        target_reps INTEGER,
        rom_deg REAL,
        movement_time_s REAL,
        latency_ms_mean REAL,
        latency_ms_p95 REAL
    );
INSERT INTO exercises VALUES(1,1,'wrist_flexion','2024-03-04T13:01:00.000000+00:00',60.0,1,8,10,40.0,NULL,NULL,NULL);
INSERT INTO exercises VALUES(2,2,'wrist_flexion','2024-03-05T13:01:00.000000+00:00',60.0,1,8,10,40.0,NULL,NULL,NULL);
INSERT INTO exercises VALUES(3,3,'wrist_flexion','2024-03-04T11:01:00.000000+00:00',60.0,1,8,10,40.0,NULL,NULL,NULL);
INSERT INTO exercises VALUES(4,4,'wrist_flexion','2024-03-04T13:01:00.000000+00:00',60.0,1,8,10,40.0,NULL,NULL,NULL);
DELETE FROM sqlite_sequence;
INSERT INTO sqlite_sequence VALUES('sessions',4);
INSERT INTO sqlite_sequence VALUES('pain',9);
INSERT INTO sqlite_sequence VALUES('exercises',4);
CREATE UNIQUE INDEX pain_once_per_session ON pain (session_id, kind) WHERE session_id IS NOT NULL;
CREATE INDEX exercises_by_session ON exercises (session_id);
CREATE INDEX pain_by_patient ON pain (patient_id, at);
CREATE INDEX sessions_by_patient ON sessions (patient_id, started_at);
COMMIT;
