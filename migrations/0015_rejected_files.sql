-- A landed file rejected whole is moved out of landing into the lake's `rejected/` zone (with
-- its note), so that no run meets it again and an admin can still download it. Its place,
-- relative to the lake's root, is kept with the run's record of the file.
ALTER TABLE run_files ADD COLUMN rejected_path TEXT;
