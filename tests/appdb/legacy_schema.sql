-- The app database as AppDB made it with Base.metadata.create_all, before migrations existed (commit deb5cde).

CREATE TABLE cs_users (
	id INTEGER NOT NULL,
	username VARCHAR(64) NOT NULL,
	display_name VARCHAR(128) NOT NULL,
	password_hash VARCHAR(256) NOT NULL,
	role VARCHAR(32) NOT NULL,
	scope_json TEXT NOT NULL,
	lang VARCHAR(8),
	disabled BOOLEAN NOT NULL,
	created_at DATETIME NOT NULL,
	last_login_at DATETIME,
	PRIMARY KEY (id)
);

CREATE UNIQUE INDEX ix_cs_users_username ON cs_users (username);

CREATE TABLE cs_audit_log (
	id INTEGER NOT NULL,
	at DATETIME NOT NULL,
	actor VARCHAR(64) NOT NULL,
	action VARCHAR(64) NOT NULL,
	target VARCHAR(128) NOT NULL,
	detail TEXT NOT NULL,
	ip VARCHAR(64) NOT NULL,
	PRIMARY KEY (id)
);

CREATE INDEX ix_cs_audit_log_action ON cs_audit_log (action);

CREATE INDEX ix_cs_audit_log_at ON cs_audit_log (at);

CREATE TABLE cs_settings (
	"key" VARCHAR(64) NOT NULL,
	value TEXT NOT NULL,
	PRIMARY KEY ("key")
);

CREATE TABLE cs_sessions (
	id VARCHAR(64) NOT NULL,
	user_id INTEGER NOT NULL,
	created_at DATETIME NOT NULL,
	expires_at DATETIME NOT NULL,
	ip VARCHAR(64) NOT NULL,
	PRIMARY KEY (id),
	FOREIGN KEY(user_id) REFERENCES cs_users (id) ON DELETE CASCADE
);

CREATE INDEX ix_cs_sessions_user_id ON cs_sessions (user_id);

CREATE TABLE cs_api_tokens (
	id INTEGER NOT NULL,
	user_id INTEGER NOT NULL,
	name VARCHAR(128) NOT NULL,
	token_hash VARCHAR(64) NOT NULL,
	created_at DATETIME NOT NULL,
	last_used_at DATETIME,
	revoked BOOLEAN NOT NULL,
	PRIMARY KEY (id),
	UNIQUE (user_id, name),
	FOREIGN KEY(user_id) REFERENCES cs_users (id) ON DELETE CASCADE
);

CREATE UNIQUE INDEX ix_cs_api_tokens_token_hash ON cs_api_tokens (token_hash);

CREATE INDEX ix_cs_api_tokens_user_id ON cs_api_tokens (user_id);

