BEGIN TRANSACTION;
CREATE TABLE accounts (
	id INTEGER NOT NULL, 
	email VARCHAR(254) NOT NULL, 
	password_hash VARCHAR(255) NOT NULL, 
	profile_id INTEGER NOT NULL, 
	created_at DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	UNIQUE (email), 
	UNIQUE (profile_id), 
	FOREIGN KEY(profile_id) REFERENCES profiles (id) ON DELETE CASCADE
);
INSERT INTO "accounts" VALUES(1,'bo@example.org','$argon2id$v=19$fake-hash-0003',1,'2026-03-09 12:00:00.000000');
CREATE TABLE care_entries (
	id INTEGER NOT NULL, 
	profile_id INTEGER NOT NULL, 
	kind VARCHAR(16) NOT NULL, 
	start DATETIME NOT NULL, 
	minutes INTEGER, 
	medicine VARCHAR(200), 
	note TEXT, 
	PRIMARY KEY (id), 
	FOREIGN KEY(profile_id) REFERENCES profiles (id) ON DELETE CASCADE
);
INSERT INTO "care_entries" VALUES(1,1,'medicine','2026-03-09 10:00:00.000000',NULL,'paracetamol',NULL);
CREATE TABLE episodes (
	id INTEGER NOT NULL, 
	profile_id INTEGER NOT NULL, 
	onset DATETIME NOT NULL, 
	ended_at DATETIME, 
	"trigger" VARCHAR(32), 
	PRIMARY KEY (id), 
	CONSTRAINT episode_end_after_onset CHECK (ended_at IS NULL OR ended_at >= onset), 
	FOREIGN KEY(profile_id) REFERENCES profiles (id) ON DELETE CASCADE
);
INSERT INTO "episodes" VALUES(1,1,'2026-03-09 08:00:00.000000',NULL,'bending');
CREATE TABLE feed_tokens (
	id INTEGER NOT NULL, 
	profile_id INTEGER NOT NULL, 
	token_hash VARCHAR(64) NOT NULL, 
	created_at DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	UNIQUE (profile_id), 
	FOREIGN KEY(profile_id) REFERENCES profiles (id) ON DELETE CASCADE, 
	UNIQUE (token_hash)
);
INSERT INTO "feed_tokens" VALUES(1,1,'ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff','2026-03-09 12:00:00.000000');
CREATE TABLE pain_entries (
	id INTEGER NOT NULL, 
	profile_id INTEGER NOT NULL, 
	at DATETIME NOT NULL, 
	score INTEGER NOT NULL, 
	note TEXT, 
	PRIMARY KEY (id), 
	CONSTRAINT pain_score_range CHECK (score BETWEEN 0 AND 10), 
	FOREIGN KEY(profile_id) REFERENCES profiles (id) ON DELETE CASCADE
);
INSERT INTO "pain_entries" VALUES(1,1,'2026-03-09 09:00:00.000000',7,'sharp');
CREATE TABLE profiles (
	id INTEGER NOT NULL, 
	"key" VARCHAR(200), 
	tz VARCHAR(64) NOT NULL, 
	wake TIME NOT NULL, 
	sleep TIME NOT NULL, 
	region VARCHAR(8) NOT NULL, 
	age INTEGER, 
	created_at DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	UNIQUE ("key")
);
INSERT INTO "profiles" VALUES(1,'local','UTC','07:00:00.000000','22:00:00.000000','UK',60,'2026-03-10 12:00:00.000000');
CREATE TABLE schema_migrations ( id VARCHAR(100) PRIMARY KEY, applied_at VARCHAR(40) NOT NULL);
INSERT INTO "schema_migrations" VALUES('0001_initial','2026-03-10T12:00:00+00:00');
INSERT INTO "schema_migrations" VALUES('0002_feed_tokens','2026-03-10T12:00:00+00:00');
INSERT INTO "schema_migrations" VALUES('0003_accounts','2026-03-10T12:00:00+00:00');
CREATE TABLE signin_failures (
	id INTEGER NOT NULL, 
	key_hash VARCHAR(64) NOT NULL, 
	at DATETIME NOT NULL, 
	PRIMARY KEY (id)
);
CREATE TABLE triage_records (
	id INTEGER NOT NULL, 
	profile_id INTEGER NOT NULL, 
	at DATETIME NOT NULL, 
	answers JSON NOT NULL, 
	level VARCHAR(32) NOT NULL, 
	rules JSON NOT NULL, 
	knowledge_version VARCHAR(100) NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(profile_id) REFERENCES profiles (id) ON DELETE CASCADE
);
INSERT INTO "triage_records" VALUES(1,1,'2026-03-09 08:30:00.000000','{"age": 60}','see_gp','["age_over_55"]','k-0');
CREATE TABLE web_sessions (
	token_hash VARCHAR(64) NOT NULL, 
	account_id INTEGER NOT NULL, 
	csrf_token VARCHAR(64) NOT NULL, 
	created_at DATETIME NOT NULL, 
	expires_at DATETIME NOT NULL, 
	PRIMARY KEY (token_hash), 
	FOREIGN KEY(account_id) REFERENCES accounts (id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX one_open_episode ON episodes (profile_id) WHERE ended_at IS NULL;
CREATE INDEX ix_episodes_profile_onset ON episodes (profile_id, onset);
CREATE INDEX ix_pain_profile_at ON pain_entries (profile_id, at);
CREATE INDEX ix_care_profile_start ON care_entries (profile_id, start);
CREATE INDEX ix_triage_profile_at ON triage_records (profile_id, at);
CREATE INDEX ix_web_sessions_account ON web_sessions (account_id);
CREATE INDEX ix_signin_failures_key_at ON signin_failures (key_hash, at);
COMMIT;
