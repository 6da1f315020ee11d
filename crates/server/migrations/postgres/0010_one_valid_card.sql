-- One valid pickup card per child (issue 15). The roll issues a card to every enrolled child who
-- has none when it is opened; two phones opening the roll at once each found the cards missing
-- and each issued a set, so a child could hold several valid codes (the national read benchmark's
-- 32 clients left 32 per child, and every roll then read 1,600 codes for 50 children).
-- The earliest card of each child stays valid; the later ones are revoked as of their own issue.
UPDATE pickup_cards SET revoked_at = issued_at
WHERE revoked_at IS NULL AND EXISTS (
    SELECT 1 FROM pickup_cards o
    WHERE o.child_id = pickup_cards.child_id AND o.revoked_at IS NULL
      AND (o.issued_at < pickup_cards.issued_at
           OR (o.issued_at = pickup_cards.issued_at AND o.code < pickup_cards.code))
);
-- From now on the database refuses a second valid card; issuing one is INSERT … ON CONFLICT DO
-- NOTHING (src/attendance/cards.rs), so the loser of a race reads the winner's code.
CREATE UNIQUE INDEX pickup_cards_valid ON pickup_cards(child_id) WHERE revoked_at IS NULL;
