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
INSERT INTO "accounts" VALUES(1,'ada@example.org','$argon2id$v=19$m=65536$fake-hash',2,'2026-03-10 12:00:00.000000');
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
INSERT INTO "care_entries" VALUES(1,1,'ice','2026-03-08 12:00:00.000000',15,NULL,NULL);
INSERT INTO "care_entries" VALUES(2,1,'medicine','2026-03-09 12:00:00.000000',NULL,'ibuprofen','with food');
INSERT INTO "care_entries" VALUES(3,1,'stretch','2026-03-10 07:00:00.000000',10,NULL,NULL);
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
INSERT INTO "episodes" VALUES(1,1,'2026-03-01 12:00:00.000000','2026-03-05 12:00:00.000000','lifting');
INSERT INTO "episodes" VALUES(2,1,'2026-03-08 12:00:00.000000',NULL,NULL);
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
INSERT INTO "feed_tokens" VALUES(1,1,'bf59a31e8aa4d2dedff92165d8b5a89bf2965e2f8e131d0fdd95ac698877fbf0','2026-03-10 12:00:00.000000');
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
INSERT INTO "pain_entries" VALUES(1,1,'2026-03-08 12:00:00.000000',8,'could not stand up');
INSERT INTO "pain_entries" VALUES(2,1,'2026-03-09 12:00:00.000000',5,NULL);
INSERT INTO "pain_entries" VALUES(3,1,'2026-03-10 09:00:00.000000',3,'better after a walk');
INSERT INTO "pain_entries" VALUES(4,2,'2026-03-10 11:00:00.000000',6,NULL);
CREATE TABLE profiles (
	id INTEGER NOT NULL, 
	"key" VARCHAR(200), 
	tz VARCHAR(64) NOT NULL, 
	wake TIME NOT NULL, 
	sleep TIME NOT NULL, 
	region VARCHAR(8) NOT NULL, 
	age INTEGER, 
	created_at DATETIME NOT NULL, pseudonym VARCHAR(32), 
	PRIMARY KEY (id), 
	UNIQUE ("key")
);
INSERT INTO "profiles" VALUES(1,'local','Europe/London','06:30:00.000000','22:45:00.000000','UK',47,'2026-03-10 12:00:00.000000','7606d6030af5a5a90831c0239fd00f3a');
INSERT INTO "profiles" VALUES(2,NULL,'Europe/Paris','07:00:00.000000','22:00:00.000000','EU',NULL,'2026-03-10 12:00:00.000000','9337412965b7e4d9737b6febdb350ca2');
CREATE TABLE schema_migrations ( id VARCHAR(100) PRIMARY KEY, applied_at VARCHAR(40) NOT NULL);
INSERT INTO "schema_migrations" VALUES('0001_initial','2026-12-02T12:07:25.226865+00:00');
INSERT INTO "schema_migrations" VALUES('0002_feed_tokens','2026-12-02T12:07:25.228856+00:00');
INSERT INTO "schema_migrations" VALUES('0003_accounts','2026-12-02T12:07:25.232589+00:00');
INSERT INTO "schema_migrations" VALUES('0004_web_journeys','2026-12-02T12:07:25.234061+00:00');
INSERT INTO "schema_migrations" VALUES('0005_triage_unsure','2026-12-02T12:07:25.237159+00:00');
INSERT INTO "schema_migrations" VALUES('0006_profile_pseudonyms','2026-12-02T12:07:25.238164+00:00');
CREATE TABLE signin_failures (
	id INTEGER NOT NULL, 
	key_hash VARCHAR(64) NOT NULL, 
	at DATETIME NOT NULL, 
	PRIMARY KEY (id)
);
INSERT INTO "signin_failures" VALUES(1,'937169e34f11614ddab825dbf9c426b9ec9f1fa59aa73940d42e6a866aa606ab','2026-03-10 10:00:00.000000');
CREATE TABLE triage_records (
	id INTEGER NOT NULL, 
	profile_id INTEGER NOT NULL, 
	at DATETIME NOT NULL, 
	answers JSON NOT NULL, 
	level VARCHAR(32) NOT NULL, 
	rules JSON NOT NULL, 
	knowledge_version VARCHAR(100) NOT NULL, unsure JSON NOT NULL DEFAULT '[]', 
	PRIMARY KEY (id), 
	FOREIGN KEY(profile_id) REFERENCES profiles (id) ON DELETE CASCADE
);
INSERT INTO "triage_records" VALUES(1,1,'2026-03-08 12:00:00.000000','{"age": 47, "fever": false, "numb_saddle": true}','emergency','["cauda_equina"]','k-1','["numb_saddle"]');
INSERT INTO "triage_records" VALUES(2,1,'2026-03-09 12:00:00.000000','{"age": 47, "fever": false}','self_care','[]','k-1','[]');
CREATE TABLE web_journeys (
	key_hash VARCHAR(64) NOT NULL, 
	profile VARCHAR(64) NOT NULL, 
	data TEXT NOT NULL, 
	updated_at DATETIME NOT NULL, 
	PRIMARY KEY (key_hash)
);
INSERT INTO "web_journeys" VALUES('bd02c0bfd3b6fd4435082fcf8631be1b72922c041b49266903aa59752d959862','local','{"answers": {"age": 47}, "unsure": [], "history": ["age"], "result": null}','2026-03-10 12:00:00.000000');
CREATE TABLE web_sessions (
	token_hash VARCHAR(64) NOT NULL, 
	account_id INTEGER NOT NULL, 
	csrf_token VARCHAR(64) NOT NULL, 
	created_at DATETIME NOT NULL, 
	expires_at DATETIME NOT NULL, 
	PRIMARY KEY (token_hash), 
	FOREIGN KEY(account_id) REFERENCES accounts (id) ON DELETE CASCADE
);
INSERT INTO "web_sessions" VALUES('cdeab5ffb9f076e46919f0320e7c4b0fb299228f69cc150539eb3f6302aabe04',1,'cccccccccccccccccccccccccccccccc','2026-03-10 12:00:00.000000','2026-03-11 12:00:00.000000');
CREATE INDEX ix_episodes_profile_onset ON episodes (profile_id, onset);
CREATE UNIQUE INDEX one_open_episode ON episodes (profile_id) WHERE ended_at IS NULL;
CREATE INDEX ix_pain_profile_at ON pain_entries (profile_id, at);
CREATE INDEX ix_care_profile_start ON care_entries (profile_id, start);
CREATE INDEX ix_triage_profile_at ON triage_records (profile_id, at);
CREATE INDEX ix_web_sessions_account ON web_sessions (account_id);
CREATE INDEX ix_signin_failures_key_at ON signin_failures (key_hash, at);
COMMIT;
