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
-- When the newest guest list imported for the event was exported.
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
    status text NOT NULL DEFAULT 'running',  -- running | ok | failed | interrupted (never finished)
    counts jsonb,
    message text
);
CREATE INDEX IF NOT EXISTS run_log_started_idx ON run_log (started_at DESC);

-- Several calendars, one community (issue 16). A calendar is a Luma calendar synced with its own
-- key (the key itself is never stored); an event two calendars list is one events row linked to
-- both. gone_at: a successful sync of that calendar no longer listed the event; the event becomes
-- source_deleted only when every link is gone.
CREATE TABLE IF NOT EXISTS calendars (
    id serial PRIMARY KEY,
    name text NOT NULL UNIQUE,
    luma_calendar_id text,
    last_synced_at timestamptz,
    last_result text,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS event_calendars (
    event_id integer NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    calendar_id integer NOT NULL REFERENCES calendars (id) ON DELETE CASCADE,
    relation text NOT NULL CHECK (relation IN ('managed', 'listed')),
    first_seen_at timestamptz NOT NULL DEFAULT now(),
    last_seen_at timestamptz NOT NULL DEFAULT now(),
    gone_at timestamptz,
    PRIMARY KEY (event_id, calendar_id)
);
CREATE INDEX IF NOT EXISTS event_calendars_calendar_idx ON event_calendars (calendar_id);
-- The organisation behind an event (sync resolves it from the hosts Luma names, ORGANISATIONS and
-- the managing calendar): confidence 100 host_email, 85 host_domain, 60 calendar; NULL with
-- source 'conflict' when two organisations tie.
ALTER TABLE events ADD COLUMN IF NOT EXISTS organisation text;
ALTER TABLE events ADD COLUMN IF NOT EXISTS organisation_confidence smallint;
ALTER TABLE events ADD COLUMN IF NOT EXISTS organisation_source text;
ALTER TABLE events ADD COLUMN IF NOT EXISTS host_emails jsonb;      -- from Luma's event get
ALTER TABLE events ADD COLUMN IF NOT EXISTS hosts_fetched_at timestamptz;
-- Drift: each Luma field a sync found changed (old and new value as text).
CREATE TABLE IF NOT EXISTS event_changes (
    id bigserial PRIMARY KEY,
    event_id integer NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    field text NOT NULL,
    old_value text,
    new_value text,
    changed_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS event_changes_changed_at_idx ON event_changes (changed_at DESC);
-- Upgrade from the one-calendar version: its events belong to the calendar 'default'.
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM events e WHERE e.luma_event_id IS NOT NULL
               AND NOT EXISTS (SELECT 1 FROM event_calendars l WHERE l.event_id = e.id)) THEN
        INSERT INTO calendars (name) VALUES ('default') ON CONFLICT (name) DO NOTHING;
        INSERT INTO event_calendars (event_id, calendar_id, relation, gone_at)
        SELECT e.id, c.id, 'managed', CASE WHEN e.sync_status = 'source_deleted' THEN now() END
        FROM events e JOIN calendars c ON c.name = 'default'
        WHERE e.luma_event_id IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM event_calendars l WHERE l.event_id = e.id);
    END IF;
END $$;
-- approve_guests.py (issue 15) ---------------------------------------------------------------
-- The event's tag names at Luma, as the last sync saw them (APPROVE_EVENT_TAGS reads them).
ALTER TABLE events ADD COLUMN IF NOT EXISTS luma_tags text[];

-- Approval decisions: one row per pending guest of an upcoming event, the latest decision about
-- them. An `approved` row is final: no later run calls Luma for that guest again.
CREATE TABLE IF NOT EXISTS approval_decisions (
    id bigserial PRIMARY KEY,
    event_id integer NOT NULL REFERENCES events (id),
    luma_guest_id text NOT NULL,
    UNIQUE (event_id, luma_guest_id)
);
ALTER TABLE approval_decisions ADD COLUMN IF NOT EXISTS person_id integer
    REFERENCES people (id) ON DELETE SET NULL;            -- who matching found; NULL: nobody known
