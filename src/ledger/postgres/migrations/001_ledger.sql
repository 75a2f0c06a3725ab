-- The partner usage ledger (src/ledger/postgres). Counters are bigint, checked to stay within
-- 2^53 - 1 so they read back as exact JS numbers; subs and endpoints are text compared byte-wise
-- (COLLATE "C") wherever the database orders them.

-- One row: how far the ledger has counted. `seq` numbers commits (1 for the first).
CREATE TABLE ledger_state (
  id smallint PRIMARY KEY CHECK (id = 1),
  start_cursor text NOT NULL,
  cursor text NOT NULL,
  seq bigint NOT NULL CHECK (seq >= 0),
  entries bigint NOT NULL CHECK (entries BETWEEN 0 AND 9007199254740991),
  pages bigint NOT NULL CHECK (pages >= 0),
  last_commit_ms bigint
);

CREATE TABLE ledger_users (
  sub text COLLATE "C" PRIMARY KEY,
  calls bigint NOT NULL CHECK (calls BETWEEN 0 AND 9007199254740991),
  discoveries bigint NOT NULL CHECK (discoveries BETWEEN 0 AND 9007199254740991),
  tweets bigint NOT NULL CHECK (tweets BETWEEN 0 AND 9007199254740991),
  -- Stream time (ms) of the first and last page that counted the user.
  first_ms bigint NOT NULL,
  last_ms bigint NOT NULL
);

CREATE TABLE ledger_user_endpoints (
  sub text COLLATE "C" NOT NULL REFERENCES ledger_users (sub) ON DELETE CASCADE,
  endpoint text COLLATE "C" NOT NULL,
  calls bigint NOT NULL CHECK (calls BETWEEN 0 AND 9007199254740991),
  discoveries bigint NOT NULL CHECK (discoveries BETWEEN 0 AND 9007199254740991),
  tweets bigint NOT NULL CHECK (tweets BETWEEN 0 AND 9007199254740991),
  PRIMARY KEY (sub, endpoint)
);

-- `day`: days since 1970-01-01, UTC, of the page's last entry (a page never crosses a midnight).
CREATE TABLE ledger_user_days (
  sub text COLLATE "C" NOT NULL REFERENCES ledger_users (sub) ON DELETE CASCADE,
  day integer NOT NULL,
  calls bigint NOT NULL CHECK (calls BETWEEN 0 AND 9007199254740991),
  discoveries bigint NOT NULL CHECK (discoveries BETWEEN 0 AND 9007199254740991),
  tweets bigint NOT NULL CHECK (tweets BETWEEN 0 AND 9007199254740991),
  PRIMARY KEY (sub, day)
);

-- The recent commits, each as the journal record the file store would have written (its frame,
-- CRC-32 included): other instances apply them to their read replicas in seq order. Old ones are
-- pruned; an instance further behind reloads the totals tables instead.
CREATE TABLE ledger_pages (
  seq bigint PRIMARY KEY,
  cursor_before text NOT NULL UNIQUE,
  cursor_after text NOT NULL UNIQUE,
  committed_ms bigint NOT NULL,
  record bytea NOT NULL
);

-- What the leading instance's follower last said, for `partnerLedger` on every other instance.
CREATE TABLE ledger_leader (
  id smallint PRIMARY KEY CHECK (id = 1),
  instance text NOT NULL,
  status jsonb NOT NULL,
  heartbeat_at timestamptz NOT NULL
);
