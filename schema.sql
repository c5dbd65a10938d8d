-- Luma Event Sync & Analytics: the schema.
-- Applied at the start of every script; safe to apply again and again. Every column is also added
-- with ADD COLUMN IF NOT EXISTS, so a database made by an earlier version is brought up to date.

-- Events: one row per event. Sync owns the Luma fields; the organiser owns category (once set by
-- hand), cost, attendance_taken and placard_pdf; analyze.py writes attendance and attendance_data.
CREATE TABLE IF NOT EXISTS events (
    id serial PRIMARY KEY,
    name text
);
ALTER TABLE events ADD COLUMN IF NOT EXISTS luma_event_id text;
ALTER TABLE events ADD COLUMN IF NOT EXISTS name text;
ALTER TABLE events ADD COLUMN IF NOT EXISTS start_at timestamptz;
ALTER TABLE events ADD COLUMN IF NOT EXISTS end_at timestamptz;
ALTER TABLE events ADD COLUMN IF NOT EXISTS timezone text;
ALTER TABLE events ADD COLUMN IF NOT EXISTS description text;
ALTER TABLE events ADD COLUMN IF NOT EXISTS signup_url text;
ALTER TABLE events ADD COLUMN IF NOT EXISTS venue text;
ALTER TABLE events ADD COLUMN IF NOT EXISTS category text;
-- The category Luma's tags gave at the last sync. While `category` still equals it (or is empty),
-- sync keeps `category` in step with Luma; once the organiser writes another value, theirs stays.
ALTER TABLE events ADD COLUMN IF NOT EXISTS luma_category text;
ALTER TABLE events ADD COLUMN IF NOT EXISTS cost numeric(12, 2);
ALTER TABLE events ADD COLUMN IF NOT EXISTS attendance integer;
ALTER TABLE events ADD COLUMN IF NOT EXISTS attendance_data jsonb;
ALTER TABLE events ADD COLUMN IF NOT EXISTS attendance_taken boolean;
-- true when analyze.py (not the organiser) set attendance_taken = false because nobody checked in;
-- analyze recomputes its own flag every run, while the organiser's setting always wins.
ALTER TABLE events ADD COLUMN IF NOT EXISTS attendance_taken_auto boolean NOT NULL DEFAULT false;
ALTER TABLE events ADD COLUMN IF NOT EXISTS attendance_imported_at timestamptz;
-- When the guest list imported last was exported: an older export never overwrites a newer one.
ALTER TABLE events ADD COLUMN IF NOT EXISTS attendance_exported_at timestamptz;
-- synced: as first seen at Luma; changed: Luma changed it since; source_deleted: gone from Luma
-- (kept, with its attendance history).
ALTER TABLE events ADD COLUMN IF NOT EXISTS sync_status text NOT NULL DEFAULT 'synced';
ALTER TABLE events ADD COLUMN IF NOT EXISTS placard_pdf bytea;
ALTER TABLE events ADD COLUMN IF NOT EXISTS created_at timestamptz NOT NULL DEFAULT now();
ALTER TABLE events ADD COLUMN IF NOT EXISTS updated_at timestamptz NOT NULL DEFAULT now();
CREATE UNIQUE INDEX IF NOT EXISTS events_luma_event_id_key ON events (luma_event_id);
CREATE INDEX IF NOT EXISTS events_start_at_idx ON events (start_at, id);
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'events_sync_status_check') THEN
        ALTER TABLE events ADD CONSTRAINT events_sync_status_check
            CHECK (sync_status IN ('synced', 'changed', 'source_deleted'));
    END IF;
END $$;

-- People: one row per person, whichever emails and phones they registered with.
CREATE TABLE IF NOT EXISTS people (
    id serial PRIMARY KEY
);
ALTER TABLE people ADD COLUMN IF NOT EXISTS first_name text;
ALTER TABLE people ADD COLUMN IF NOT EXISTS last_name text;
ALTER TABLE people ADD COLUMN IF NOT EXISTS email text;
ALTER TABLE people ADD COLUMN IF NOT EXISTS phone text;            -- E.164
ALTER TABLE people ADD COLUMN IF NOT EXISTS gender text;
ALTER TABLE people ADD COLUMN IF NOT EXISTS school text;
ALTER TABLE people ADD COLUMN IF NOT EXISTS class_year integer;
ALTER TABLE people ADD COLUMN IF NOT EXISTS created_at timestamptz NOT NULL DEFAULT now();
ALTER TABLE people ADD COLUMN IF NOT EXISTS updated_at timestamptz NOT NULL DEFAULT now();

