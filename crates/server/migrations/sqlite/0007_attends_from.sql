-- The enrolment span's first day (issue 15 point 10, docs/ENROLMENT.md): the day from which the
-- child attends the class (在托起始日). It defaults to the class's start when the roster entry is
-- made on or before the first day, otherwise to the day of entry, and the unit may move it within
-- the class's dates (a roster entered after the start catches up on the days already attended).
-- `enrolled_on` stays the day the enrolment was recorded.
ALTER TABLE applications ADD COLUMN attends_from TEXT;

-- Existing enrolments keep the span the code used so far: from the day of enrolment, or from the
-- class's start when enrolled before it (enrolled_on NULL or earlier).
UPDATE applications SET attends_from = (
    SELECT CASE WHEN applications.enrolled_on IS NULL OR applications.enrolled_on < c.start_date
                THEN c.start_date ELSE applications.enrolled_on END
    FROM classes c WHERE c.id = applications.class_id)
WHERE status = 'enrolled' OR left_on IS NOT NULL;
