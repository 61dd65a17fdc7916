-- treeward's first schema: records as key-value pairs, the generation that
-- orders commits, and the change log. Written so that a database made
-- before migrations were numbered (the same tables, by the program itself)
-- is taken over as it is, and a half-made one (tables without a version)
-- is completed.
CREATE TABLE IF NOT EXISTS treeward_schema (
    one boolean PRIMARY KEY DEFAULT true CHECK (one),
    version integer NOT NULL
);
CREATE TABLE IF NOT EXISTS treeward_kv (
    k bytea PRIMARY KEY,
    v bytea NOT NULL
);
CREATE TABLE IF NOT EXISTS treeward_generation (
    one boolean PRIMARY KEY DEFAULT true CHECK (one),
    gen bigint NOT NULL
);
CREATE TABLE IF NOT EXISTS treeward_changes (
    gen bigint PRIMARY KEY,
    at timestamptz NOT NULL DEFAULT now(),
    keys bytea[] NOT NULL
);
INSERT INTO treeward_generation (gen) VALUES (0) ON CONFLICT (one) DO NOTHING;
INSERT INTO treeward_schema (version) VALUES (1) ON CONFLICT (one) DO UPDATE SET version = GREATEST(treeward_schema.version, 1);
