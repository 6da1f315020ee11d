-- Money (issue 18, SPEC §9): a class's budget by source and category with its parents' fee, an
-- append-only ledger of what it received and spent (a correction is a counter-entry with a
-- reason, never an edit), receipts stored as documents are, subsidy rules as data on the
-- programme, the batches a federation approves (the evidence frozen with each line) and the
-- figures by source and category kept per class and per subtree for the dashboards. Amounts are
-- integer fen (分) everywhere.

CREATE TABLE class_budgets (
    class_id    TEXT PRIMARY KEY REFERENCES classes(id),
    fee_fen     BIGINT NOT NULL DEFAULT 0,
    updated_by  TEXT NOT NULL,
    updated_at  BIGINT NOT NULL
);

-- A planned amount: `line` is 'source:<code>' (income) or 'category:<code>' (spending).
CREATE TABLE budget_lines (
    class_id     TEXT NOT NULL REFERENCES classes(id),
    line         TEXT NOT NULL,
    planned_fen  BIGINT NOT NULL,
    PRIMARY KEY (class_id, line)
);

CREATE TABLE ledger_entries (
    id              TEXT PRIMARY KEY,
    class_id        TEXT NOT NULL REFERENCES classes(id),
    programme_id    TEXT NOT NULL REFERENCES programmes(id),
    direction       TEXT NOT NULL,
    source          TEXT NOT NULL,
    category        TEXT,
    amount_fen      BIGINT NOT NULL,
    occurred_on     TEXT NOT NULL,
    counterparty    TEXT NOT NULL DEFAULT '',
    voucher_no      TEXT NOT NULL DEFAULT '',
    summary         TEXT NOT NULL DEFAULT '',
    reverses        TEXT UNIQUE REFERENCES ledger_entries(id),
    subsidy_line_id TEXT,
    recorded_by     TEXT NOT NULL,
    recorded_at     BIGINT NOT NULL
);
CREATE INDEX ledger_entries_class ON ledger_entries(class_id, occurred_on);
CREATE INDEX ledger_entries_programme ON ledger_entries(programme_id, class_id);
CREATE TRIGGER ledger_entries_no_update BEFORE UPDATE ON ledger_entries
BEGIN SELECT RAISE(ABORT, 'ledger_entries is append-only'); END;
CREATE TRIGGER ledger_entries_no_delete BEFORE DELETE ON ledger_entries
BEGIN SELECT RAISE(ABORT, 'ledger_entries is append-only'); END;

-- The receipt (发票、收据) of an entry: one per entry, added with it or after it.
CREATE TABLE ledger_receipts (
    entry_id      TEXT PRIMARY KEY REFERENCES ledger_entries(id),
    file_id       TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    content_type  TEXT NOT NULL,
    size          BIGINT NOT NULL,
    uploaded_by   TEXT NOT NULL,
    created_at    BIGINT NOT NULL
);
CREATE TABLE ledger_receipt_chunks (
    file_id  TEXT NOT NULL,
    seq      BIGINT NOT NULL,
    data     BLOB NOT NULL,
    PRIMARY KEY (file_id, seq)
);

CREATE TABLE subsidy_rules (
    id            TEXT PRIMARY KEY,
    programme_id  TEXT NOT NULL REFERENCES programmes(id),
    org_id        TEXT NOT NULL REFERENCES orgs(id),
    name          TEXT NOT NULL,
    source        TEXT NOT NULL,
    terms         TEXT NOT NULL,
    created_by    TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL
);
CREATE INDEX subsidy_rules_programme ON subsidy_rules(programme_id);

CREATE TABLE subsidy_batches (
    id           TEXT PRIMARY KEY,
    rule_id      TEXT NOT NULL REFERENCES subsidy_rules(id),
    number       BIGINT NOT NULL,
    terms        TEXT NOT NULL,
    total_fen    BIGINT NOT NULL,
    approved_by  TEXT NOT NULL,
    approved_at  BIGINT NOT NULL,
    UNIQUE (rule_id, number)
);

-- A class in a batch: approved with its amount, or not paid (a gate failed, the pool ran out),
-- with the criteria as the records said them at approval. `paid_entry` is the ledger entry of
-- its payment while one stands.
CREATE TABLE subsidy_lines (
    id          TEXT PRIMARY KEY,
    batch_id    TEXT NOT NULL REFERENCES subsidy_batches(id),
    rule_id     TEXT NOT NULL REFERENCES subsidy_rules(id),
    class_id    TEXT NOT NULL REFERENCES classes(id),
    position    BIGINT NOT NULL,
    outcome     TEXT NOT NULL,
    amount_fen  BIGINT NOT NULL,
    criteria    TEXT NOT NULL,
    paid_entry  TEXT UNIQUE REFERENCES ledger_entries(id)
);
CREATE INDEX subsidy_lines_batch ON subsidy_lines(batch_id, position);
CREATE UNIQUE INDEX subsidy_lines_once ON subsidy_lines(rule_id, class_id) WHERE outcome = 'approved';

-- Planned, received and spent per line ('source:<code>', 'category:<code>') of each class, and of
-- each organisation's subtree per programme (its own classes plus its children's rows).
CREATE TABLE class_fund_totals (
    class_id      TEXT NOT NULL REFERENCES classes(id),
    line          TEXT NOT NULL,
    planned_fen   BIGINT NOT NULL,
    received_fen  BIGINT NOT NULL,
    spent_fen     BIGINT NOT NULL,
    PRIMARY KEY (class_id, line)
);
CREATE TABLE fund_tallies (
    programme_id  TEXT NOT NULL REFERENCES programmes(id),
    org_id        TEXT NOT NULL REFERENCES orgs(id),
    line          TEXT NOT NULL,
    planned_fen   BIGINT NOT NULL,
    received_fen  BIGINT NOT NULL,
    spent_fen     BIGINT NOT NULL,
    PRIMARY KEY (programme_id, org_id, line)
);