ALTER TABLE approval_decisions ADD COLUMN IF NOT EXISTS match_method text;
ALTER TABLE approval_decisions ADD COLUMN IF NOT EXISTS guest_name text;
ALTER TABLE approval_decisions ADD COLUMN IF NOT EXISTS guest_email text;
ALTER TABLE approval_decisions ADD COLUMN IF NOT EXISTS rule text;  -- min_events | email_domain; NULL: none admits
ALTER TABLE approval_decisions ADD COLUMN IF NOT EXISTS mode text;  -- dry-run | applied (the run's mode)
-- approved | would-approve (dry run) | not-admitted | failed (retried next run)
ALTER TABLE approval_decisions ADD COLUMN IF NOT EXISTS outcome text;
ALTER TABLE approval_decisions ADD COLUMN IF NOT EXISTS status_code integer;  -- Luma's answer; NULL: no call
ALTER TABLE approval_decisions ADD COLUMN IF NOT EXISTS message text;
ALTER TABLE approval_decisions ADD COLUMN IF NOT EXISTS run_started_at timestamptz;  -- the run that decided
ALTER TABLE approval_decisions ADD COLUMN IF NOT EXISTS decided_at timestamptz NOT NULL DEFAULT now();
CREATE INDEX IF NOT EXISTS approval_decisions_run_idx ON approval_decisions (run_started_at);

-- Identity stewardship (review_people.py). A review item is decided once: 'accepted' (merged by
-- accept), 'rejected' (not the same person: never asked again, never merged by name), 'closed'
-- (its two people were merged or kept apart by another decision, or the same pair was open twice).
ALTER TABLE match_review ADD COLUMN IF NOT EXISTS decided_by text;
ALTER TABLE match_review ADD COLUMN IF NOT EXISTS decided_at timestamptz;
ALTER TABLE match_review ADD COLUMN IF NOT EXISTS merge_id integer;
-- One open item per pair of people, whichever events brought them (an older database may hold the
-- same pair twice: the later copies are closed before the index is made).
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_class WHERE relname = 'match_review_open_pair') THEN
        UPDATE match_review r SET status = 'closed', decided_at = now(), decided_by = 'schema'
        WHERE status = 'open' AND EXISTS (
            SELECT 1 FROM match_review o
            WHERE o.status = 'open' AND o.id < r.id
              AND least(o.person_id, o.candidate_person_id) = least(r.person_id, r.candidate_person_id)
              AND greatest(o.person_id, o.candidate_person_id) = greatest(r.person_id, r.candidate_person_id));
        CREATE UNIQUE INDEX match_review_open_pair ON match_review
            (least(person_id, candidate_person_id), greatest(person_id, candidate_person_id))
            WHERE status = 'open';
    END IF;
END $$;
CREATE INDEX IF NOT EXISTS match_review_person_idx ON match_review (person_id);
CREATE INDEX IF NOT EXISTS match_review_candidate_idx ON match_review (candidate_person_id);

-- Every merge of two people: who, when, what moved, and the rows as they were before it (`before`,
-- each table's rows as jsonb), so that `review_people.py undo` puts back exactly what was there.
CREATE TABLE IF NOT EXISTS person_merges (
    id serial PRIMARY KEY,
    keep_person_id integer NOT NULL,   -- no foreign key: a person may be merged again later
    other_person_id integer NOT NULL,  -- removed by the merge; back after an undo
    review_id integer,                 -- the review item accepted, when the merge came from one
    merged_by text NOT NULL,           -- the OS user who ran it
    merged_at timestamptz NOT NULL DEFAULT now(),
    moved jsonb NOT NULL,              -- counts: identifiers, attendance moved and combined, fields filled
    before jsonb NOT NULL,
    undone_by text,
    undone_at timestamptz
);
CREATE INDEX IF NOT EXISTS person_merges_keep_idx ON person_merges (keep_person_id);
CREATE INDEX IF NOT EXISTS person_merges_other_idx ON person_merges (other_person_id);
-- Who queued an item by hand (review_people.py suggest --apply-to-queue); NULL: the importer.
ALTER TABLE match_review ADD COLUMN IF NOT EXISTS queued_by text;

-- Guest lists are snapshots, merged per guest (import_luma_attendance.py, DESIGN.md). Each value
-- of an attendance row and of a person remembers when the guest list that gave it was exported
-- (`field_snapshots`: field → export time, UTC), so the newest export's value wins whatever order
-- the files arrive in; attendance.snapshot_at is the newest guest list that listed the guest.
-- Rows imported by an earlier version are taken as given by their event's last export (which was
-- then the whole truth for the event), once, when the columns are added.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = 'attendance'::regclass
                   AND attname = 'snapshot_at' AND NOT attisdropped) THEN
        ALTER TABLE attendance ADD COLUMN snapshot_at timestamptz;
        ALTER TABLE attendance ADD COLUMN IF NOT EXISTS field_snapshots jsonb;
        UPDATE attendance a
        SET snapshot_at = e.attendance_exported_at,
            field_snapshots = jsonb_strip_nulls(jsonb_build_object(
                'luma_guest_id', CASE WHEN a.luma_guest_id IS NOT NULL THEN u.at END,
                'approval_status', CASE WHEN a.approval_status IS NOT NULL THEN u.at END,
                'registered_at', CASE WHEN a.registered_at IS NOT NULL THEN u.at END,
                'invite_token', CASE WHEN a.invite_token IS NOT NULL THEN u.at END,
                'registration_answers', CASE WHEN a.registration_answers IS NOT NULL
                                             AND a.registration_answers <> '{}' THEN u.at END))
        FROM events e, LATERAL (SELECT e.attendance_exported_at AT TIME ZONE 'UTC' AS at) u
        WHERE e.id = a.event_id AND e.attendance_exported_at IS NOT NULL;
    END IF;
