-- The Curio cluster of TestDashboardEndToEnd, in Curio's own schema (curio/curiotest): three
-- machines serving miner f03000 (sp_id 3000), beside the large scenario's f01234. Times are
-- relative to now(). Its trouble, each for one alert: sector 3 sits at precommit_msg 20 hours
-- after it entered the pipeline (LotusCurioSectorStuck: 18 h), sector 8 failed
-- (LotusCurioSectorFailed), deadline 1's WindowPoSt message failed (LotusCurioWindowPoStFailed).
-- The test adds the blocks mined (one of them orphaned) and the task attempts as the runs go.
-- The rest is healthy: every machine reports, every path beats, every URL is live, Curio holds no
-- alert condition.

-- Machines: sealer-2 is cordoned.
INSERT INTO harmony_machines (id, host_and_port, last_contact, cpu, ram, gpu, unschedulable) VALUES
	(1, '10.1.0.1:12300', now(), 64, 274877906944, 2, false),
	(2, '10.1.0.2:12300', now(), 32, 137438953472, 1, true),
	(3, '10.1.0.3:12300', now(), 16, 68719476736, 0, false);
INSERT INTO harmony_machine_details (machine_id, machine_name, startup_time, version, miners, tasks, layers) VALUES
	(1, 'sealer-1', now() - interval '2 days', '1.28.1', 'f03000', 'SDR,TreeD,TreeRC,SyntheticProofs', 'base,seal'),
	(2, 'sealer-2', now() - interval '2 days', '1.28.1', 'f03000', 'PoRep,Finalize,MoveStorage', 'base,seal'),
	(3, 'poster-1', now() - interval '5 hours', '1.28.1', 'f03000', 'WdPost,WinPost', 'base,post');
SELECT setval('harmony_machines_id_seq', 3);

-- The PoRep pipeline, one sector per stage (entered the pipeline that long ago): 1 sdr (1 h),
-- 2 tree_d (3 h), 3 precommit_msg (20 h: stuck), 4 wait_seed (6 h, its seed epoch far above the
-- head), 5 porep (7 h, seed reached), 6 commit_wait (9 h), 7 done (30 h), 8 failed at porep.
INSERT INTO sectors_sdr_pipeline (sp_id, sector_number, create_time, reg_seal_proof,
	after_sdr, after_tree_d, after_tree_c, after_tree_r, after_synth, after_precommit_msg, after_precommit_msg_success,
	seed_epoch, after_porep, after_finalize, after_move_storage, after_commit_msg, after_commit_msg_success,
	failed, failed_at, failed_reason) VALUES
	(3000, 1, now() - interval '1 hour', 8, false, false, false, false, false, false, false, NULL, false, false, false, false, false, false, NULL, ''),
	(3000, 2, now() - interval '3 hours', 8, true, false, false, false, false, false, false, NULL, false, false, false, false, false, false, NULL, ''),
	(3000, 3, now() - interval '20 hours', 8, true, true, true, true, true, false, false, NULL, false, false, false, false, false, false, NULL, ''),
	(3000, 4, now() - interval '6 hours', 8, true, true, true, true, true, true, true, 9000000000, false, false, false, false, false, false, NULL, ''),
	(3000, 5, now() - interval '7 hours', 8, true, true, true, true, true, true, true, 1, false, false, false, false, false, false, NULL, ''),
	(3000, 6, now() - interval '9 hours', 8, true, true, true, true, true, true, true, 1, true, true, true, true, false, false, NULL, ''),
	(3000, 7, now() - interval '30 hours', 8, true, true, true, true, true, true, true, 1, true, true, true, true, true, false, NULL, ''),
	(3000, 8, now() - interval '10 hours', 8, true, true, true, true, true, true, true, 1, false, false, false, false, false, true, now() - interval '1 hour', 'porep-verify');

-- The SnapDeals pipeline (start_time is UTC without zone): 20 encode (2 h), 21 prove (3 h).
INSERT INTO sectors_meta (sp_id, sector_num, reg_seal_proof, ticket_epoch, ticket_value, orig_sealed_cid, orig_unsealed_cid,
	cur_sealed_cid, cur_unsealed_cid, seed_epoch, seed_value)
SELECT 3000, n, 8, 1, '\x00', 'sealed', 'unsealed', 'sealed', 'unsealed', 1, '\x00' FROM generate_series(20, 21) n;
INSERT INTO sectors_snap_pipeline (sp_id, sector_number, start_time, upgrade_proof,
	after_encode, after_prove, after_submit, after_prove_msg_success, after_move_storage, failed, failed_at, failed_reason) VALUES
	(3000, 20, (now() AT TIME ZONE 'UTC') - interval '2 hours', 3, false, false, false, false, false, false, NULL, ''),
	(3000, 21, (now() AT TIME ZONE 'UTC') - interval '3 hours', 3, true, false, false, false, false, false, NULL, '');

-- WindowPoSt of the newest proving period: deadline 0 landed, 1 failed (exit code 16), 2 sent
-- and not executed yet (the one pending message).
INSERT INTO wdpost_proofs (sp_id, proving_period_start, deadline, partition, submit_at_epoch, submit_by_epoch, message_cid) VALUES
	(3000, 100000, 0, 0, 100000, 100060, 'bafy-e2e-wdpost-0'),
	(3000, 100000, 1, 0, 100060, 100120, 'bafy-e2e-wdpost-1'),
	(3000, 100000, 2, 0, 100120, 100180, 'bafy-e2e-wdpost-2');
INSERT INTO message_waits (signed_message_cid, created_at, executed_tsk_cid, executed_tsk_epoch, executed_rcpt_exitcode) VALUES
	('bafy-e2e-wdpost-0', now() - interval '50 minutes', 'bafy-e2e-ts-0', 100010, 0),
	('bafy-e2e-wdpost-1', now() - interval '20 minutes', 'bafy-e2e-ts-1', 100070, 16),
	('bafy-e2e-wdpost-2', now() - interval '2 minutes', NULL, NULL, NULL);

-- The queue: SDR two queued and one running, PoRep one queued, WdPost one running.
INSERT INTO harmony_task (name, posted_time, owner_id, added_by) VALUES
	('SDR', now() - interval '10 minutes', NULL, 1),
	('SDR', now() - interval '5 minutes', NULL, 1),
	('SDR', now() - interval '3 hours', 1, 1),
	('PoRep', now() - interval '2 minutes', NULL, 2),
	('WdPost', now() - interval '1 minute', 3, 3);

-- Storage: a sealing path and a store with two URLs, all beating and live.
INSERT INTO storage_path (storage_id, urls, can_seal, can_store, groups, capacity, available, fs_available, reserved, used, max_storage, last_heartbeat) VALUES
	('e2e-seal', 'http://10.1.0.1:12300/remote', true, false, 'seal', 2000000000000, 800000000000, 900000000000, 100000000000, 1100000000000, 0, now()),
	('e2e-store', 'http://10.1.0.2:12300/remote,http://10.1.0.3:12300/remote', false, true, 'store', 100000000000000, 40000000000000, 45000000000000, 0, 55000000000000, 0, now());
INSERT INTO sector_path_url_liveness (storage_id, url, last_checked, last_live, last_dead, last_dead_reason) VALUES
	('e2e-seal', 'http://10.1.0.1:12300/remote', now(), now(), NULL, NULL),
	('e2e-store', 'http://10.1.0.2:12300/remote', now(), now(), NULL, NULL),
	('e2e-store', 'http://10.1.0.3:12300/remote', now(), now(), NULL, NULL);