-- Every email, phone and Luma user id a person has used, each pointing at exactly one person.
CREATE TABLE IF NOT EXISTS person_identifiers (
    kind text NOT NULL CHECK (kind IN ('email', 'phone', 'luma_user_id')),
    value text NOT NULL,
    person_id integer NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (kind, value)
);
CREATE INDEX IF NOT EXISTS person_identifiers_person_idx ON person_identifiers (person_id);

-- Attendance: one row per (event, person), from the event's guest list.
CREATE TABLE IF NOT EXISTS attendance (
    id bigserial PRIMARY KEY,
    event_id integer NOT NULL REFERENCES events (id),
    person_id integer NOT NULL REFERENCES people (id),
    UNIQUE (event_id, person_id)
);
ALTER TABLE attendance ADD COLUMN IF NOT EXISTS luma_guest_id text;
ALTER TABLE attendance ADD COLUMN IF NOT EXISTS approval_status text;  -- Luma's raw word
ALTER TABLE attendance ADD COLUMN IF NOT EXISTS registered_at timestamptz;
ALTER TABLE attendance ADD COLUMN IF NOT EXISTS checked_in_at timestamptz;
ALTER TABLE attendance ADD COLUMN IF NOT EXISTS invite_token text;     -- custom_source / utm_source
ALTER TABLE attendance ADD COLUMN IF NOT EXISTS registration_answers jsonb;
ALTER TABLE attendance ADD COLUMN IF NOT EXISTS match_method text;
ALTER TABLE attendance ADD COLUMN IF NOT EXISTS match_score real;
ALTER TABLE attendance ADD COLUMN IF NOT EXISTS created_at timestamptz NOT NULL DEFAULT now();
ALTER TABLE attendance ADD COLUMN IF NOT EXISTS updated_at timestamptz NOT NULL DEFAULT now();
CREATE INDEX IF NOT EXISTS attendance_person_idx ON attendance (person_id);

-- Person matches the importer was not sure enough to make: the guest became a new person, and an
-- organiser decides whether they are the candidate.
CREATE TABLE IF NOT EXISTS match_review (
    id serial PRIMARY KEY,
    event_id integer REFERENCES events (id),
    person_id integer REFERENCES people (id) ON DELETE CASCADE,
    candidate_person_id integer REFERENCES people (id) ON DELETE CASCADE,
    reason text NOT NULL,
    score real,
    guest jsonb,
    source_file text,
    status text NOT NULL DEFAULT 'open',
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX IF NOT EXISTS match_review_once
    ON match_review (event_id, person_id, candidate_person_id);
-- The open review items side by side, as an organiser reads them.
CREATE OR REPLACE VIEW match_review_open AS
SELECT r.id AS review_id, e.name AS event, r.reason, r.score,
       n.id AS new_person_id, concat_ws(' ', n.first_name, n.last_name) AS new_person,
       n.email AS new_email, n.phone AS new_phone,
       c.id AS candidate_id, concat_ws(' ', c.first_name, c.last_name) AS candidate,
       c.email AS candidate_email, c.phone AS candidate_phone, r.source_file, r.created_at
FROM match_review r
JOIN people n ON n.id = r.person_id
JOIN people c ON c.id = r.candidate_person_id
LEFT JOIN events e ON e.id = r.event_id
WHERE r.status = 'open';

-- The run log: one row per step per run.
CREATE TABLE IF NOT EXISTS run_log (
    id bigserial PRIMARY KEY,
    step text NOT NULL,
    started_at timestamptz NOT NULL DEFAULT now(),
    finished_at timestamptz,
    status text NOT NULL DEFAULT 'running',  -- running | ok | failed
    counts jsonb,
    message text
);
CREATE INDEX IF NOT EXISTS run_log_started_idx ON run_log (started_at DESC);

-- Which database this is: a report remembers the id of the database it came from, so a run that
-- reaches another (empty) database never replaces a report made from one with data.
CREATE TABLE IF NOT EXISTS database_identity (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    created_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO database_identity (created_at) SELECT now() WHERE NOT EXISTS (SELECT 1 FROM database_identity);

-- The school answer as the person wrote it; people.school holds its normalised name (NULL when
-- the answer names no school: "N/A", "Working professional").
ALTER TABLE people ADD COLUMN IF NOT EXISTS school_raw text;

-- The currency of events.cost (ISO 4217 code such as USD), set by the organiser with edit_event.py.
ALTER TABLE events ADD COLUMN IF NOT EXISTS currency text;