END $$;
ALTER TABLE attendance ADD COLUMN IF NOT EXISTS field_snapshots jsonb;
ALTER TABLE people ADD COLUMN IF NOT EXISTS field_snapshots jsonb;
-- When luma_sync.py found the event's guest list at Luma empty (attendance taken elsewhere): no
-- file is written, and the list is asked for again only with --full-refresh.
ALTER TABLE events ADD COLUMN IF NOT EXISTS luma_guest_list_empty_at timestamptz;

-- Every guest-list file imported, by its content: the same bytes under any name or path are
-- imported once. result: imported | empty guest list | replaced (--replace).
CREATE TABLE IF NOT EXISTS imported_files (
    content_hash text PRIMARY KEY,        -- SHA-256 of the file's bytes
    file_name text NOT NULL,
    file_path text,                       -- where it was read from
    event_id integer REFERENCES events (id) ON DELETE SET NULL,
    exported_at timestamptz,
    rows integer NOT NULL,
    result text NOT NULL,
    imported_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS imported_files_imported_idx ON imported_files (imported_at DESC);

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

-- Name keys: the letters a-z of a name as the importer folds it (identity.fold_name: accents,
-- case, ø/ł/æ/ß... folded; digits, spaces and punctuation dropped): `José-María O'Brien` →
-- `josemariaobrien`. Two names the importer folds alike always share their key, so the importer
-- reads from people only the names that can match a guest list's, by these indexes, instead of the
-- whole community (importing/community.py). A test compares it with fold_name over every Unicode
-- character. The outlined letters U+1CCD6-1CCEF (Unicode 16) are dropped: PostgreSQL 18 reads them
-- as A-Z, Python 3.11 does not know them. Changing its body needs REINDEX of the name-key indexes.
CREATE OR REPLACE FUNCTION name_key(name text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT coalesce(regexp_replace(lower(normalize(
               replace(replace(replace(replace(replace(replace(replace(replace(
                   translate(regexp_replace(name, '[\U0001CCD6-\U0001CCEF]', '', 'g'),
                             'øØłŁđĐðÐı', 'oOlLdDdDi'),
                   'æ', 'ae'), 'Æ', 'ae'), 'œ', 'oe'), 'Œ', 'oe'), 'ß', 'ss'), 'ẞ', 'ss'), 'þ', 'th'),
                   'Þ', 'th'),
               NFKD) COLLATE "C"), '[^a-z]+', '', 'g'), '')
$$;
-- A first name with the initial and length of the last name (typos in the last name), and the
-- other way round.
CREATE INDEX IF NOT EXISTS people_first_name_keys_idx
    ON people (name_key(first_name), left(name_key(last_name), 1), length(name_key(last_name)));
CREATE INDEX IF NOT EXISTS people_last_name_keys_idx
    ON people (name_key(last_name), left(name_key(first_name), 1), length(name_key(first_name)));
CREATE INDEX IF NOT EXISTS people_full_name_key_idx ON people ((name_key(first_name) || name_key(last_name)));

-- An email's local part as the importer compares them (identity.email_local_part: before the
-- `@`, without a `+tag`, dots, dashes and underscores): finds the people who share a handle.
CREATE OR REPLACE FUNCTION email_local_part(email text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT translate(split_part(split_part(email, '@', 1), '+', 1), '._-', '')
$$;
CREATE INDEX IF NOT EXISTS person_identifiers_local_part_idx
    ON person_identifiers (email_local_part(value)) WHERE kind = 'email';
