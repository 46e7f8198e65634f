-- The Pencil cluster: a Curio small enough to check every figure by hand. Times are UTC on
-- 2026-08-20 unless said; the chain head is 4999873 (lotustest's Small and Pencil).
-- Miners: f01234 (sp_id 1234), and f02000 with one sector, to show the reads are per miner.

-- Machines. 1 is named and cordoned-not; 2 has no name (labelled by host_and_port) nor version
-- (an older Curio) and is cordoned; 3 has no details row at all, and unschedulable NULL.
INSERT INTO harmony_machines (id, host_and_port, last_contact, cpu, ram, gpu, unschedulable) VALUES
	(1, '10.0.0.1:12300', '2026-08-20 09:59:00+00', 64, 274877906944, 2, false),
	(2, '10.0.0.2:12300', '2026-08-20 09:59:30+00', 32, 137438953472, 0.5, true),
	(3, '10.0.0.3:12300', '2026-08-20 09:58:00+00', 16, 68719476736, 0, NULL);
INSERT INTO harmony_machine_details (machine_id, machine_name, startup_time, version, miners, tasks, layers) VALUES
	(1, 'sealer-1', '2026-08-19 12:00:00+00', '1.28.1', 'f01234,f02000', 'SDR,TreeD,WdPost', 'base,seal'),
	(2, NULL, '2026-08-20 08:00:00+00', NULL, 'f01234', 'WdPost', 'base');

-- The porep pipeline of f01234, one sector per stage it shows (create_time in brackets):
--   1 sdr (09:00)              2 tree_d (08:00)          12 tree_d (07:30)
--   3 tree_c (07:00)           4 synth (06:00)           5 precommit_wait (05:00)
--   6 wait_seed: seed 4999883, above the head (04:00)
--   7 porep: seed 4999863, reached (03:00)
--   8 move_storage: its commit landed while MoveStorage runs (02:00)
--  13 move_storage: finalized, its commit message not sent yet (01:00)
--   9 done (19 August, 00:00)
--  10 failed at tree_d, failed_at 09:30, a reason with a newline (created 18 August)
--  11 failed at precommit_msg, failed_at NULL (created 18 August)
INSERT INTO sectors_sdr_pipeline (sp_id, sector_number, create_time, reg_seal_proof,
	after_sdr, after_tree_d, after_tree_c, after_tree_r, after_synth, after_precommit_msg, after_precommit_msg_success,
	seed_epoch, after_porep, after_finalize, after_move_storage, after_commit_msg, after_commit_msg_success,
	failed, failed_at, failed_reason) VALUES
	(1234, 1, '2026-08-20 09:00:00+00', 8, false, false, false, false, false, false, false, NULL, false, false, false, false, false, false, NULL, ''),
	(1234, 2, '2026-08-20 08:00:00+00', 8, true, false, false, false, false, false, false, NULL, false, false, false, false, false, false, NULL, ''),
	(1234, 12, '2026-08-20 07:30:00+00', 8, true, false, false, false, false, false, false, NULL, false, false, false, false, false, false, NULL, ''),
	(1234, 3, '2026-08-20 07:00:00+00', 8, true, true, false, false, false, false, false, NULL, false, false, false, false, false, false, NULL, ''),
	(1234, 4, '2026-08-20 06:00:00+00', 8, true, true, true, true, false, false, false, NULL, false, false, false, false, false, false, NULL, ''),
	(1234, 5, '2026-08-20 05:00:00+00', 8, true, true, true, true, true, true, false, NULL, false, false, false, false, false, false, NULL, ''),
	(1234, 6, '2026-08-20 04:00:00+00', 8, true, true, true, true, true, true, true, 4999883, false, false, false, false, false, false, NULL, ''),
	(1234, 7, '2026-08-20 03:00:00+00', 8, true, true, true, true, true, true, true, 4999863, false, false, false, false, false, false, NULL, ''),
	(1234, 8, '2026-08-20 02:00:00+00', 8, true, true, true, true, true, true, true, 4999700, true, true, false, true, true, false, NULL, ''),
	(1234, 13, '2026-08-20 01:00:00+00', 8, true, true, true, true, true, true, true, 4999700, true, true, false, false, false, false, NULL, ''),
	(1234, 9, '2026-08-19 00:00:00+00', 8, true, true, true, true, true, true, true, 4999000, true, true, true, true, true, false, NULL, ''),
	(1234, 10, '2026-08-18 00:00:00+00', 8, true, false, false, false, false, false, false, NULL, false, false, false, false, false, true, '2026-08-20 09:30:00+00', E'tree_d\nfailed'),
	(1234, 11, '2026-08-18 00:00:00+00', 8, true, true, true, true, true, false, false, NULL, false, false, false, false, false, true, NULL, 'precommit-send'),
	(2000, 1, '2026-08-20 09:00:00+00', 8, false, false, false, false, false, false, false, NULL, false, false, false, false, false, false, NULL, '');

-- The snap pipeline of f01234 (start_time is UTC without zone): 21 encode (08:00), 22 prove
-- (07:00), 23 submit_wait (06:00), 24 failed at prove at 09:45. Its rows need sectors_meta's.
INSERT INTO sectors_meta (sp_id, sector_num, reg_seal_proof, ticket_epoch, ticket_value, orig_sealed_cid, orig_unsealed_cid,
	cur_sealed_cid, cur_unsealed_cid, seed_epoch, seed_value)
SELECT 1234, n, 8, 1, '\x00', 'sealed', 'unsealed', 'sealed', 'unsealed', 1, '\x00' FROM generate_series(21, 24) n;
INSERT INTO sectors_snap_pipeline (sp_id, sector_number, start_time, upgrade_proof,
	after_encode, after_prove, after_submit, after_prove_msg_success, after_move_storage, failed, failed_at, failed_reason) VALUES
	(1234, 21, '2026-08-20 08:00:00', 3, false, false, false, false, false, false, NULL, ''),
	(1234, 22, '2026-08-20 07:00:00', 3, true, false, false, false, false, false, NULL, ''),
	(1234, 23, '2026-08-20 06:00:00', 3, true, true, true, false, false, false, NULL, ''),
	(1234, 24, '2026-08-20 05:00:00', 3, true, false, false, false, false, true, '2026-08-20 09:45:00+00', 'prove-timeout');

-- WindowPoSt of f01234; the newest proving period starts at 4998816:
--   deadline 0: partitions 0 and 1 in one message, landed; the period before, a failed one
--   deadline 1: one failed, one pending (executing), one proof not sent
--   deadline 2: one message sent that has no wait row yet: pending
--   deadline 47: its newest is the period before (4995936): landed
--   deadline 5: only two periods back (4993056): left out
INSERT INTO wdpost_proofs (sp_id, proving_period_start, deadline, partition, submit_at_epoch, submit_by_epoch, message_cid) VALUES
	(1234, 4998816, 0, 0, 4998816, 4998876, 'bafy-m1'),
	(1234, 4998816, 0, 1, 4998816, 4998876, 'bafy-m1'),
	(1234, 4995936, 0, 0, 4995936, 4995996, 'bafy-m0'),
	(1234, 4998816, 1, 0, 4998876, 4998936, 'bafy-m2'),
	(1234, 4998816, 1, 1, 4998876, 4998936, 'bafy-m3'),
	(1234, 4998816, 1, 2, 4998876, 4998936, NULL),
	(1234, 4998816, 2, 0, 4998936, 4998996, 'bafy-m5'),
	(1234, 4995936, 47, 0, 4998756, 4998816, 'bafy-m4'),
	(1234, 4993056, 5, 0, 4993356, 4993416, 'bafy-m9');

-- Messages: m0 and m2 failed (exit code 16), m1 and m4 landed, m9 landed, m3 and m6 (a
-- precommit) not executed yet, sent at 09:40 and 09:30: 2 pending, the oldest sent at 09:30.
INSERT INTO message_waits (signed_message_cid, created_at, executed_tsk_cid, executed_tsk_epoch, executed_rcpt_exitcode) VALUES
	('bafy-m0', '2026-08-18 10:00:00+00', 'bafy-ts0', 4995940, 16),
	('bafy-m1', '2026-08-20 08:00:00+00', 'bafy-ts1', 4998820, 0),
	('bafy-m2', '2026-08-20 08:30:00+00', 'bafy-ts2', 4998880, 16),
	('bafy-m3', '2026-08-20 09:40:00+00', NULL, NULL, NULL),
	('bafy-m4', '2026-08-20 07:00:00+00', 'bafy-ts4', 4998760, 0),
	('bafy-m6', '2026-08-20 09:30:00+00', NULL, NULL, NULL),
	('bafy-m9', '2026-08-17 07:00:00+00', 'bafy-ts9', 4993360, 0);

-- Tasks: SDR two queued (posted 09:00 and 09:10) and one running; WdPost one running; PoRep
-- one queued (09:20).
INSERT INTO harmony_task (name, posted_time, owner_id, added_by) VALUES
	('SDR', '2026-08-20 09:00:00+00', NULL, 1),
	('SDR', '2026-08-20 09:10:00+00', NULL, 1),
	('SDR', '2026-08-20 08:00:00+00', 1, 1),
	('WdPost', '2026-08-20 09:55:00+00', 2, 2),
	('PoRep', '2026-08-20 09:20:00+00', NULL, 1);

-- Storage paths: a sealing path, a store with two URLs and a limit, and one Curio filled in
-- nothing for but its ID.
INSERT INTO storage_path (storage_id, urls, can_seal, can_store, groups, capacity, available, fs_available, reserved, used, max_storage, last_heartbeat) VALUES
	('st-seal', 'http://10.0.0.1:12300/remote', true, false, 'g1', 1000000000000, 400000000000, 500000000000, 100000000000, 300000000000, 0, '2026-08-20 09:59:50+00'),
	('st-store', 'http://10.0.0.2:12300/remote,http://10.0.0.3:12300/remote', false, true, NULL, 100000000000000, 40000000000000, 45000000000000, 0, 55000000000000, 50000000000000, '2026-08-20 09:40:00+00'),
	('st-nulls', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
-- URL checks: live; dead since 09:58; live again at 09:58 after a death at 09:00; never
-- found either way.
INSERT INTO sector_path_url_liveness (storage_id, url, last_checked, last_live, last_dead, last_dead_reason) VALUES
	('st-seal', 'http://10.0.0.1:12300/remote', '2026-08-20 09:59:00+00', '2026-08-20 09:59:00+00', NULL, NULL),
	('st-store', 'http://10.0.0.2:12300/remote', '2026-08-20 09:58:00+00', '2026-08-20 09:50:00+00', '2026-08-20 09:58:00+00', 'connection refused'),
	('st-store', 'http://10.0.0.3:12300/remote', '2026-08-20 09:58:00+00', '2026-08-20 09:58:00+00', '2026-08-20 09:00:00+00', 'timeout'),
	('st-nulls', 'http://10.0.0.9:12300/remote', '2026-08-20 09:58:00+00', NULL, NULL, NULL);

-- Two active alert conditions of the storage checks.
INSERT INTO alert_conditions (system, subsystem, condition, message) VALUES
	('sector-index', 'storage', 'st-store-heartbeat', 'no heartbeat for 20 minutes'),
	('sector-index', 'storage', 'st-nulls-unreachable', 'no live URL');

SELECT setval('harmony_machines_id_seq', 3);
